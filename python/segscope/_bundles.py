"""Notebook outputs: the MIME bundles of docs/spec/notebook.md."""

from __future__ import annotations

import base64
import html
import json
import math
import numbers
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._options import normalize_options, normalize_spacing

MASKS_MIME = "application/vnd.segscope.masks+json"
FILES_MIME = "application/vnd.segscope.files+json"
REPORT_MIME = "application/vnd.segscope.report+json"
PAYLOAD_VERSION = 1

PathLike = Union[str, "os.PathLike[str]"]

# (numpy kind, itemsize) -> the spec's dtype name
_DTYPES: Dict[Tuple[str, int], str] = {
    ("b", 1): "bool",
    ("u", 1): "uint8",
    ("i", 1): "int8",
    ("u", 2): "uint16",
    ("i", 2): "int16",
    ("u", 4): "uint32",
    ("i", 4): "int32",
    ("i", 8): "int64",
    ("f", 2): "float16",
    ("f", 4): "float32",
    ("f", 8): "float64",
}
SUPPORTED_DTYPES = tuple(_DTYPES.values())
MAX_DIMS = 5
_VIEW_HINT = "open in VS Code with the SegScope extension to see the evaluation"


class SegscopeOutput:
    """A notebook output: Jupyter renders it through ``_repr_mimebundle_``.

    ``segscope.show*`` return one of these and display nothing themselves, so an output renders
    exactly once as a cell's last expression; elsewhere in a cell (a loop, a function) pass it to
    ``IPython.display.display`` or call :meth:`display`.
    """

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data

    def _repr_mimebundle_(
        self, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None
    ) -> Dict[str, Any]:
        keep = set(include) if include else None
        drop = set(exclude) if exclude else set()
        return {k: v for k, v in self.data.items() if (keep is None or k in keep) and k not in drop}

    def display(self) -> None:
        """Shows the output now (needs IPython)."""
        from IPython.display import display  # imported lazily: IPython is optional

        display(self)

    def __repr__(self) -> str:
        return str(self.data.get("text/plain", "SegScope output"))


