"""segscope (python/): the notebook bundles of docs/spec/notebook.md and evaluate() against the CLI."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import segscope
from segscope._options import cli_flags, normalize_options

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI_JS = os.path.join(REPO, "dist", "cli.js")

SPEC_DTYPES = ["bool", "uint8", "int8", "uint16", "int16", "uint32", "int32", "int64", "float16", "float32", "float64"]


def decode(entry: dict) -> np.ndarray:
    raw = base64.b64decode(entry["data"])
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    return np.frombuffer(raw, dtype=dtype).reshape(entry["shape"], order=entry.get("order", "C"))


def sample(dtype: str, shape=(3, 4, 5), seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 10).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def masks(out: segscope.SegscopeOutput) -> dict:
    bundle = out._repr_mimebundle_()
    assert "text/plain" in bundle
    return bundle[segscope.MASKS_MIME]


def assert_roundtrip(entry: dict, a: np.ndarray, dtype_name: str) -> None:
    assert entry["dtype"] == dtype_name
    assert entry["shape"] == list(a.shape)
    back = decode(entry)
    assert back.dtype == np.dtype(dtype_name)
    assert back.tobytes() == np.ascontiguousarray(a).astype(back.dtype).tobytes()
    assert np.array_equal(back, a, equal_nan=a.dtype.kind == "f")


# ------------------------------------------------------------------------------------------------
# masks bundle
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", SPEC_DTYPES)
@pytest.mark.parametrize("order", ["C", "F"])
def test_masks_roundtrip_every_dtype_and_order(dtype: str, order: str) -> None:
    pred = np.asarray(sample(dtype), order=order)
    gt = np.asarray(sample("uint8", (4, 5), seed=1), order=order)
    payload = masks(segscope.show(pred, gt))
    assert payload["version"] == 1
    assert payload["pred"]["order"] == order
    assert payload["gt"]["order"] == order
    assert_roundtrip(payload["pred"], pred, dtype)
    assert_roundtrip(payload["gt"], gt, "uint8")
    # the raw bytes are exactly the array's memory in that order, little-endian
    assert base64.b64decode(payload["pred"]["data"]) == pred.astype(pred.dtype.newbyteorder("<")).tobytes(order=order)


@pytest.mark.parametrize("dtype", ["uint16", "int16", "uint32", "int32", "int64", "float16", "float32", "float64"])
def test_big_endian_input_is_sent_little_endian(dtype: str) -> None:
    a = sample(dtype)
    big = a.astype(np.dtype(dtype).newbyteorder(">"))
    assert big.dtype.byteorder == ">"
    payload = masks(segscope.show(big, a))
    assert payload["pred"]["dtype"] == dtype
    assert base64.b64decode(payload["pred"]["data"]) == a.astype(np.dtype(dtype).newbyteorder("<")).tobytes()
    assert_roundtrip(payload["pred"], a, dtype)


def test_non_contiguous_views_are_sent_c_contiguous() -> None:
    a = sample("float32", (6, 8))
    view = a[::2, 1::3]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    payload = masks(segscope.show(view, a.T))  # a.T: F-contiguous
    assert payload["pred"]["order"] == "C"
    assert_roundtrip(payload["pred"], view, "float32")
    assert payload["gt"]["order"] == "F"
    assert_roundtrip(payload["gt"], a.T, "float32")


def test_one_axis_arrays_are_c() -> None:
    payload = masks(segscope.show(np.arange(5, dtype=np.int32), np.arange(5, dtype=np.uint8)))
    assert payload["pred"]["order"] == "C" and payload["pred"]["shape"] == [5]


def test_objects_with___array___are_read() -> None:
    class TensorLike:  # what a CPU torch tensor offers numpy
        def __init__(self, a: np.ndarray) -> None:
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a if dtype is None else self.a.astype(dtype)

    a = sample("float32", (2, 3, 4))
    g = sample("uint8", (3, 4))
    payload = masks(segscope.show(TensorLike(a), TensorLike(g)))
    assert_roundtrip(payload["pred"], a, "float32")
    assert_roundtrip(payload["gt"], g, "uint8")
    # nested lists too (numpy.asarray)
    payload = masks(segscope.show([[0.1, 0.9]], [[0, 1]]))
    assert payload["pred"]["dtype"] == "float64" and payload["pred"]["shape"] == [1, 2]


def test_zero_d_is_refused_and_empty_axes_are_allowed() -> None:
    with pytest.raises(ValueError, match="0-d"):
        segscope.show(np.float32(0.5), np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="0-d"):
        segscope.show(np.zeros((2, 2), np.float32), np.array(1, np.uint8))
    empty = np.zeros((0, 7), np.float32)
    payload = masks(segscope.show(empty, np.zeros((0, 7), np.uint8)))
    assert payload["pred"]["shape"] == [0, 7] and payload["pred"]["data"] == ""
    assert decode(payload["pred"]).shape == (0, 7)


def test_more_than_five_axes_are_refused() -> None:
    with pytest.raises(ValueError, match="6 axes"):
        segscope.show(np.zeros((1,) * 6, np.float32), np.zeros((1,) * 5, np.uint8))


@pytest.mark.parametrize(
    "array, name",
    [
        (np.zeros((2, 2), np.complex64), "complex64"),
        (np.zeros((2, 2), np.uint64), "uint64"),
        (np.zeros((2, 2), object), "object"),
        (np.array([["a", "b"]]), "str"),
        (np.zeros((2, 2), "datetime64[s]"), "datetime64"),
        (np.zeros((2, 2), np.dtype([("x", "u1"), ("y", "f4")])), "void"),
    ],
)
def test_unknown_dtypes_are_refused_naming_the_dtype(array: np.ndarray, name: str) -> None:
    with pytest.raises(TypeError, match=name) as info:
        segscope.show(array, np.zeros((2, 2), np.uint8))
    assert "pred" in str(info.value) and "float32" in str(info.value)  # names the array and the supported dtypes
    with pytest.raises(TypeError, match="gt"):
        segscope.show(np.zeros((2, 2), np.float32), array)


def test_long_double_is_refused() -> None:
    if np.dtype(np.longdouble).itemsize == 8:
        pytest.skip("longdouble is float64 on this platform")
    with pytest.raises(TypeError, match="does not read"):
        segscope.show(np.zeros((2, 2), np.longdouble), np.zeros((2, 2), np.uint8))


def test_size_limit_suggests_show_files() -> None:
    pred, gt = np.zeros((10, 10), np.float32), np.zeros((10, 10), np.uint8)  # 400 + 100 bytes
    masks(segscope.show(pred, gt, max_bytes=500))
    with pytest.raises(ValueError, match="show_files") as info:
        segscope.show(pred, gt, max_bytes=499)
    assert "500" in str(info.value)
    masks(segscope.show(pred, gt, max_bytes=None))
    big = np.zeros((64 * 1024 * 1024 // 4 + 1,), np.float32)
    with pytest.raises(ValueError, match="show_files"):
        segscope.show(big, np.zeros((1,), np.uint8))  # the 64 MiB default


def test_text_plain_says_what_the_output_is() -> None:
    out = segscope.show(np.zeros((3, 64, 64), np.float32), np.zeros((64, 64), np.uint8))
    text = out._repr_mimebundle_()["text/plain"]
    assert text == (
        "SegScope masks: pred float32 [3, 64, 64] vs gt uint8 [64, 64]; "
        "open in VS Code with the SegScope extension to see the evaluation"
    )
    assert repr(out) == text


def test_the_bundle_is_json_and_include_exclude_filter_it() -> None:
    out = segscope.show(np.zeros((2, 2), np.float32), np.zeros((2, 2), np.uint8), spacing=(0.5, 2), losses=["dice"])
    bundle = out._repr_mimebundle_()
    assert set(bundle) == {segscope.MASKS_MIME, "text/plain"}
    payload = json.loads(json.dumps(bundle[segscope.MASKS_MIME], allow_nan=False))
    assert payload["spacing"] == [0.5, 2] and payload["options"] == {"losses": ["dice"]}
    assert set(out._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert set(out._repr_mimebundle_(exclude=["text/plain"])) == {segscope.MASKS_MIME}


def test_show_displays_nothing_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = []
    fake = type(sys)("IPython.display")
    fake.display = lambda *a, **k: shown.append(a)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython.display", fake)
    out = segscope.show(np.zeros((2, 2), np.float32), np.zeros((2, 2), np.uint8))
    assert shown == []  # rendered once, by Jupyter, from _repr_mimebundle_
    out.display()
    assert shown == [(out,)]


# ------------------------------------------------------------------------------------------------
# options
# ------------------------------------------------------------------------------------------------


def test_snake_case_options_map_to_camel_case() -> None:
    out = segscope.show(
        np.zeros((2, 2), np.float32),
        np.zeros((2, 2), np.uint8),
        from_logits=True,
        ignore_index=255,
        losses=["dice"],
        channels_last=False,
        no_ignore=False,
        include_background=False,
        ft_gamma=0.5,
        focal_gamma=np.float32(1.5),
        focal_alpha="none",
        class_weights=np.array([1, 2.5]),
        nsd_tolerance=2,
        pred_scale=255,
        classes=np.int64(2),
        smooth=1e-6,
        alpha=0.4,
        beta=0.6,
        backend="reference",
    )
    assert masks(out)["options"] == {
        "fromLogits": True,
        "ignoreIndex": 255,
        "losses": ["dice"],
        "channelsLast": False,
        "noIgnore": False,
        "includeBackground": False,
        "ftGamma": 0.5,
        "focalGamma": 1.5,
        "focalAlpha": "none",
        "classWeights": [1.0, 2.5],
        "nsdTolerance": 2,
        "predScale": 255,
        "classes": 2,
        "smooth": 1e-6,
        "alpha": 0.4,
        "beta": 0.6,
        "backend": "reference",
    }
    assert all(type(v) in (bool, int, float, str, list) for v in masks(out)["options"].values())


def test_camel_case_and_none_options() -> None:
    opts = normalize_options({"fromLogits": True, "ignoreIndex": None, "losses": "dice, hd95"})
    assert opts == {"fromLogits": True, "losses": ["dice", "hd95"]}


def test_unknown_option_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(TypeError, match="unknown option 'from_logit'") as info:
        segscope.show(np.zeros((2, 2)), np.zeros((2, 2)), from_logit=True)
    for name in ["losses", "fromLogits", "channelsLast", "classes", "ignoreIndex", "noIgnore", "includeBackground",
                 "alpha", "beta", "ftGamma", "focalGamma", "focalAlpha", "classWeights", "smooth", "nsdTolerance",
                 "predScale", "backend"]:
        assert name in str(info.value)
    with pytest.raises(TypeError, match="unknown option"):
        segscope.show_files("a.png", "b.png", colour="red")
    with pytest.raises(TypeError, match="unknown option"):
        segscope.evaluate("a.png", "b.png", cli=["false"], json=True)


def test_option_values_are_checked() -> None:
    with pytest.raises(TypeError, match="fromLogits"):
        normalize_options({"from_logits": "yes"})
    with pytest.raises(TypeError, match="classes"):
        normalize_options({"classes": 2.5})
    with pytest.raises(TypeError, match="alpha"):
        normalize_options({"alpha": True})
    with pytest.raises(ValueError, match="smooth"):
        normalize_options({"smooth": float("nan")})
    with pytest.raises(TypeError, match="given twice"):
        normalize_options({"from_logits": True, "fromLogits": True})
    with pytest.raises(ValueError, match="spacing"):
        segscope.show(np.zeros((2, 2)), np.zeros((2, 2)), spacing=[1, 0])


def test_cli_flags() -> None:
    opts = normalize_options(
        dict(losses=["dice", "hd95"], from_logits=True, channels_last=True, classes=3, ignore_index=0, no_ignore=True,
             include_background=False, alpha=0.3, beta=0.7, ft_gamma=0.75, focal_gamma=2, focal_alpha="none",
             class_weights=[1, 0.5], smooth=1e-5, nsd_tolerance=1.5, pred_scale=255, backend="reference")
    )
    assert cli_flags(opts, [0.5, 1]) == [
        "--losses", "dice,hd95", "--from-logits", "--channels-last", "--classes", "3", "--ignore-index", "0",
        "--no-ignore", "--no-include-background", "--alpha", "0.3", "--beta", "0.7", "--ft-gamma", "0.75",
        "--focal-gamma", "2", "--focal-alpha", "none", "--class-weights", "1,0.5", "--smooth", "1e-05",
        "--nsd-tolerance", "1.5", "--pred-scale", "255", "--backend", "reference", "--spacing", "0.5,1",
    ]
    assert cli_flags(normalize_options(dict(from_logits=False, include_background=True, focal_alpha=0.25))) == [
        "--include-background", "--focal-alpha", "0.25",
    ]


# ------------------------------------------------------------------------------------------------
# files and report bundles
# ------------------------------------------------------------------------------------------------


def test_show_files(tmp_path) -> None:
    out = segscope.show_files(tmp_path / "p.nii.gz", "labels/case_001.png", from_logits=True, spacing=[1, 1, 2])
    bundle = out._repr_mimebundle_()
    assert bundle[segscope.FILES_MIME] == {
        "version": 1,
        "pred": os.fspath(tmp_path / "p.nii.gz"),
        "gt": "labels/case_001.png",
        "options": {"fromLogits": True, "spacing": [1, 1, 2]},
    }
    assert "labels/case_001.png" in bundle["text/plain"] and "SegScope" in bundle["text/plain"]
    assert segscope.show_files("a.png", "b.png")._repr_mimebundle_()[segscope.FILES_MIME]["options"] == {}


EVALUATE_DOC = {
    "prediction": {"path": "<b>pred</b>.png", "shape": [2, 2], "kind": "probabilities"},
    "target": {"path": "gt&co.png", "shape": [2, 2]},
    "binary": True,
    "classes": 2,
    "spacing": [1, 1],
    "losses": {"dice": 0.123456, "hausdorff": "Infinity", "<script>": 1},
    "perClass": [],
    "metrics": {},
    "warnings": [],
    "backend": "cpu",
    "timingsMs": {},
}


def test_show_report_dict_and_path(tmp_path) -> None:
    out = segscope.show_report(EVALUATE_DOC)
    bundle = out._repr_mimebundle_()
    assert bundle[segscope.REPORT_MIME] == EVALUATE_DOC
    text = bundle["text/plain"]
    assert "dice" in text and "0.1235" in text and "Infinity" in text
    page = bundle["text/html"]
    assert "<b>" not in page and "&lt;b&gt;pred&lt;/b&gt;.png" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "gt&amp;co.png" in page and "0.1235" in page and "<table>" in page
    path = tmp_path / "report.json"
    path.write_text(json.dumps(EVALUATE_DOC), encoding="utf-8")
    assert segscope.show_report(path)._repr_mimebundle_() == bundle
    assert segscope.show_report(str(path))._repr_mimebundle_() == bundle


def test_show_report_compare_document() -> None:
    doc = {
        "target": {"path": "gt.png", "shape": [2, 2]},
        "predictions": [
            {"path": "epoch_1.png", "step": 1, "result": {**EVALUATE_DOC, "losses": {"dice": 0.5, "hd95": 2}}},
            {"path": "epoch_<2>.png", "step": 2, "result": {**EVALUATE_DOC, "losses": {"dice": 0.25, "hd95": 1}}},
        ],
        "ranks": {"dice": [2, 1], "hd95": [2, 1]},
        "higherIsBetter": [],
        "disagreements": [],
    }
    bundle = segscope.show_report(doc)._repr_mimebundle_()
    assert bundle[segscope.REPORT_MIME] == doc
    assert "2 predictions" in bundle["text/plain"] and "0.2500" in bundle["text/plain"]
    assert "epoch_&lt;2&gt;.png" in bundle["text/html"] and "epoch_<2>" not in bundle["text/html"]


def test_show_report_refuses_other_documents(tmp_path) -> None:
    with pytest.raises(ValueError, match="evaluate --json"):
        segscope.show_report({"hello": 1})
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        segscope.show_report(path)


# ------------------------------------------------------------------------------------------------
# evaluate() against the CLI
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli() -> list:
    if not os.path.isfile(CLI_JS):
        pytest.fail(f"{CLI_JS} is missing: run `npm run build` before the Python tests")
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the Python tests run the built CLI with node")
    return [node, CLI_JS]


def run_cli(cli: list, pred: str, gt: str, *flags: str) -> dict:
    proc = subprocess.run(cli + ["evaluate", pred, gt, "--json", *flags], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def without(doc: dict, *, paths: bool) -> dict:
    doc = json.loads(json.dumps(doc))
    doc.pop("timingsMs", None)
    if paths:
        doc["prediction"].pop("path")
        doc["target"].pop("path")
    return doc


CASES = [
    # binary probability map against a label map
    ("binary", lambda r: (r.random((24, 20)).astype(np.float32), (r.random((24, 20)) > 0.6).astype(np.uint8)), {}, []),
    ("binary-options", lambda r: (r.random((24, 20)), (r.random((24, 20)) > 0.6).astype(np.uint8)),
     dict(losses=["dice", "hd95", "focal", "nsd"], spacing=[0.5, 2], focal_alpha="none", nsd_tolerance=1.5),
     ["--losses", "dice,hd95,focal,nsd", "--spacing", "0.5,2", "--focal-alpha", "none", "--nsd-tolerance", "1.5"]),
    # multi-class logits (channel-first, Fortran order) against labels with an ignore label
    ("multiclass", lambda r: (np.asfortranarray(r.standard_normal((3, 16, 18)).astype(np.float32)),
                              np.where(r.random((16, 18)) > 0.9, 255, r.integers(0, 3, (16, 18))).astype(np.uint8)),
     dict(from_logits=True, ignore_index=255, include_background=False, alpha=0.4, beta=0.6),
     ["--from-logits", "--ignore-index", "255", "--no-include-background", "--alpha", "0.4", "--beta", "0.6"]),
]


@pytest.mark.parametrize("name, make, options, flags", CASES, ids=[c[0] for c in CASES])
def test_evaluate_equals_the_cli(cli, tmp_path, name, make, options, flags) -> None:
    pred, gt = make(np.random.default_rng(7))
    pred_path, gt_path = str(tmp_path / "pred.npy"), str(tmp_path / "gt.npy")
    np.save(pred_path, pred)
    np.save(gt_path, gt)
    direct = run_cli(cli, pred_path, gt_path, *flags)
    assert direct["losses"], direct

    from_arrays = segscope.evaluate(pred, gt, cli=cli, **options)
    assert from_arrays["losses"] == direct["losses"]
    assert without(from_arrays, paths=True) == without(direct, paths=True)
    assert from_arrays["prediction"]["path"] == "<pred array>"
    assert from_arrays["target"]["path"] == "<gt array>"

    from_paths = segscope.evaluate(pred_path, gt_path, cli=cli, **options)
    assert without(from_paths, paths=False) == without(direct, paths=False)

    # a command-line string and $SEGSCOPE_CLI name the same CLI
    as_string = segscope.evaluate(pred, gt, cli=f"{cli[0]} {cli[1]}", **options)
    assert as_string["losses"] == direct["losses"]


def test_evaluate_uses_segscope_cli_env(cli, monkeypatch) -> None:
    monkeypatch.setenv("SEGSCOPE_CLI", CLI_JS)  # a lone .js path runs with node
    r = np.random.default_rng(3)
    doc = segscope.evaluate(r.random((8, 8)), (r.random((8, 8)) > 0.5).astype(np.uint8), losses="dice")
    assert list(doc["losses"]) == ["dice"]


def test_evaluate_removes_its_temporary_files(cli, monkeypatch, tmp_path) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    saved = []
    real_save = np.save
    monkeypatch.setattr(np, "save", lambda path, *a, **k: (saved.append(path), real_save(path, *a, **k))[1])
    r = np.random.default_rng(4)
    segscope.evaluate(r.random((8, 8)), (r.random((8, 8)) > 0.5).astype(np.uint8), cli=cli, losses=["dice"])
    with pytest.raises(segscope.SegscopeError):
        segscope.evaluate(r.random((8, 8)), np.zeros((4, 8), np.uint8), cli=cli)
    assert len(saved) == 4 and all(p.startswith(str(tmp_path)) for p in saved)
    assert os.listdir(tmp_path) == []
    with pytest.raises(segscope.SegscopeError):
        segscope.evaluate(str(tmp_path / "missing_pred.npy"), str(tmp_path / "missing_gt.npy"), cli=cli)
    assert len(saved) == 4  # paths: no temporary files


def test_evaluate_shape_mismatch_raises_naming_the_file(cli, tmp_path) -> None:
    pred_path, gt_path = str(tmp_path / "case_pred.npy"), str(tmp_path / "case_gt.npy")
    np.save(pred_path, np.random.default_rng(5).random((8, 8)))
    np.save(gt_path, np.zeros((6, 8), np.uint8))
    with pytest.raises(segscope.SegscopeError, match="shape mismatch") as info:
        segscope.evaluate(pred_path, gt_path, cli=cli)
    message = str(info.value)
    assert "case_pred.npy" in message and "\n" not in message
    assert info.value.returncode == 2 and "Traceback" not in info.value.stderr
    with pytest.raises(segscope.SegscopeError, match=r"<pred array>.*shape mismatch") as info:
        segscope.evaluate(np.zeros((8, 8)), np.zeros((6, 8), np.uint8), cli=cli)
    assert "segscope-" not in str(info.value)  # not the removed temporary path


def test_evaluate_missing_cli_raises() -> None:
    with pytest.raises(segscope.SegscopeError, match="cannot run"):
        segscope.evaluate("a.npy", "b.npy", cli=["/nonexistent/segscope-cli"])
