"""Evaluation options: Python keyword arguments -> the extension's ``segscope.*`` setting names
(camelCase, docs/spec/notebook.md) and -> the CLI's flags (docs/spec/cli.md)."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

# camelCase setting name -> (kind, CLI flag). Kinds: flag (bool), int, number, numbers (list),
# strings (list), str, focal_alpha (number or "none").
OPTIONS: Dict[str, tuple] = {
    "losses": ("strings", "--losses"),
    "fromLogits": ("flag", "--from-logits"),
    "channelsLast": ("flag", "--channels-last"),
    "classes": ("int", "--classes"),
    "ignoreIndex": ("number", "--ignore-index"),
    "noIgnore": ("flag", "--no-ignore"),
    "includeBackground": ("flag", "--include-background"),
    "alpha": ("number", "--alpha"),
    "beta": ("number", "--beta"),
    "ftGamma": ("number", "--ft-gamma"),
    "focalGamma": ("number", "--focal-gamma"),
    "focalAlpha": ("focal_alpha", "--focal-alpha"),
    "classWeights": ("numbers", "--class-weights"),
    "smooth": ("number", "--smooth"),
    "nsdTolerance": ("number", "--nsd-tolerance"),
    "predScale": ("number", "--pred-scale"),
    "backend": ("str", "--backend"),
}

Options = Dict[str, Any]


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


# Python snake_case (and the camelCase itself) -> camelCase.
_ALIASES: Dict[str, str] = {}
for _name in OPTIONS:
    _ALIASES[_name] = _name
    _ALIASES[_snake(_name)] = _name


def known_options() -> str:
    return ", ".join(OPTIONS)


def _is_number(v: Any) -> bool:
    # numpy's integer and floating scalars register as numbers.Real; bool and numpy.bool_ are refused
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _number(name: str, v: Any, integer: bool = False) -> Union[int, float]:
    if not _is_number(v):
        raise TypeError(f"segscope: option {name} must be {'an integer' if integer else 'a number'}, not {v!r}")
    if isinstance(v, numbers.Integral):
        return int(v)
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"segscope: option {name} must be finite, not {v!r}")
    if integer:
        if not f.is_integer():
            raise TypeError(f"segscope: option {name} must be an integer, not {v!r}")
        return int(f)
    return f


def _list(name: str, v: Any) -> List[Any]:
    if isinstance(v, str):
        return [s.strip() for s in v.split(",") if s.strip()]
    if not isinstance(v, (bytes, Mapping)):
        try:
            return list(v)
        except TypeError:
            pass
    raise TypeError(f"segscope: option {name} must be a list, not {v!r}")


def _value(name: str, kind: str, v: Any) -> Any:
    if kind == "flag":
        if isinstance(v, bool) or getattr(type(v), "__name__", "") == "bool_":
            return bool(v)
        raise TypeError(f"segscope: option {name} must be True or False, not {v!r}")
    if kind == "int":
        return _number(name, v, integer=True)
    if kind == "number":
        return _number(name, v)
    if kind == "numbers":
        return [_number(name, float(x) if isinstance(x, str) else x) for x in _list(name, v)]
    if kind == "strings":
        items = _list(name, v)
        if not all(isinstance(x, str) and x for x in items):
            raise TypeError(f"segscope: option {name} must be a list of names, not {v!r}")
        return items
    if kind == "str":
        if not isinstance(v, str):
            raise TypeError(f"segscope: option {name} must be a string, not {v!r}")
        return v
    if kind == "focal_alpha":
        if v == "none":
            return "none"
        return _number(name, v)
    raise AssertionError(kind)


def normalize_options(kwargs: Mapping[str, Any]) -> Options:
    """Checks and maps keyword options (snake_case or camelCase) to the setting names.

    A value of ``None`` means "the default" and is left out. Unknown names raise ``TypeError``.
    """
    out: Options = {}
    given: Dict[str, str] = {}
    for key, value in kwargs.items():
        name = _ALIASES.get(key)
        if name is None:
            raise TypeError(
                f"segscope: unknown option {key!r}; the options are {known_options()} "
                "(snake_case also accepted, e.g. from_logits); spacing is a separate keyword"
            )
        if name in given:
            raise TypeError(f"segscope: option {name} given twice (as {given[name]!r} and {key!r})")
        given[name] = key
        if value is None:
            continue
        out[name] = _value(name, OPTIONS[name][0], value)
    return out


def normalize_spacing(spacing: Optional[Sequence[Any]]) -> Optional[List[Union[int, float]]]:
    if spacing is None:
        return None
    items = _list("spacing", spacing)
    values = [_number("spacing", float(x) if isinstance(x, str) else x) for x in items]
    if not 1 <= len(values) <= 3 or any(v <= 0 for v in values):
        raise ValueError(f"segscope: spacing must be 1 to 3 positive numbers, not {spacing!r}")
    return values


def _fmt(v: Union[int, float]) -> str:
    return str(v) if isinstance(v, int) else repr(float(v))


def cli_flags(options: Options, spacing: Optional[Sequence[Union[int, float]]] = None) -> List[str]:
    """The CLI flags for normalized options (see :func:`normalize_options`)."""
    argv: List[str] = []
    for name, value in options.items():
        kind, flag = OPTIONS[name]
        if kind == "flag":
            if name == "includeBackground":
                argv.append("--include-background" if value else "--no-include-background")
            elif value:
                argv.append(flag)
        elif kind in ("numbers", "strings"):
            argv += [flag, ",".join(_fmt(x) if kind == "numbers" else x for x in value)]
        elif kind == "str" or value == "none":
            argv += [flag, value]
        else:
            argv += [flag, _fmt(value)]
    if spacing is not None:
        argv += ["--spacing", ",".join(_fmt(x) for x in spacing)]
    return argv
