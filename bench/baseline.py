#!/usr/bin/env python3
"""Independent numpy/scipy implementation of SegScope's losses (docs/spec/losses.md).

It is the speed baseline SegScope is benchmarked against, and a second opinion on the
semantics: bench/check_baseline.py runs it on every golden case.

Usage, same arguments as `segscope evaluate`:

    python3 bench/baseline.py PRED GT [--json] [--losses a,b] [--from-logits] ...

Function API (used by bench/run.ts through ``--bench-spec``):

    load_mask(path) -> (array, spacing or None)
    evaluate(pred, target, **options) -> dict shaped like the CLI's JSON document

Everything is float64 and vectorised; distance fields are exact Euclidean distance
transforms (scipy.ndimage.distance_transform_edt with the spacing), computed once per
class and reused by every distance-based loss that needs them.
"""
from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
from scipy import ndimage as ndi

LOSS_IDS = [
    'bce', 'cce', 'wce', 'dice', 'iou', 'bce_dice', 'ce_iou', 'boundary', 'hausdorff', 'hd95',
    'hausdorff_dt', 'focal', 'tversky', 'lovasz', 'focal_tversky', 'surface', 'assd', 'nsd',
]
CLAMP_LO = 1e-7
CLAMP_HI = 1.0 - 1e-7
DEFAULT = object()  # "not given": the spec's default applies


class InputError(Exception):
    """A user-facing input problem (exit status 2)."""


# --------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------

_PNG_SIG = b'\x89PNG\r\n\x1a\n'


def _voc_colormap(n=256):
    cmap = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (r, g, b)
    return cmap


def _paeth_row(cur, prev, bpp):
    """Undo the Paeth filter of one row in place (sequential: each byte needs its left)."""
    n = len(cur)
    for i in range(n):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa = abs(p - a)
        pb = abs(p - b)
        pc = abs(p - c)
        if pa <= pb and pa <= pc:
            pr = a
        elif pb <= pc:
            pr = b
        else:
            pr = c
        cur[i] = (cur[i] + pr) & 0xFF


def _avg_row(cur, prev, bpp):
    n = len(cur)
    for i in range(n):
        a = cur[i - bpp] if i >= bpp else 0
        cur[i] = (cur[i] + ((a + prev[i]) >> 1)) & 0xFF


