"""``segscope.evaluate``: the CLI's ``evaluate --json`` document for arrays or mask files."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from ._options import cli_flags, normalize_options, normalize_spacing

Cli = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


class SegscopeError(RuntimeError):
    """The CLI failed: ``message`` is its one-line error (naming the file and the problem)."""

    def __init__(self, message: str, *, returncode: Optional[int] = None, stderr: str = "", argv: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.argv = argv or []


def _words(cli: Cli) -> List[str]:
    if isinstance(cli, (str, os.PathLike)):
        s = os.fspath(cli)
        # a path to an executable or to the built cli.js; else a command line such as "npx segscope"
        words = [s] if os.path.exists(s) else shlex.split(s, posix=os.name != "nt")
    else:
        words = [os.fspath(w) for w in cli]
    if not words:
        raise ValueError("segscope.evaluate: cli is empty")
    if len(words) == 1 and words[0].endswith((".js", ".mjs", ".cjs")):
        words = ["node", words[0]]
    return words


def resolve_cli(cli: Optional[Cli] = None) -> List[str]:
    """The CLI's argv prefix: ``cli``, else ``$SEGSCOPE_CLI``, else ``segscope`` on PATH, else ``npx segscope``."""
    if cli is not None:
        return _words(cli)
    env = os.environ.get("SEGSCOPE_CLI")
    if env:
        return _words(env)
    found = shutil.which("segscope")
    if found:
        return [found]
    npx = shutil.which("npx")
    if npx:
        return [npx, "segscope"]
    raise SegscopeError(
        "segscope.evaluate: the segscope CLI was not found: install it (npm install -g segscope), "
        "set SEGSCOPE_CLI, or pass cli=[...]"
    )


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def evaluate(
    pred: Any,
    gt: Any,
    *,
    spacing: Optional[Sequence[float]] = None,
    cli: Optional[Cli] = None,
    timeout: Optional[float] = None,
    **options: Any,
) -> Dict[str, Any]:
    """Runs ``segscope evaluate PRED GT --json`` and returns its JSON document as a dict.

    ``pred`` / ``gt`` are arrays (numpy, or anything with ``__array__``; written to temporary
    ``.npy`` files, removed afterwards) or mask file paths. ``options`` as in :func:`segscope.show`
    (snake_case or camelCase). For an array, the document's ``path`` and the error messages say
    ``<pred array>`` / ``<gt array>`` instead of the removed temporary file. Non-finite numbers stay the strings ``"Infinity"`` / ``"NaN"`` the
    CLI writes. A failure raises :class:`SegscopeError` with the CLI's message.
    """
    flags = cli_flags(normalize_options(options), normalize_spacing(spacing))
    prefix = resolve_cli(cli)
    with tempfile.TemporaryDirectory(prefix="segscope-") as tmp:
        paths: List[str] = []
        arrays: Dict[str, str] = {}  # temporary file -> how messages and the document name it
        for name, x in (("pred", pred), ("gt", gt)):
            if _is_path(x):
                paths.append(os.fspath(x))
            else:
                path = os.path.join(tmp, f"{name}.npy")
                np.save(path, np.asarray(x), allow_pickle=False)
                paths.append(path)
                arrays[path] = f"<{name} array>"
        argv = prefix + ["evaluate", paths[0], paths[1], "--json"] + flags
        try:
            proc = subprocess.run(
                argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8", timeout=timeout
            )
        except FileNotFoundError as e:
            raise SegscopeError(f"segscope.evaluate: cannot run {argv[0]!r}: {e.strerror}", argv=argv) from e
        except subprocess.TimeoutExpired as e:
            raise SegscopeError(f"segscope.evaluate: the CLI ran past timeout={timeout} s", argv=argv) from e
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        own = [line.strip() for line in lines if line.startswith("segscope:")]
        message = own[0] if own else lines[-1].strip() if lines else f"segscope exited with status {proc.returncode}"
        for path, label in arrays.items():
            message = message.replace(path, label)
        raise SegscopeError(message, returncode=proc.returncode, stderr=proc.stderr, argv=argv)
    try:
        doc = json.loads(proc.stdout)
    except ValueError as e:
        raise SegscopeError(f"segscope.evaluate: the CLI's output is not JSON ({e})", stderr=proc.stderr, argv=argv) from e
    if not isinstance(doc, dict):
        raise SegscopeError("segscope.evaluate: the CLI's output is not a JSON object", stderr=proc.stderr, argv=argv)
    for key in ("prediction", "target"):  # the temporary files are gone: name the arrays instead
        part = doc.get(key)
        if isinstance(part, dict) and part.get("path") in arrays:
            part["path"] = arrays[part["path"]]
    return doc