def _dims(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _encode_array(name: str, value: Any) -> Tuple[Dict[str, Any], np.ndarray]:
    try:
        a = np.asarray(value)
    except Exception as e:  # e.g. a CUDA tensor, or a ragged list
        raise TypeError(f"segscope.show: {name} cannot be read as an array ({e}); pass a numpy array or a CPU tensor") from e
    dt = a.dtype
    spec = None if dt.fields is not None or dt.subdtype is not None else _DTYPES.get((dt.kind, dt.itemsize))
    if spec is None:
        hint = "; convert it, e.g. with .astype(numpy.int64) if its values fit" if dt == np.uint64 else ""
        raise TypeError(
            f"segscope.show: {name} has dtype {dt.name} ({dt.str}), which SegScope does not read; "
            f"the dtypes are {' '.join(SUPPORTED_DTYPES)}{hint}"
        )
    if a.ndim == 0:
        raise ValueError(f"segscope.show: {name} is a 0-d array (a scalar); give a mask with 1 to {MAX_DIMS} axes")
    if a.ndim > MAX_DIMS:
        raise ValueError(f"segscope.show: {name} has {a.ndim} axes {_dims(a.shape)}; SegScope reads 1 to {MAX_DIMS}")
    return {"dtype": spec, "shape": [int(d) for d in a.shape]}, a


def _array_payload(meta: Dict[str, Any], a: np.ndarray) -> Dict[str, Any]:
    little = np.dtype(meta["dtype"]).newbyteorder("<")
    a = a.astype(little, copy=False)  # order="K": a Fortran array stays Fortran; big-endian is swapped
    if a.flags.f_contiguous and not a.flags.c_contiguous:
        order, raw = "F", a.tobytes(order="F")
    else:
        order, raw = "C", np.ascontiguousarray(a).tobytes(order="C")
    return {**meta, "order": order, "data": base64.b64encode(raw).decode("ascii")}


def show(
    pred: Any,
    gt: Any,
    *,
    spacing: Optional[Sequence[float]] = None,
    max_bytes: Optional[int] = 64 * 1024 * 1024,
    **options: Any,
) -> SegscopeOutput:
    """The ``application/vnd.segscope.masks+json`` output of two arrays (numpy, or anything with
    ``__array__`` such as a CPU torch tensor), evaluated by the SegScope extension when shown.

    ``options`` are the extension's settings, in snake_case or camelCase (``from_logits=True``,
    ``ignore_index=255``, ``losses=["dice", "hd95"]``). Arrays over ``max_bytes`` raw bytes
    together are refused (``None``: no limit): write them to files and use :func:`show_files`.
    """
    opts = normalize_options(options)
    sp = normalize_spacing(spacing)
    (pm, p), (gm, g) = _encode_array("pred", pred), _encode_array("gt", gt)
    total = p.nbytes + g.nbytes
    if max_bytes is not None and total > max_bytes:
        raise ValueError(
            f"segscope.show: pred and gt hold {total} bytes together, over max_bytes={max_bytes}; "
            "save them to files (numpy.save, NIfTI, PNG) and use segscope.show_files(pred_path, gt_path), "
            "or raise max_bytes"
        )
    payload: Dict[str, Any] = {"version": PAYLOAD_VERSION, "pred": _array_payload(pm, p), "gt": _array_payload(gm, g)}
    if sp is not None:
        payload["spacing"] = sp
    payload["options"] = opts
    text = f"SegScope masks: pred {pm['dtype']} {_dims(pm['shape'])} vs gt {gm['dtype']} {_dims(gm['shape'])}; {_VIEW_HINT}"
    return SegscopeOutput({MASKS_MIME: payload, "text/plain": text})


def show_files(
    pred_path: PathLike, gt_path: PathLike, *, spacing: Optional[Sequence[float]] = None, **options: Any
) -> SegscopeOutput:
    """The ``application/vnd.segscope.files+json`` output: SegScope opens the two mask files
    (relative to the notebook's folder, or absolute; inside the workspace) when shown.
    ``spacing`` goes to the options (the ``segscope.spacing`` setting)."""
    pred, gt = os.fspath(pred_path), os.fspath(gt_path)
    for name, p in (("pred_path", pred), ("gt_path", gt)):
        if not isinstance(p, str) or not p:
            raise TypeError(f"segscope.show_files: {name} must be a non-empty path string, not {p!r}")
    opts = normalize_options(options)
    sp = normalize_spacing(spacing)
    if sp is not None:
        opts["spacing"] = sp
    payload = {"version": PAYLOAD_VERSION, "pred": pred, "gt": gt, "options": opts}
    text = f"SegScope files: pred {pred} vs gt {gt}; {_VIEW_HINT}"
    return SegscopeOutput({FILES_MIME: payload, "text/plain": text})


def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "—" if v is None else str(v)
    if isinstance(v, numbers.Real):
        return f"{float(v):.4f}" if math.isfinite(v) else str(v)
    return str(v)  # "Infinity" / "NaN" as the CLI writes them


def _load_report(path_or_dict: Union[PathLike, Mapping[str, Any]]) -> Dict[str, Any]:
    if isinstance(path_or_dict, Mapping):
        doc = dict(path_or_dict)
    else:
        path = os.fspath(path_or_dict)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if not isinstance(doc, dict):
            raise ValueError(f"segscope.show_report: {path} does not hold a JSON object")
    if not isinstance(doc.get("losses"), Mapping) and not isinstance(doc.get("predictions"), list):
        raise ValueError(
            "segscope.show_report: not a `segscope evaluate --json` document (no \"losses\") "
            "nor a `segscope compare --json` one (no \"predictions\")"
        )
    return doc


def _path(part: Any) -> str:
    return str(part.get("path", "?")) if isinstance(part, Mapping) else "?"


def _shape(part: Any) -> str:
    shape = part.get("shape") if isinstance(part, Mapping) else None
    return " " + _dims(shape) if isinstance(shape, list) else ""


def _table(header: List[str], rows: List[List[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_report(path_or_dict: Union[PathLike, Mapping[str, Any]]) -> SegscopeOutput:
    """The ``application/vnd.segscope.report+json`` output of a saved ``segscope evaluate --json``
    or ``segscope compare --json`` document (a path to the .json file, or the dict)."""
    doc = _load_report(path_or_dict)
    e = html.escape
    if "predictions" in doc and not isinstance(doc.get("losses"), Mapping):
        preds = [p for p in doc["predictions"] if isinstance(p, Mapping)]
        names = [_path(p) for p in preds]
        results = [p.get("result") if isinstance(p.get("result"), Mapping) else {} for p in preds]
        ids: List[str] = []
        for r in results:
            for k in (r.get("losses") or {}):
                if k not in ids:
                    ids.append(k)
        rows = [[k] + [_num((r.get("losses") or {}).get(k)) for r in results] for k in ids]
        title = f"SegScope comparison: {len(preds)} predictions vs gt {_path(doc.get('target'))}{_shape(doc.get('target'))}"
        width = max([len(n) for n in names] + [8])
        text = "\n".join(
            [title, "  " + " " * 16 + "  ".join(n.rjust(width) for n in names)]
            + ["  " + r[0].ljust(16) + "  ".join(c.rjust(width) for c in r[1:]) for r in rows]
        )
        summary = _table(["loss"] + names, rows)
    else:
        losses = doc["losses"]
        kind = "binary" if doc.get("binary") else f"{doc.get('classes', '?')} classes"
        pred = doc.get("prediction")
        title = (
            f"SegScope report: pred {_path(pred)}{_shape(pred)} vs gt {_path(doc.get('target'))}{_shape(doc.get('target'))}, {kind}"
        )
        rows = [[k, _num(v)] for k, v in losses.items()]
        text = "\n".join([title] + [f"  {k.ljust(16)}{v}" for k, v in rows])
        summary = _table(["loss", "value"], rows)
    html_out = f'<div class="segscope-report"><p>{e(title)}</p>{summary}</div>'
    return SegscopeOutput({REPORT_MIME: doc, "text/plain": text, "text/html": html_out})