def read_png(path):
    """Minimal PNG decoder (non-interlaced; grey, RGB, palette, grey+alpha, RGBA; 1-16 bit).

    Returns a 2D integer array: grey values, palette indices, or class indices of an RGB
    label image (Pascal VOC colour map when every colour is in it, else colours in order)."""
    with open(path, 'rb') as f:
        buf = f.read()
    if buf[:8] != _PNG_SIG:
        raise InputError(f'{path}: not a PNG file')
    pos = 8
    idat = []
    ihdr = None
    while pos < len(buf):
        (length,) = struct.unpack('>I', buf[pos:pos + 4])
        ctype = buf[pos + 4:pos + 8]
        data = buf[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', data)
        elif ctype == b'IDAT':
            idat.append(data)
        elif ctype == b'IEND':
            break
    if ihdr is None:
        raise InputError(f'{path}: PNG without IHDR')
    width, height, depth, colour, _comp, _filt, interlace = ihdr
    if interlace:
        raise InputError(f'{path}: interlaced PNG is not supported')
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    bits = depth * channels
    bpp = max(1, bits // 8)
    stride = (width * bits + 7) // 8
    raw = np.frombuffer(zlib.decompress(b''.join(idat)), dtype=np.uint8)
    raw = raw[:height * (stride + 1)].reshape(height, stride + 1)
    ftypes = raw[:, 0]
    rows = raw[:, 1:].copy()
    if np.any(ftypes != 0):
        prev = np.zeros(stride, dtype=np.uint8)
        for y in range(height):
            ft = ftypes[y]
            cur = rows[y]
            if ft == 1:  # Sub: running sum per byte lane
                lanes = np.zeros(((stride + bpp - 1) // bpp) * bpp, dtype=np.uint8)
                lanes[:stride] = cur
                lanes = np.cumsum(lanes.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
                cur[:] = lanes[:stride]
            elif ft == 2:
                cur += prev
            elif ft == 3:
                lst = cur.tolist()
                _avg_row(lst, prev.tolist(), bpp)
                cur[:] = lst
            elif ft == 4:
                lst = cur.tolist()
                _paeth_row(lst, prev.tolist(), bpp)
                cur[:] = lst
            elif ft != 0:
                raise InputError(f'{path}: bad PNG filter type {ft}')
            prev = cur
    if depth == 16:
        px = rows.view('>u2').reshape(height, width, channels).astype(np.uint16)
    elif depth == 8:
        px = rows.reshape(height, width, channels)
    else:
        bitsarr = np.unpackbits(rows, axis=1)[:, :width * depth * channels]
        bitsarr = bitsarr.reshape(height, width * channels, depth)
        weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
        px = (bitsarr * weights).sum(axis=2).astype(np.uint8).reshape(height, width, channels)
    if colour in (0, 3):
        return np.ascontiguousarray(px[:, :, 0])
    if colour == 4:
        return np.ascontiguousarray(px[:, :, 0])
    rgb = px[:, :, :3]
    if np.all(rgb[:, :, 0] == rgb[:, :, 1]) and np.all(rgb[:, :, 1] == rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, 0])
    key = (rgb[:, :, 0].astype(np.int64) << 32) | (rgb[:, :, 1].astype(np.int64) << 16) | rgb[:, :, 2]
    cols, inv = np.unique(key, return_inverse=True)
    cmap = _voc_colormap().astype(np.int64)
    ckey = (cmap[:, 0] << 32) | (cmap[:, 1] << 16) | cmap[:, 2]
    lut = {int(k): i for i, k in enumerate(ckey)}
    if all(int(k) in lut for k in cols):
        idx = np.array([lut[int(k)] for k in cols], dtype=np.int32)
    else:  # colours in order, black first
        idx = np.arange(len(cols), dtype=np.int32)
    return idx[inv.reshape(rgb.shape[:2])]


_NIFTI_DTYPES = {2: 'u1', 4: 'i2', 8: 'i4', 16: 'f4', 64: 'f8', 256: 'i1', 512: 'u2',
                 768: 'u4', 1024: 'i8', 1280: 'u8'}


def read_nifti(path):
    """Minimal NIfTI-1 reader. Returns (array in C order [.., z, y, x], spacing [.., z, y, x])."""
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        buf = f.read()
    if len(buf) < 348:
        raise InputError(f'{path}: too short for a NIfTI-1 header')
    endian = '<'
    if struct.unpack('<i', buf[:4])[0] != 348:
        endian = '>'
        if struct.unpack('>i', buf[:4])[0] != 348:
            raise InputError(f'{path}: not a NIfTI-1 file')
    dim = struct.unpack(endian + '8h', buf[40:56])
    datatype, _bitpix = struct.unpack(endian + '2h', buf[70:74])
    pixdim = struct.unpack(endian + '8f', buf[76:108])
    vox_offset, slope, inter = struct.unpack(endian + '3f', buf[108:120])
    nd = dim[0]
    dims = [int(d) for d in dim[1:1 + nd]]
    while len(dims) > 2 and dims[-1] == 1:
        dims.pop()
    if datatype not in _NIFTI_DTYPES:
        raise InputError(f'{path}: unsupported NIfTI datatype {datatype}')
    dt = np.dtype(endian + _NIFTI_DTYPES[datatype])
    count = int(np.prod(dims))
    off = int(vox_offset) if vox_offset >= 348 else 352
    arr = np.frombuffer(buf, dtype=dt, count=count, offset=off)
    arr = arr.reshape(dims[::-1]).astype(dt.newbyteorder('='))
    if slope not in (0.0, 1.0) or (slope != 0.0 and inter != 0.0):
        arr = arr * np.float64(slope) + np.float64(inter)
    nsp = min(len(dims), 3)
    spacing = [abs(float(np.float32(pixdim[1 + i]))) for i in range(nsp)][::-1]
    return arr, spacing


def load_mask(path):
    """Read a .npy, .png, .nii or .nii.gz mask. Returns (array, spacing or None)."""
    low = path.lower()
    try:
        if low.endswith('.npy'):
            return np.load(path, allow_pickle=False), None
        if low.endswith('.png'):
            return read_png(path), None
        if low.endswith('.nii') or low.endswith('.nii.gz'):
            return read_nifti(path)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, zlib.error, struct.error) as e:
        raise InputError(f'{path}: cannot read ({e})') from None
    raise InputError(f'{path}: unknown format (expected .png, .npy, .nii or .nii.gz)')


# --------------------------------------------------------------------------------------
# Input preparation (docs/spec/losses.md section 1)
# --------------------------------------------------------------------------------------

def _values(a):
    """Distinct values of an integer array (bincount when small non-negative)."""
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    if a.dtype.kind in 'ub' or (a.dtype.kind == 'i' and a.min() >= 0):
        mx = int(a.max())
        if mx < 1 << 20:
            return np.nonzero(np.bincount(a.reshape(-1).astype(np.intp, copy=False), minlength=1))[0]
    return np.unique(a)


class Pair:
    """A prepared pair, flattened. y: int32 class per pixel, -1 where ignored."""

    def __init__(self):
        self.binary = False
        self.C = 2
        self.shape = ()
        self.spacing = ()
        self.kind = 'probabilities'
        self.y = None
        self.ignore = None
        # binary: p (float64 probability) and z (logits or None)
        self.p = None
        self.z = None
        # multi-class: P (C, N) probabilities, Z (C, N) logits or None, L labels or None
        self.P = None
        self.Z = None
        self.L = None
        self.warnings = []


def prepare(pred, target, *, from_logits=False, channels_last=False, classes=None,
            ignore_index=DEFAULT, pred_scale=None, spacing=None):
    pred = np.asarray(pred)
    target = np.asarray(target)
    if target.dtype.kind == 'f':
        if not np.all(np.isfinite(target)) or np.any(target != np.round(target)):
            raise InputError('target: not an integer label map')
        target = target.astype(np.int64)
    elif target.dtype.kind == 'b':
        target = target.astype(np.uint8)
    if target.ndim not in (2, 3):
        raise InputError(f'target: expected a 2D or 3D label map, got shape {list(target.shape)}')
    tshape = target.shape
    integer = pred.dtype.kind in 'iub'
    if pred.dtype.kind == 'b':
        pred = pred.astype(np.uint8)
    if pred.dtype.kind == 'f' and not np.all(np.isfinite(pred)):
        raise InputError('prediction: holds NaN or infinite values')

    # spatial layout
    if pred.shape == tshape:
        chan = None
    elif channels_last and pred.ndim == target.ndim + 1 and pred.shape[:-1] == tshape:
        chan = np.moveaxis(pred, -1, 0)
    elif pred.ndim == target.ndim + 1 and pred.shape[1:] == tshape:
        chan = pred
    else:
        raise InputError(f'shape mismatch: prediction {list(pred.shape)} vs target {list(tshape)}')
    if chan is not None and chan.shape[0] == 1:
        pred, chan = chan[0], None

    pair = Pair()
    pair.shape = tshape
    n = target.size
    pair.spacing = tuple(float(s) for s in (spacing if spacing is not None else [1.0] * target.ndim))
    if len(pair.spacing) != target.ndim:
        raise InputError(f'spacing has {len(pair.spacing)} values for a {target.ndim}D array')

    if integer and pred_scale:
        pred = pred.astype(np.float64) / float(pred_scale)
        chan = None if chan is None else chan.astype(np.float64) / float(pred_scale)
        integer = False

    explicit_ignore = ignore_index is not DEFAULT
    tflat = target.reshape(-1)

    if chan is None and integer:
        # two label maps (rule 3)
        pair.kind = 'labels'
        lflat = pred.reshape(-1)
        tv = tflat
        if explicit_ignore and ignore_index is not None:
            tv = tflat[tflat != ignore_index]
        pvals, tvals = _values(lflat), _values(tv)

        def binary_code(vals):
            nz = [int(v) for v in vals if v != 0]
            if len(nz) == 0:
                return 0
            if len(nz) == 1 and nz[0] in (1, 255, 65535):
                return nz[0]
            return None

        mp, mt = binary_code(pvals), binary_code(tvals)
        if classes is None and mp is not None and mt is not None:
            pair.binary = True
            pair.C = 2
            pair.p = (lflat != 0).astype(np.float64)
            ign = ignore_index if explicit_ignore else None
            y = (tflat != 0).astype(np.int32)
            if ign is not None:
                y[tflat == ign] = -1
            pair.y = y
            pair.ignore = ign
            return pair
        ign = (255 if not explicit_ignore else ignore_index)
        pair.ignore = ign
        if classes is None:
            pv = pvals if ign is None else pvals[pvals != ign]
            tv2 = tvals if ign is None else tvals[tvals != ign]
            mx = max(int(pv.max()) if pv.size else 0, int(tv2.max()) if tv2.size else 0)
            classes = mx + 1
        pair.C = int(classes)
        L = lflat.astype(np.int32)
        bad = (L < 0) | (L >= pair.C)
        if ign is not None:
            bad |= (lflat == ign)
        if np.any(bad):
            extra = sorted(set(int(v) for v in _values(lflat[bad])) - ({ign} if ign is not None else set()))
            for v in extra:
                pair.warnings.append(f'label {v} appears only in the prediction')
            L[bad] = -1
        pair.L = L
        pair.y = _target_labels(tflat, pair.C, ign)
        return pair

    if chan is None:
        # one-channel probability / logit map: binary (rule 2)
        if classes is not None and int(classes) != 2:
            raise InputError('a one-channel prediction is binary; --classes must be 2 or absent')
        pair.binary = True
        pair.C = 2
        pair.kind = 'logits' if from_logits else 'probabilities'
        vals = pred.reshape(-1).astype(np.float64)
        if from_logits:
            pair.z = vals
            pair.p = 0.5 * (1.0 + np.tanh(0.5 * vals))  # sigmoid, overflow-free
        else:
            pair.p = vals
        ign = None
        mask = None
        if explicit_ignore and ignore_index is not None:
            ign = ignore_index
            mask = tflat == ign
            tv = _values(tflat[~mask])
        else:
            tv = _values(tflat)
        nz = [int(v) for v in tv if v != 0]
        if len(nz) <= 1:
            m = nz[0] if nz else None
        elif len(nz) == 2 and 255 in nz and not explicit_ignore:
            m = nz[0] if nz[1] == 255 else nz[1]
            ign = 255
            mask = tflat == 255
        else:
            raise InputError(f'target: a binary prediction needs a target holding 0 and one other value, got {nz[:8]}')
        y = np.zeros(n, dtype=np.int32)
        if m is not None:
            y[tflat == m] = 1
        if mask is not None:
            y[mask] = -1
        pair.y = y
        pair.ignore = ign
        return pair

    # channel-first multi-class probabilities / logits
    C = chan.shape[0]
    if classes is not None and int(classes) != C:
        raise InputError(f'prediction has {C} channels but --classes is {classes}')
    pair.C = C
    pair.kind = 'logits' if from_logits else 'probabilities'
    X = chan.reshape(C, -1)
    if from_logits:
        X = X.astype(np.float64)
        pair.Z = X
        m = X.max(axis=0)
        E = np.exp(X - m)
        E /= E.sum(axis=0)
        pair.P = E
    else:
        # float32/float64 probabilities stay as they are (rows are widened to float64 when
        # used); anything else (float16, scaled integers) becomes float64 once
        pair.P = X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
    ign = 255 if not explicit_ignore else ignore_index
    pair.ignore = ign
    pair.y = _target_labels(tflat, C, ign)
    return pair


def _target_labels(tflat, C, ign):
    y = tflat.astype(np.int32)
    if ign is not None:
        y[tflat == ign] = -1
    bad = (y >= C) | ((y < 0) & ((tflat != ign) if ign is not None else True))
    if np.any(bad):
        v = int(tflat[bad][0])
        raise InputError(f'target: label {v} is outside 0..{C - 1}')
    return y


# --------------------------------------------------------------------------------------
# Shared intermediate quantities, computed lazily and once
# --------------------------------------------------------------------------------------

def _dot(a, b):
    """Inner product of two float64 vectors without BLAS: a multi-threaded BLAS dot on a
    busy 2-core machine can take 10x its single-thread time; einsum's loop is steady."""
    return float(np.einsum('i,i->', a, b))


def _clamped_log(x):
    y = np.maximum(x, CLAMP_LO)
    np.minimum(y, CLAMP_HI, out=y)
    return np.log(y, out=y)


class Cache:
    """Intermediate quantities, computed on first use and shared by every loss that needs
    them. Per-class quantities (masks, distance fields) live in a per-class store that is
    dropped once that class is done, so memory stays at one class's worth."""

    def __init__(self, pair: Pair):
        self.pair = pair
        self.C = pair.C
        self.N_total = pair.y.size
        self._d = {}
        self._cls = {}

    def get(self, key, fn):
        d = self._d
        if key not in d:
            d[key] = fn()
        return d[key]

    def getc(self, c, key, fn):
        d = self._cls.setdefault(c, {})
        if key not in d:
            d[key] = fn()
        return d[key]

    def peekc(self, c, key):
        return self._cls.get(c, {}).get(key)

    def drop_class(self, c):
        self._cls.pop(c, None)

    # ---- validity
    @property
    def has_ignore(self):
        return self.get('has_ignore', lambda: bool(np.any(self.pair.y < 0)))

    @property
    def valid(self):
        return self.get('valid', lambda: self.pair.y >= 0)

    @property
    def vidx(self):  # flat indices of valid pixels, or None when all are valid
        return self.get('vidx', lambda: np.flatnonzero(self.valid) if self.has_ignore else None)

    @property
    def cols(self):  # flat indices of the valid pixels (all pixels when none is ignored)
        return self.get('cols', lambda: self.vidx if self.has_ignore else np.arange(self.N_total))

    @property
    def yv(self):
        return self.get('yv', lambda: self.pair.y[self.vidx] if self.has_ignore else self.pair.y)

    @property
    def n(self):
        return self.yv.size

    @property
    def count(self):
        return self.get('count', lambda: np.bincount(self.yv, minlength=self.C).astype(np.float64)[:self.C])

    @property
    def validf(self):
        return self.get('validf', lambda: self.valid.astype(np.float64))

    def sum_valid(self, x):
        """Sum of a full-array float64 vector over the valid pixels."""
        return _dot(x, self.validf) if self.has_ignore else float(x.sum())

    @property
    def tf(self):
        """binary: target foreground at the valid pixels as float64 0/1 (for dot products)"""
        return self.get('tf', lambda: (self.yv == 1).astype(np.float64))

    def class_sums(self, w):
        """Per class c: sum of w (one value per valid pixel) over the pixels whose target is c."""
        if self.pair.binary:
            s1 = _dot(w, self.tf)
            return np.array([float(w.sum()) - s1, s1])
        return np.bincount(self.yv, weights=w, minlength=self.C)[:self.C]

    # ---- probabilities
    def pv(self):  # binary: foreground probability at valid pixels
        p = self.pair.p
        return self.get('pv', lambda: p[self.vidx] if self.has_ignore else p)

    def zv(self):
        z = self.pair.z
        return self.get('zv', lambda: z[self.vidx] if self.has_ignore else z)

    def prob_row(self, c):
        """p_c over the whole array (flat, float64)."""
        pr = self.pair
        if pr.binary:
            return pr.p if c == 1 else 1.0 - pr.p
        if pr.P is not None:
            return np.asarray(pr.P[c], dtype=np.float64)
        return (pr.L == c).astype(np.float64)

    def py(self):
        """Probability of the target class at each valid pixel."""
        def mk():
            pr = self.pair
            if pr.binary:
                pv = self.pv()
                return np.where(self.yv == 1, pv, 1.0 - pv)
            if pr.P is not None:
                return pr.P[self.yv, self.cols].astype(np.float64)
            return (pr.L[self.cols] == self.yv).astype(np.float64)
        return self.get('py', mk)

    def logpy(self):
        """log p_y at each valid pixel (clamped, or stable from logits)."""
        def mk():
            pr = self.pair
            if pr.binary:
                if pr.z is not None:
                    s = np.where(self.yv == 1, self.zv(), -self.zv())
                    return -np.logaddexp(0.0, -s)
                return _clamped_log(self.py())
            if pr.Z is not None:
                return pr.Z[self.yv, self.cols] - self.softmax_stats()['lse'][self.cols]
            return _clamped_log(self.py())
        return self.get('logpy', mk)

    def one_minus_py(self):
        def mk():
            pr = self.pair
            if pr.binary and pr.z is not None:
                return -np.expm1(self.logpy())
            return 1.0 - self.py()
        return self.get('1mpy', mk)

    def ce_sums(self):
        """Per class: sum over pixels whose target is c of -log p_c."""
        return self.get('ce_sums', lambda: -self.class_sums(self.logpy()))

    def overlap_sums(self):
        """(sumP, TP, count) per class over the valid pixels."""
        def mk():
            pr = self.pair
            if pr.binary:
                pv = self.pv()
                s1 = float(pv.sum())
                tp1 = _dot(pv, self.tf)
                tp0 = float(self.count[0] - (s1 - tp1))  # sum over y=0 of (1-p)
                return np.array([self.n - s1, s1]), np.array([tp0, tp1]), self.count
            if pr.L is not None:
                lv = pr.L[self.cols]
                sumP = np.bincount(lv[lv >= 0], minlength=self.C)[:self.C].astype(np.float64)
            elif pr.Z is None and pr.P.dtype == np.float32 and not self.has_ignore:
                sumP = np.array([float(pr.P[c].sum(dtype=np.float64)) for c in range(self.C)])
            else:
                sumP = np.array([self.sum_valid(self.prob_row(c)) for c in range(self.C)])
            tp = np.bincount(self.yv, weights=self.py(), minlength=self.C)[:self.C]
            return sumP, tp, self.count
        return self.get('overlap', mk)

    def softmax_stats(self):
        """Logits: per pixel max, argmax, sum of exp(z - max), the same sum without the
        argmax term (added directly, no cancellation), and logsumexp."""
        def mk():
            Z = self.pair.Z
            N = Z.shape[1]
            cols = np.arange(N)
            am = self.hard()
            m1 = Z[am, cols]
            S = np.zeros(N)
            Sx = np.zeros(N)
            for c in range(self.C):
                e = np.exp(Z[c] - m1)
                S += e
                e[am == c] = 0.0
                Sx += e
            return {'m1': m1, 'am': am, 'S': S, 'Sx': Sx, 'lse': m1 + np.log(S)}
        return self.get('softmax', mk)

    def log1m_row(self, c):
        """log(1 - p_c) over the whole array: clamped, or for logits
        logsumexp_{k != c} z_k - logsumexp_k z_k, stably."""
        pr = self.pair
        if pr.Z is None:
            return _clamped_log(1.0 - self.prob_row(c))
        st = self.softmax_stats()
        Z = pr.Z
        e = np.exp(Z[c] - st['m1'])
        with np.errstate(divide='ignore'):
            out = np.log(st['S'] - e)  # c not the argmax: S - e_c >= 1, no cancellation
        top = st['am'] == c
        if np.any(top):
            Sx = st['Sx'][top]
            with np.errstate(divide='ignore'):
                v = np.log(Sx)
            tiny = Sx < 1e-300
            if np.any(tiny):  # every other logit underflowed: use the runner-up directly
                idx = np.flatnonzero(top)[tiny]
                Zt = Z[:, idx].copy()
                Zt[c] = -np.inf
                m2 = Zt.max(axis=0)
                v[tiny] = (m2 - st['m1'][idx]) + np.log(np.exp(Zt - m2).sum(axis=0))
            out[top] = v
        out -= np.log(st['S'])
        return out

    def class_index(self, c):
        """Flat indices of the valid pixels whose target is c."""
        return self.getc(c, 'idx', lambda: np.flatnonzero(self.pair.y == c))

    # ---- hard masks
    def hard(self):
        """Hard prediction per pixel (class index; -1 none); binary: p > 0.5 (z > 0)."""
        def mk():
            pr = self.pair
            if pr.binary:
                return (pr.z > 0) if pr.z is not None else (pr.p > 0.5)
            if pr.L is not None:
                return pr.L
            X = pr.Z if pr.Z is not None else pr.P
            # argmax over the channel axis, first maximum on ties (as np.argmax), one
            # contiguous channel at a time instead of a strided reduction
            best = X[0].copy()
            idx = np.zeros(X.shape[1], dtype=np.int32)
            for c in range(1, X.shape[0]):
                m = X[c] > best
                np.copyto(idx, c, where=m)
                np.maximum(best, X[c], out=best)
            return idx
        return self.get('hard', mk)

    def mask(self, c, which):
        """Spatial hard masks of class c, ignored pixels background: 'A' the prediction
        (argmax / p > 0.5), 'M' p_c > 0.5 (hausdorff_dt's prediction mask), 'B' the target."""
        pr = self.pair
        if which == 'M' and (pr.binary or pr.L is not None):
            which = 'A'

        def mk():
            if which == 'B':
                return (pr.y == c).reshape(pr.shape)
            if which == 'A':
                m = self.hard() == c
            else:
                m = (pr.P[c] > 0.5) if pr.P is not None else (self.prob_row(c) > 0.5)
            if self.has_ignore:
                m &= self.valid
            return m.reshape(pr.shape)
        return self.getc(c, ('mask', which), mk), which

    # ---- distance fields (exact EDT with spacing), once per mask and kind
    def inner_boundary(self, c, which):
        m, which = self.mask(c, which)
        return self.getc(c, ('db', which), lambda: m ^ ndi.binary_erosion(m))

    def outer_boundary(self, c, which):
        m, which = self.mask(c, which)
        return self.getc(c, ('ob', which), lambda: ndi.binary_dilation(m) & ~m)

    def edt_to(self, c, which, side):
        """Distance from every pixel to the nearest pixel of the inner boundary (side='in')
        or the outer boundary (side='out') of a mask. Outside the mask, the distance to the
        inner boundary equals edt(~mask); inside it, the distance to the outer boundary
        equals edt(mask) (the nearest pixel across a region's edge always touches it
        face-on), so two EDTs give every field the losses need."""
        _, which = self.mask(c, which)

        def mk():
            b = self.inner_boundary(c, which) if side == 'in' else self.outer_boundary(c, which)
            return ndi.distance_transform_edt(~b, sampling=self.pair.spacing)
        return self.getc(c, ('edt', which, side), mk)

    def dt_field(self, c, which):
        """dt(m) = edt(M) + edt(~M): distance to the outer boundary inside, to the inner
        boundary outside; None (zero) when M is empty or fills the array."""
        m, which = self.mask(c, which)

        def mk():
            if not m.any() or m.all():
                return None
            return np.where(m, self.edt_to(c, which, 'out'), self.edt_to(c, which, 'in'))
        return self.getc(c, ('dt', which), mk)

    def phi(self, c):
        """Boundary-loss level set of the target mask of class c (None when zero)."""
        G, _ = self.mask(c, 'B')
        if not G.any() or G.all():
            return None
        return np.where(G, 1.0 - self.edt_to(c, 'B', 'out'), self.edt_to(c, 'B', 'in'))

    def surface_distances(self, c):
        """(d(a, dB) for a in dA, d(b, dA) for b in dB), or 'both'/'one' for empty masks."""
        A, _ = self.mask(c, 'A')
        B, _ = self.mask(c, 'B')
        ea, eb = not A.any(), not B.any()
        if ea and eb:
            return 'both'
        if ea or eb:
            return 'one'
        dA = self.inner_boundary(c, 'A')
        dB = self.inner_boundary(c, 'B')
        # reuse a full field another loss already computed, else an EDT cropped to the
        # boundaries' bounding box (exact: every boundary pixel lies inside it)
        fB = self.peekc(c, ('edt', 'B', 'in'))
        fA = self.peekc(c, ('edt', 'A', 'in'))
        if fA is None or fB is None:
            both = dA | dB
            sl = tuple(slice(int(np.min(ix)), int(np.max(ix)) + 1) for ix in np.nonzero(both))
            ca, cb = dA[sl], dB[sl]
        ab = fB[dA] if fB is not None else ndi.distance_transform_edt(~cb, sampling=self.pair.spacing)[ca]
        ba = fA[dB] if fA is not None else ndi.distance_transform_edt(~ca, sampling=self.pair.spacing)[cb]
        return ab, ba


# --------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------

def _lovasz_sorted(ef, eb):
    """Lovasz extension of the Jaccard loss: errors of the foreground (ef) and background
    (eb) elements. Equal to sorting all errors descending and dotting with lovasz_grad of
    the sorted ground truth; computed from two sorts and a merge by rank (the sum over a run
    of tied errors does not depend on their order)."""
    G = ef.size
    nb = eb.size
    if G == 0:
        return float(eb.max()) if nb else 0.0
    f = np.sort(ef)
    b = np.sort(eb)
    # foreground element: J rises by 1/(G + j), j = background elements before it
    jb = nb - np.searchsorted(b, f, side='right')
    loss = float(np.sum(f / (G + jb)))
    if nb:
        bd = b[::-1]
        ib = G - np.searchsorted(f, bd, side='left')  # foreground elements before it
        j = np.arange(1, nb + 1, dtype=np.float64)
        loss += float(np.sum(bd * (G - ib) / ((G + j - 1.0) * (G + j))))
    return loss


class Params:
    def __init__(self, *, binary, C, include_background=True, alpha=0.3, beta=0.7, ft_gamma=0.75,
                 focal_gamma=2.0, focal_alpha=DEFAULT, class_weights=None, smooth=1e-5,
                 nsd_tolerance=1.0):
        self.include_background = include_background
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.ft_gamma = float(ft_gamma)
        self.focal_gamma = float(focal_gamma)
        if focal_alpha is DEFAULT:
            focal_alpha = 0.25 if binary else 1.0
        self.focal_alpha = focal_alpha
        self.class_weights = None if class_weights is None else np.asarray(class_weights, dtype=np.float64)
        self.smooth = float(smooth)
        self.nsd_tolerance = float(nsd_tolerance)
        if binary:
            self.selected = [1]
        else:
            self.selected = list(range(0 if include_background else 1, C))


def compute_losses(K: Cache, prm: Params, losses):
    pr = K.pair
    C = K.C
    out = {}
    per = {c: {} for c in range(C)}
    N = K.n
    fg = list(range(1, C))
    want = set(losses)
    nan = float('nan')

    def ratio(a, b):
        return float(a) / float(b) if b else nan

    def cce():
        ce = K.ce_sums()
        return ratio(ce.sum(), N), [ratio(ce[c], K.count[c]) for c in range(C)]

    if 'bce' in want:
        if pr.binary:
            v, pc = cce()
            out['bce'] = v
            for c in range(2):
                per[c]['bce'] = pc[c]
        else:
            # channel c: -[sum_{y=c} log p_c + sum_{valid, y!=c} log(1-p_c)], one channel at a time
            s_logp = -K.ce_sums()
            ch = np.zeros(C)
            for c in range(C):
                l1m = K.log1m_row(c)
                idx = K.class_index(c)
                ch[c] = -(s_logp[c] - float(l1m[idx].sum()) + K.sum_valid(l1m))
            out['bce'] = ratio(ch.sum(), C * N)
            for c in range(C):
                per[c]['bce'] = ratio(ch[c], N)
    if 'cce' in want:
        v, pc = cce()
        out['cce'] = v
        for c in range(C):
            per[c]['cce'] = pc[c]
    if 'wce' in want:
        ce, cnt = K.ce_sums(), K.count
        if prm.class_weights is not None:
            w = prm.class_weights
            if w.size != C:
                raise InputError(f'--class-weights has {w.size} values for {C} classes')
        else:
            present = cnt > 0
            w = np.where(present, N / (max(int(present.sum()), 1) * np.maximum(cnt, 1)), 0.0)
        out['wce'] = ratio((w * ce).sum(), (w * cnt).sum())
        for c in range(C):
            per[c]['wce'] = ratio(ce[c], cnt[c])
    if 'focal' in want:
        lp = K.logpy()
        omp = K.one_minus_py()
        g = prm.focal_gamma
        mod = np.ones_like(omp) if g == 0 else (omp * omp if g == 2 else np.power(omp, g))
        fl = -mod * lp
        a = prm.focal_alpha
        if a is not None:
            if pr.binary:
                fl *= np.where(K.yv == 1, a, 1.0 - a)
            else:
                av = np.full(C, float(a)) if np.isscalar(a) else np.asarray(a, dtype=np.float64)
                fl *= av[K.yv]
        s = K.class_sums(fl)
        out['focal'] = ratio(s.sum(), N)
        for c in range(C):
            per[c]['focal'] = ratio(s[c], K.count[c])

    if {'dice', 'iou', 'tversky', 'focal_tversky', 'bce_dice', 'ce_iou'} & want:
        sumP, tp, cnt = K.overlap_sums()
        s = prm.smooth
        sel = prm.selected
        terms = {}
        for c in sel:
            TP, SP, ST = tp[c], sumP[c], cnt[c]
            FP, FN = SP - TP, ST - TP
            ti = (TP + s) / (TP + prm.alpha * FP + prm.beta * FN + s)
            terms[c] = {
                'dice': 1.0 - (2.0 * TP + s) / (SP + ST + s),
                'iou': 1.0 - (TP + s) / (SP + ST - TP + s),
                'tversky': 1.0 - ti,
                'focal_tversky': max(1.0 - ti, 0.0) ** prm.ft_gamma,
            }

        def mean_of(k):
            return float(np.mean([terms[c][k] for c in sel])) if sel else nan

        for k in ('dice', 'iou', 'tversky', 'focal_tversky'):
            if k in want:
                out[k] = mean_of(k)
                for c in sel:
                    per[c][k] = float(terms[c][k])
        if 'bce_dice' in want:  # binary bce equals cce; multi-class uses cce (MONAI DiceCELoss)
            out['bce_dice'] = cce()[0] + mean_of('dice')
        if 'ce_iou' in want:
            out['ce_iou'] = cce()[0] + mean_of('iou')

    if 'lovasz' in want:
        if pr.binary:
            t = K.yv == 1
            if pr.z is not None:
                z = K.zv()
            else:
                pv = K.pv()
                z = _clamped_log(pv) - _clamped_log(1.0 - pv)
            e = 1.0 - np.where(t, z, -z)
            np.maximum(e, 0.0, out=e)
            out['lovasz'] = _lovasz_sorted(e[t], e[~t])
        else:
            vals = []
            for c in range(C):
                if K.count[c] == 0:
                    continue
                pc = K.prob_row(c)
                if K.has_ignore:
                    pc = pc[K.vidx]
                fgm = K.yv == c
                v = _lovasz_sorted(1.0 - pc[fgm], pc[~fgm])
                per[c]['lovasz'] = v
                vals.append(v)
            out['lovasz'] = float(np.mean(vals)) if vals else 0.0

    # distance-based losses: one pass over the foreground classes, each class's masks and
    # distance fields shared between the losses and dropped when the class is done
    for k in ('py', 'logpy', '1mpy', 'pv', 'zv', 'tf', 'softmax'):  # pixel-wise work is done
        K._d.pop(k, None)
    want_b = bool({'boundary', 'surface'} & want)
    want_h = 'hausdorff_dt' in want
    dist = [k for k in ('hausdorff', 'hd95', 'assd', 'nsd') if k in want]
    if want_b or want_h or dist:
        tau = prm.nsd_tolerance
        acc = {k: [] for k in ('boundary', 'hausdorff_dt', *dist)}
        for c in fg:
            if want_b:
                ph = K.phi(c)
                v = 0.0 if ph is None else (K.sum_valid(K.prob_row(c) * ph.reshape(-1)) / N if N else nan)
                acc['boundary'].append(v)
                for k in ('boundary', 'surface'):
                    if k in want:
                        per[c][k] = v
            if want_h:
                dtp = K.dt_field(c, 'M')
                dtt = K.dt_field(c, 'B')
                if dtp is None and dtt is None:
                    v = 0.0
                else:
                    w = dtp * dtp if dtp is not None else 0.0
                    if dtt is not None:
                        w = w + dtt * dtt
                    d = K.prob_row(c) - (pr.y == c)
                    v = K.sum_valid(d * d * w.reshape(-1)) / N if N else nan
                acc['hausdorff_dt'].append(v)
                per[c]['hausdorff_dt'] = v
            if dist:
                sd = K.surface_distances(c)
                if sd == 'both':
                    r = {'hausdorff': 0.0, 'hd95': 0.0, 'assd': 0.0, 'nsd': 1.0}
                elif sd == 'one':
                    r = {'hausdorff': math.inf, 'hd95': math.inf, 'assd': math.inf, 'nsd': 0.0}
                else:
                    ab, ba = sd
                    r = {}
                    if 'hausdorff' in want:
                        r['hausdorff'] = float(max(ab.max(), ba.max()))
                    if 'hd95' in want:
                        r['hd95'] = float(max(np.percentile(ab, 95), np.percentile(ba, 95)))
                    if 'assd' in want:
                        r['assd'] = float((ab.sum() + ba.sum()) / (ab.size + ba.size))
                    if 'nsd' in want:
                        r['nsd'] = float((np.count_nonzero(ab <= tau) + np.count_nonzero(ba <= tau)) / (ab.size + ba.size))
                for k in dist:
                    per[c][k] = r[k]
                    acc[k].append(r[k])
            K.drop_class(c)
        mean = {k: (float(np.mean(v)) if v else 0.0) for k, v in acc.items()}
        for k in ('boundary', 'surface'):
            if k in want:
                out[k] = mean['boundary']
        if want_h:
            out['hausdorff_dt'] = mean['hausdorff_dt']
        for k in dist:
            out[k] = mean[k]

    per_class = []
    for c in range(C):
        if per[c]:
            e = {'class': c}
            e.update(per[c])
            per_class.append(e)
    return {k: out[k] for k in LOSS_IDS if k in out}, per_class


def compute_metrics(K: Cache):
    C = K.C
    h = K.hard()
    hv = h[K.vidx] if K.has_ignore else h
    yv = K.yv
    if K.pair.binary:
        hb = hv.astype(bool)
        tp1 = np.count_nonzero(hb & (yv == 1))
        fp1 = np.count_nonzero(hb) - tp1
        fn1 = K.count[1] - tp1
        tp = np.array([K.n - tp1 - fp1 - fn1, tp1], dtype=np.float64)
        fp = np.array([fn1, fp1], dtype=np.float64)
        fn = np.array([fp1, fn1], dtype=np.float64)
    else:
        if K.pair.L is not None:
            ok = hv >= 0
            hv, yv = hv[ok], yv[ok]
        conf = np.bincount(yv * np.int32(C) + hv, minlength=C * C)[:C * C].reshape(C, C)
        tp = np.diag(conf).astype(np.float64)
        fp = conf.sum(axis=0) - tp
        fn = K.count - tp
    nan = float('nan')

    def r(a, b):
        return float(a) / float(b) if b else nan

    rows = []
    for c in range(C):
        rows.append({'class': c,
                     'dice': r(2 * tp[c], 2 * tp[c] + fp[c] + fn[c]),
                     'iou': r(tp[c], tp[c] + fp[c] + fn[c]),
                     'precision': r(tp[c], tp[c] + fp[c]),
                     'recall': r(tp[c], tp[c] + fn[c]),
                     'tp': int(tp[c]), 'fp': int(fp[c]), 'fn': int(fn[c])})
    mf = {}
    for k in ('dice', 'iou', 'precision', 'recall'):
        vals = [rows[c][k] for c in range(1, C) if not math.isnan(rows[c][k])]
        mf[k] = float(np.mean(vals)) if vals else nan
    return {'pixelAccuracy': r(tp.sum(), K.n), 'perClass': rows, 'meanForeground': mf}


def evaluate(pred, target, *, losses=None, from_logits=False, channels_last=False, classes=None,
             ignore_index=DEFAULT, include_background=True, spacing=None, alpha=0.3, beta=0.7,
             ft_gamma=0.75, focal_gamma=2.0, focal_alpha=DEFAULT, class_weights=None, smooth=1e-5,
             nsd_tolerance=1.0, pred_scale=None, metrics=True):
    """Evaluate a prediction against a target (numpy arrays). Returns the JSON document
    (without paths) with float values; `timingsMs.compute` is the wall time of the work."""
    t0 = time.perf_counter()
    pair = prepare(pred, target, from_logits=from_logits, channels_last=channels_last,
                   classes=classes, ignore_index=ignore_index, pred_scale=pred_scale,
                   spacing=spacing)
    losses = list(LOSS_IDS) if not losses else list(losses)
    for k in losses:
        if k not in LOSS_IDS:
            raise InputError(f'unknown loss id {k!r}')
    K = Cache(pair)
    prm = Params(binary=pair.binary, C=pair.C, include_background=include_background, alpha=alpha,
                 beta=beta, ft_gamma=ft_gamma, focal_gamma=focal_gamma, focal_alpha=focal_alpha,
                 class_weights=class_weights, smooth=smooth, nsd_tolerance=nsd_tolerance)
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        vals, per_class = compute_losses(K, prm, losses)
        met = compute_metrics(K) if metrics else None
    t1 = time.perf_counter()
    doc = {
        'prediction': {'shape': list(np.asarray(pred).shape), 'kind': pair.kind},
        'target': {'shape': list(np.asarray(target).shape)},
        'binary': pair.binary,
        'classes': pair.C,
        'spacing': list(pair.spacing),
        'losses': vals,
        'perClass': per_class,
        'metrics': met,
        'warnings': pair.warnings,
        'backend': 'numpy',
        'timingsMs': {'compute': (t1 - t0) * 1e3},
    }
    return doc


def to_json_safe(x):
    if isinstance(x, float):
        if math.isnan(x):
            return 'NaN'
        if math.isinf(x):
            return 'Infinity' if x > 0 else '-Infinity'
        return x
    if isinstance(x, (np.floating,)):
        return to_json_safe(float(x))
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, dict):
        return {k: to_json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_json_safe(v) for v in x]
    return x


# --------------------------------------------------------------------------------------
# CLI (the `segscope evaluate` contract)
# --------------------------------------------------------------------------------------

def _floats(s):
    return [float(v) for v in s.split(',') if v.strip()]


def build_parser():
    ap = argparse.ArgumentParser(prog='baseline.py', description='numpy/scipy baseline of segscope evaluate')
    ap.add_argument('pred', nargs='?')
    ap.add_argument('gt', nargs='?')
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--losses')
    ap.add_argument('--from-logits', action='store_true')
    ap.add_argument('--channels-last', action='store_true')
    ap.add_argument('--classes', type=int)
    ap.add_argument('--ignore-index', type=int)
    ap.add_argument('--no-ignore', action='store_true')
    ap.add_argument('--include-background', dest='include_background', action='store_true', default=True)
    ap.add_argument('--no-include-background', dest='include_background', action='store_false')
    ap.add_argument('--spacing')
    ap.add_argument('--alpha', type=float, default=0.3)
    ap.add_argument('--beta', type=float, default=0.7)
    ap.add_argument('--ft-gamma', type=float, default=0.75)
    ap.add_argument('--focal-gamma', type=float, default=2.0)
    ap.add_argument('--focal-alpha')
    ap.add_argument('--class-weights')
    ap.add_argument('--smooth', type=float, default=1e-5)
    ap.add_argument('--nsd-tolerance', type=float, default=1.0)
    ap.add_argument('--pred-scale', type=float)
    ap.add_argument('--backend', default='numpy')
    ap.add_argument('--bench-spec', help='run the timing jobs in this JSON file (bench/run.ts)')
    return ap


def options_from_args(a):
    opts = {}
    if a.losses:
        opts['losses'] = [s.strip() for s in a.losses.split(',') if s.strip()]
    opts['from_logits'] = a.from_logits
    opts['channels_last'] = a.channels_last
    opts['classes'] = a.classes
    if a.no_ignore:
        opts['ignore_index'] = None
    elif a.ignore_index is not None:
        opts['ignore_index'] = a.ignore_index
    opts['include_background'] = a.include_background
    if a.spacing:
        opts['spacing'] = _floats(a.spacing)
    opts['alpha'] = a.alpha
    opts['beta'] = a.beta
    opts['ft_gamma'] = a.ft_gamma
    opts['focal_gamma'] = a.focal_gamma
    if a.focal_alpha is not None:
        opts['focal_alpha'] = None if a.focal_alpha.lower() == 'none' else float(a.focal_alpha)
    if a.class_weights:
        opts['class_weights'] = _floats(a.class_weights)
    opts['smooth'] = a.smooth
    opts['nsd_tolerance'] = a.nsd_tolerance
    if a.pred_scale:
        opts['pred_scale'] = a.pred_scale
    return opts


def evaluate_files(pred_path, gt_path, opts):
    t0 = time.perf_counter()
    pred, psp = load_mask(pred_path)
    gt, gsp = load_mask(gt_path)
    t1 = time.perf_counter()
    opts = dict(opts)
    if 'spacing' not in opts:
        sp = gsp if gsp is not None else psp
        if sp is not None:
            opts['spacing'] = sp[-gt.ndim:] if len(sp) >= gt.ndim else sp
    doc = evaluate(pred, gt, **opts)
    doc['prediction']['path'] = pred_path
    doc['target']['path'] = gt_path
    doc['timingsMs']['load'] = (t1 - t0) * 1e3
    return doc


def print_table(doc):
    print(f"{'loss':<16}{'value':>16}")
    for k, v in doc['losses'].items():
        print(f'{k:<16}{v:>16.6g}')
    m = doc['metrics']
    if m:
        print(f"pixel accuracy  {m['pixelAccuracy']:>16.6g}")


# --------------------------------------------------------------------------------------
# Bench driver: python3 bench/baseline.py --bench-spec jobs.json
# --------------------------------------------------------------------------------------

def _proc_status_kb(key):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakMemory:
    """Peak RSS growth of this process over a span of work: the kernel's high-water mark
    (VmHWM) is reset to the current RSS through /proc/self/clear_refs before the span, after
    returning freed heap to the OS (gc, malloc_trim), and read back after it."""

    def __init__(self):
        try:
            import ctypes
            self._trim = ctypes.CDLL('libc.so.6').malloc_trim
        except (OSError, AttributeError):
            self._trim = None
        self.resettable = self._reset()

    def _reset(self):
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            return True
        except OSError:
            return False

    def start(self):
        import gc
        gc.collect()
        if self._trim is not None:
            self._trim(0)
        self._reset()
        self.before = _proc_status_kb('VmRSS') or 0
        self.hwm_before = _proc_status_kb('VmHWM') or 0

    def stop(self):
        hwm = _proc_status_kb('VmHWM') or 0
        base = self.before if self.resettable else self.hwm_before
        return max(0, hwm - base) * 1024, hwm * 1024


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])) if n else None


