"""SegScope from Python: notebook outputs rendered by the SegScope VS Code extension
(docs/spec/notebook.md) and the ``segscope`` CLI's evaluation (docs/spec/cli.md)."""

from ._bundles import (
    FILES_MIME,
    MASKS_MIME,
    REPORT_MIME,
    SUPPORTED_DTYPES,
    SegscopeOutput,
    show,
    show_files,
    show_report,
)
from ._cli import SegscopeError, evaluate

__version__ = "0.1.0"

__all__ = [
    "show",
    "show_files",
    "show_report",
    "evaluate",
    "SegscopeError",
    "SegscopeOutput",
    "MASKS_MIME",
    "FILES_MIME",
    "REPORT_MIME",
    "SUPPORTED_DTYPES",
    "__version__",
]
