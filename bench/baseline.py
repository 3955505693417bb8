#!/usr/bin/env python3
"""Independent numpy/scipy implementation of SegScope's losses (shared/spec/losses.md).

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
# Input preparation (losses.md section 1)
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
    X = chan.reshape(C, -1).astype(np.float64)
    if from_logits:
        pair.Z = X
        m = X.max(axis=0)
        E = np.exp(X - m)
        E /= E.sum(axis=0)
        pair.P = E
    else:
        pair.P = X
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

def _clamped_log(x):
    return np.log(np.clip(x, CLAMP_LO, CLAMP_HI))


class Cache:
    def __init__(self, pair: Pair):
        self.pair = pair
        self.C = pair.C
        self.N_total = pair.y.size
        self._d = {}

    def get(self, key, fn):
        d = self._d
        if key not in d:
            d[key] = fn()
        return d[key]

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

    # ---- probabilities at the valid pixels
    def pv(self):  # binary: foreground probability at valid pixels
        p = self.pair.p
        return self.get('pv', lambda: p[self.vidx] if self.has_ignore else p)

    def zv(self):
        z = self.pair.z
        return self.get('zv', lambda: z[self.vidx] if self.has_ignore else z)

    def probs(self):
        """Multi-class (C, N) probabilities (one-hot for a label map)."""
        def mk():
            pr = self.pair
            if pr.P is not None:
                return pr.P
            P = np.zeros((self.C, self.N_total), dtype=np.float64)
            ok = pr.L >= 0
            P[pr.L[ok], np.flatnonzero(ok)] = 1.0
            return P
        return self.get('P', mk)

    def py(self):
        """Probability of the target class at each valid pixel."""
        def mk():
            if self.pair.binary:
                pv = self.pv()
                return np.where(self.yv == 1, pv, 1.0 - pv)
            P = self.probs()
            cols = self.vidx if self.has_ignore else np.arange(self.N_total)
            return P[self.yv, cols]
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
                cols = self.vidx if self.has_ignore else np.arange(self.N_total)
                return pr.Z[self.yv, cols] - self.lse_v()
            return _clamped_log(self.py())
        return self.get('logpy', mk)

    def lse_v(self):
        """logsumexp of the logits at valid pixels."""
        def mk():
            Z = self.pair.Z
            m = Z.max(axis=0)
            lse = m + np.log(np.exp(Z - m).sum(axis=0))
            return lse[self.vidx] if self.has_ignore else lse
        return self.get('lse_v', mk)

    def one_minus_py(self):
        def mk():
            pr = self.pair
            if pr.binary and pr.z is not None:
                return -np.expm1(self.logpy())
            return 1.0 - self.py()
        return self.get('1mpy', mk)

    def ce_sums(self):
        """Per class: sum over pixels whose target is c of -log p_c."""
        return self.get('ce_sums', lambda: np.bincount(self.yv, weights=-self.logpy(), minlength=self.C)[:self.C])

    def overlap_sums(self):
        """(sumP, TP, count) per class over the valid pixels."""
        def mk():
            if self.pair.binary:
                pv = self.pv()
                s1 = float(pv.sum())
                tp1 = float(pv[self.yv == 1].sum()) if self.count[1] else 0.0
                tp0 = float(self.count[0] - (s1 - tp1))  # sum over y=0 of (1-p)
                sumP = np.array([self.n - s1, s1])
                tp = np.array([tp0, tp1])
                return sumP, tp, self.count
            P = self.probs()
            sumP = P @ self.validf if self.has_ignore else P.sum(axis=1)
            tp = np.bincount(self.yv, weights=self.py(), minlength=self.C)[:self.C]
            return sumP, tp, self.count
        return self.get('overlap', mk)

    def log1m_channels(self):
        """Multi-class (C, N) log(1 - p_c): clamped, or logsumexp_{k!=c} z_k - logsumexp z."""
        def mk():
            pr = self.pair
            if pr.Z is None:
                return _clamped_log(1.0 - self.probs())
            Z = pr.Z
            C, N = Z.shape
            am = Z.argmax(axis=0)
            cols = np.arange(N)
            m1 = Z[am, cols]
            E = np.exp(Z - m1)
            S = E.sum(axis=0)
            E[am, cols] = 0.0
            Sx = E.sum(axis=0)  # sum over k != argmax, no cancellation
            out = np.log(S - E)  # for c != argmax: log(S - e_c) (S - e_c >= 1)
            with np.errstate(divide='ignore'):
                out[am, cols] = np.log(Sx)
            tiny = Sx < 1e-300
            if np.any(tiny):  # every other logit underflowed: use the runner-up directly
                idx = np.flatnonzero(tiny)
                Zt = Z[:, idx].copy()
                Zt[am[idx], np.arange(idx.size)] = -np.inf
                m2 = Zt.max(axis=0)
                out[am[idx], idx] = (m2 - m1[idx]) + np.log(np.exp(Zt - m2).sum(axis=0))
            out -= np.log(S)
            return out
        return self.get('log1m', mk)

    # ---- hard masks
    def hard(self):
        """Hard prediction per pixel (class index; -1 none); binary: p > 0.5 (z > 0)."""
        def mk():
            pr = self.pair
            if pr.binary:
                h = (pr.z > 0) if pr.z is not None else (pr.p > 0.5)
                return h.astype(np.int32)
            if pr.L is not None:
                return pr.L
            X = pr.Z if pr.Z is not None else pr.P
            return X.argmax(axis=0).astype(np.int32)
        return self.get('hard', mk)

    def mask_pred(self, c):
        """Hard prediction mask of class c (spatial shape), ignored pixels background."""
        def mk():
            m = self.hard() == c
            if self.has_ignore:
                m &= self.valid
            return m.reshape(self.pair.shape)
        return self.get(('A', c), mk)

    def mask_prob(self, c):
        """p_c > 0.5 (hausdorff_dt's prediction mask), ignored pixels background."""
        pr = self.pair
        if pr.binary or pr.L is not None:
            return self.mask_pred(c)

        def mk():
            m = self.probs()[c] > 0.5
            if self.has_ignore:
                m &= self.valid
            return m.reshape(pr.shape)
        return self.get(('M', c), mk)

    def mask_target(self, c):
        return self.get(('B', c), lambda: (self.pair.y == c).reshape(self.pair.shape))

    def prob_map(self, c):
        """p_c over the whole array (flat)."""
        if self.pair.binary:
            return self.pair.p if c == 1 else 1.0 - self.pair.p
        return self.probs()[c]

    # ---- distance fields (exact EDT with spacing), once per mask and kind
    def _edt_to(self, mask_key, mask, which):
        """Distance from every pixel to the nearest pixel of the inner boundary (which='in')
        or the outer boundary (which='out') of `mask`. For x outside the mask, the distance
        to the inner boundary is edt(~mask)(x); for x inside, the distance to the outer
        boundary is edt(mask)(x) (the nearest pixel across a region's edge always touches
        it face-on), so two EDTs give the signed/unsigned fields every loss needs."""
        key = ('edt', which, mask_key)

        def mk():
            b = self.inner_boundary(mask_key, mask) if which == 'in' else self.outer_boundary(mask_key, mask)
            return ndi.distance_transform_edt(~b, sampling=self.pair.spacing)
        return self.get(key, mk)

    def inner_boundary(self, key, mask):
        return self.get(('db', key), lambda: mask ^ ndi.binary_erosion(mask))

    def outer_boundary(self, key, mask):
        return self.get(('ob', key), lambda: ndi.binary_dilation(mask) & ~mask)

    def dt_field(self, key, mask):
        """dt(m) = edt(M) + edt(~M): distance to the outer boundary inside, to the inner
        boundary outside; zero when M is empty or fills the array."""
        def mk():
            if not mask.any() or mask.all():
                return None
            return np.where(mask, self._edt_to(key, mask, 'out'), self._edt_to(key, mask, 'in'))
        return self.get(('dt', key), mk)

    def phi(self, c):
        """Boundary-loss level set of the target mask of class c (None when zero)."""
        def mk():
            G = self.mask_target(c)
            if not G.any() or G.all():
                return None
            key = ('B', c)
            return np.where(G, 1.0 - self._edt_to(key, G, 'out'), self._edt_to(key, G, 'in'))
        return self.get(('phi', c), mk)

    def surface_distances(self, c, need_full):
        """(d(a, dB) for a in dA, d(b, dA) for b in dB), or a string 'both'/'one' for empties."""
        def mk():
            A = self.mask_pred(c)
            B = self.mask_target(c)
            ea, eb = not A.any(), not B.any()
            if ea and eb:
                return 'both'
            if ea or eb:
                return 'one'
            dA = self.inner_boundary(('A', c), A)
            dB = self.inner_boundary(('B', c), B)
            if need_full:
                dist_to_B = self._edt_to(('B', c), B, 'in')
                dist_to_A = self._edt_to(('A', c), A, 'in')
                return dist_to_B[dA], dist_to_A[dB]
            # only distances between the two boundaries are needed: crop to their bounding box
            both = dA | dB
            sl = tuple(slice(int(np.min(ix)), int(np.max(ix)) + 1) for ix in np.nonzero(both))
            ca, cb = dA[sl], dB[sl]
            dtb = ndi.distance_transform_edt(~cb, sampling=self.pair.spacing)
            dta = ndi.distance_transform_edt(~ca, sampling=self.pair.spacing)
            return dtb[ca], dta[cb]
        return self.get(('sd', c), mk)


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

    def ce_part():
        ce = K.ce_sums()
        cnt = K.count
        return ce, cnt

    def cce():
        ce, cnt = ce_part()
        return ratio(ce.sum(), N), [ratio(ce[c], cnt[c]) for c in range(C)]

    if 'bce' in want:
        if pr.binary:
            v, pc = cce()
            out['bce'] = v
            for c in range(2):
                per[c]['bce'] = pc[c]
        else:
            P = K.probs()
            cols = K.vidx if K.has_ignore else np.arange(K.N_total)
            L1m = K.log1m_channels()
            log1m_y = L1m[K.yv, cols]
            all_log1m = L1m @ K.validf if K.has_ignore else L1m.sum(axis=1)
            s_logp = np.bincount(K.yv, weights=K.logpy(), minlength=C)[:C]
            s_log1m_y = np.bincount(K.yv, weights=log1m_y, minlength=C)[:C]
            ch = -(s_logp - s_log1m_y + all_log1m)
            out['bce'] = ratio(ch.sum(), C * N)
            for c in range(C):
                per[c]['bce'] = ratio(ch[c], N)
    if 'cce' in want or 'bce_dice' in want or 'ce_iou' in want:
        v, pc = cce()
        if 'cce' in want:
            out['cce'] = v
            for c in range(C):
                per[c]['cce'] = pc[c]
    if 'wce' in want:
        ce, cnt = ce_part()
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
        s = np.bincount(K.yv, weights=fl, minlength=C)[:C]
        out['focal'] = ratio(s.sum(), N)
        for c in range(C):
            per[c]['focal'] = ratio(s[c], K.count[c])

    overlap = {'dice', 'iou', 'tversky', 'focal_tversky', 'bce_dice', 'ce_iou'} & want
    if overlap:
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
        ce_v = cce()[0] if ('bce_dice' in want or 'ce_iou' in want) else None
        if 'bce_dice' in want:
            out['bce_dice'] = ce_v + mean_of('dice')
        if 'ce_iou' in want:
            out['ce_iou'] = ce_v + mean_of('iou')

    if 'lovasz' in want:
        if pr.binary:
            yv = K.yv
            t = yv == 1
            if pr.z is not None:
                z = K.zv()
            else:
                pv = K.pv()
                z = _clamped_log(pv) - _clamped_log(1.0 - pv)
            e = 1.0 - np.where(t, z, -z)
            np.maximum(e, 0.0, out=e)
            out['lovasz'] = _lovasz_sorted(e[t], e[~t])
        else:
            P = K.probs()
            vals = []
            for c in range(C):
                if K.count[c] == 0:
                    continue
                pc = P[c][K.vidx] if K.has_ignore else P[c]
                fgm = K.yv == c
                v = _lovasz_sorted(1.0 - pc[fgm], pc[~fgm])
                per[c]['lovasz'] = v
                vals.append(v)
            out['lovasz'] = float(np.mean(vals)) if vals else 0.0

    if 'boundary' in want or 'surface' in want:
        vals = []
        for c in fg:
            ph = K.phi(c)
            if ph is None:
                v = 0.0
            else:
                pc = K.prob_map(c)
                prod = pc * ph.reshape(-1)
                v = float(prod @ K.validf if K.has_ignore else prod.sum()) / N if N else nan
            vals.append(v)
            for k in ('boundary', 'surface'):
                if k in want:
                    per[c][k] = v
        m = float(np.mean(vals)) if vals else 0.0
        for k in ('boundary', 'surface'):
            if k in want:
                out[k] = m

    if 'hausdorff_dt' in want:
        vals = []
        for c in fg:
            pc = K.prob_map(c)
            tc = (pr.y == c)
            dtp = K.dt_field(('M', c) if not (pr.binary or pr.L is not None) else ('A', c), K.mask_prob(c))
            dtt = K.dt_field(('B', c), K.mask_target(c))
            if dtp is None and dtt is None:
                w = None
            elif dtp is None:
                w = dtt * dtt
            elif dtt is None:
                w = dtp * dtp
            else:
                w = dtp * dtp + dtt * dtt
            if w is None:
                v = 0.0
            else:
                d = pc - tc
                prod = d * d * w.reshape(-1)
                v = float(prod @ K.validf if K.has_ignore else prod.sum()) / N if N else nan
            vals.append(v)
            per[c]['hausdorff_dt'] = v
        out['hausdorff_dt'] = float(np.mean(vals)) if vals else 0.0

    dist = [k for k in ('hausdorff', 'hd95', 'assd', 'nsd') if k in want]
    if dist:
        need_full = bool({'boundary', 'surface', 'hausdorff_dt'} & want)
        tau = prm.nsd_tolerance
        acc = {k: [] for k in dist}
        for c in fg:
            sd = K.surface_distances(c, need_full)
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
        for k in dist:
            out[k] = float(np.mean(acc[k])) if acc[k] else 0.0

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
    ok = (hv >= 0) & (hv < C)
    conf = np.bincount(yv[ok].astype(np.int64) * C + hv[ok], minlength=C * C)[:C * C].reshape(C, C)
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

def _maxrss_bytes():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_bench(spec_path):
    """Each job: {"pred": path | "predDir", "gt": ..., "args": [...], "repeats": n,
    "warmup": n}. Times the compute (excluding loading) and, for folder jobs, also load +
    compute per pass; reports the peak-RSS increase over the process after loading."""
    with open(spec_path) as f:
        spec = json.load(f)
    results = []
    for job in spec['jobs']:
        a = build_parser().parse_args(job.get('args', []))
        opts = options_from_args(a)
        repeats = int(job.get('repeats', 3))
        warmup = int(job.get('warmup', 1))
        if 'predDir' in job:
            names = sorted(n for n in os.listdir(job['predDir']) if not n.startswith('.'))
            pairs = [(os.path.join(job['predDir'], n), os.path.join(job['gtDir'], n)) for n in names]
            t0 = time.perf_counter()
            loaded = [(load_mask(p)[0], load_mask(g)[0]) for p, g in pairs]
            load_ms = (time.perf_counter() - t0) * 1e3
            rss0 = _maxrss_bytes()
            times, times_load = [], []
            for it in range(warmup + repeats):
                t0 = time.perf_counter()
                for pr, gt in loaded:
                    evaluate(pr, gt, **opts)
                t1 = time.perf_counter()
                if it >= warmup:
                    times.append((t1 - t0) * 1e3)
            for it in range(min(repeats, int(job.get('loadRepeats', repeats)))):
                t0 = time.perf_counter()
                for p, g in pairs:
                    evaluate_files(p, g, opts)
                times_load.append((time.perf_counter() - t0) * 1e3)
            results.append({'id': job.get('id'), 'timesMs': times, 'timesWithLoadMs': times_load,
                            'loadMs': load_ms, 'peakDeltaBytes': _maxrss_bytes() - rss0})
            continue
        t0 = time.perf_counter()
        pred, psp = load_mask(job['pred'])
        gt, gsp = load_mask(job['gt'])
        load_ms = (time.perf_counter() - t0) * 1e3
        if 'spacing' not in opts and (gsp or psp):
            opts['spacing'] = gsp or psp
        rss0 = _maxrss_bytes()
        times = []
        doc = None
        for it in range(warmup + repeats):
            t0 = time.perf_counter()
            doc = evaluate(pred, gt, **opts)
            t1 = time.perf_counter()
            if it >= warmup:
                times.append((t1 - t0) * 1e3)
        results.append({'id': job.get('id'), 'timesMs': times, 'loadMs': load_ms,
                        'peakDeltaBytes': _maxrss_bytes() - rss0,
                        'losses': to_json_safe(doc['losses']) if job.get('returnValues') else None})
    out = json.dumps({'results': results})
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