def run_bench(spec_path):
    """Timing child for bench/run.ts. The spec (JSON) names one workload and the measurements
    to take on it:

        {"workload": {"kind": "pair", "pred": p, "gt": g} | {"kind": "folder", "predDir": d, "gtDir": d},
         "args": [CLI flags], "measurements": [{"id": "dice", "losses": ["dice"]}, {"id": "all", "losses": null}],
         "policy": {"budgetMs": 2000, "maxRepeats": 5, "heavyMs": 1500, "warmupPairs": 3},
         "deadline": epoch_ms, "out": path}

    Per measurement: one warm-up run; if it took at least heavyMs it is the only (cold) sample,
    else floor(budgetMs / warm-up) runs (1..maxRepeats) are timed and the median reported.
    Inputs are loaded once, before and outside every timed span (folder workloads also report
    load + compute). Peak memory is the RSS high-water growth over the span."""
    with open(spec_path) as f:
        spec = json.load(f)
    a = build_parser().parse_args(spec.get('args', []))
    base_opts = options_from_args(a)
    pol = spec.get('policy', {})
    budget = float(pol.get('budgetMs', 2000))
    max_rep = int(pol.get('maxRepeats', 5))
    heavy = float(pol.get('heavyMs') or 1500)
    deadline = spec.get('deadline')
    mem = PeakMemory()
    import scipy
    info = {'python': sys.version.split()[0], 'numpy': np.__version__, 'scipy': scipy.__version__,
            'memoryResettable': mem.resettable}
    results = []
    w = spec['workload']

    def past_deadline():
        return deadline is not None and time.time() * 1e3 > deadline

    if w['kind'] == 'folder':
        names = sorted(n for n in os.listdir(w['predDir']) if not n.startswith('.'))
        pairs = [(os.path.join(w['predDir'], n), os.path.join(w['gtDir'], n)) for n in names]
        for m in spec['measurements']:
            opts = dict(base_opts)
            if m.get('losses'):
                opts['losses'] = m['losses']
            if past_deadline():
                results.append({'id': m['id'], 'skipped': 'time budget'})
                continue
            for p, g in pairs[:int(pol.get('warmupPairs', 3))]:  # warm-up, untimed
                evaluate(load_mask(p)[0], load_mask(g)[0], **opts)
            mem.start()
            load_ms = compute_ms = 0.0
            done = 0
            for p, g in pairs:
                if past_deadline():
                    break
                t0 = time.perf_counter()
                pr = load_mask(p)[0]
                gt = load_mask(g)[0]
                t1 = time.perf_counter()
                evaluate(pr, gt, **opts)
                t2 = time.perf_counter()
                load_ms += (t1 - t0) * 1e3
                compute_ms += (t2 - t1) * 1e3
                done += 1
            peak, hwm = mem.stop()
            results.append({'id': m['id'], 'pairs': len(pairs), 'pairsDone': done, 'computeMs': compute_ms,
                            'loadMs': load_ms, 'withLoadMs': compute_ms + load_ms, 'peakBytes': peak,
                            'hwmBytes': hwm})
    else:
        t0 = time.perf_counter()
        pred, psp = load_mask(w['pred'])
        gt, gsp = load_mask(w['gt'])
        load_ms = (time.perf_counter() - t0) * 1e3
        if 'spacing' not in base_opts and (gsp or psp):
            base_opts['spacing'] = gsp or psp
        for m in spec['measurements']:
            if past_deadline():
                results.append({'id': m['id'], 'skipped': 'time budget'})
                continue
            opts = dict(base_opts)
            if m.get('losses'):
                opts['losses'] = m['losses']
            if m.get('edt'):
                # the distance transform alone: the ground truth's nonzero pixels, with the spacing
                edt_mask = gt != 0
                edt_spacing = opts.get('spacing')

                def run():
                    ndi.distance_transform_edt(edt_mask, sampling=edt_spacing)
                    return None
            else:
                def run():
                    return evaluate(pred, gt, **opts)
            mem.start()
            t0 = time.perf_counter()
            doc = run()
            first = (time.perf_counter() - t0) * 1e3
            peak, hwm = mem.stop()  # the first run alone, as bench/run.ts measures SegScope
            if first >= heavy and not m.get('warm'):
                times, cold = [first], True
            else:
                n = max(1, min(max_rep, int(budget // max(first, 1e-3))))
                times, cold = [], False
                for _ in range(n):
                    t0 = time.perf_counter()
                    doc = run()
                    times.append((time.perf_counter() - t0) * 1e3)
            r = {'id': m['id'], 'timesMs': times, 'medianMs': _median(times), 'cold': cold,
                 'loadMs': load_ms, 'peakBytes': peak, 'hwmBytes': hwm}
            if m.get('returnValues'):
                r['values'] = to_json_safe(doc['losses'])
            results.append(r)
    out = json.dumps({'info': info, 'results': results})
    if spec.get('out'):
        with open(spec['out'], 'w') as f:
            f.write(out)
    else:
        print(out)


def main(argv=None):
    a = build_parser().parse_args(argv)
    if a.bench_spec:
        run_bench(a.bench_spec)
        return 0
    if not a.pred or not a.gt:
        print('baseline.py: PRED and GT are required', file=sys.stderr)
        return 2
    try:
        doc = evaluate_files(a.pred, a.gt, options_from_args(a))
    except InputError as e:
        print(f'baseline.py: {e}', file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(to_json_safe(doc)))
    else:
        print_table(doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
