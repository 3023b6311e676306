"""Defaults in one place: the default timeout, the timeout factor, strictness and lifespan modes."""

from __future__ import annotations

import math
import os

# `import asgitest` does not import typing (with its imports, about half of the import time):
# the names below exist for the type checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Literal

    Strictness = Literal["error", "pedantic", "warn", "off"]
    StrictArg = Strictness | Literal["on"] | bool | None
    LifespanMode = Literal["auto", "on", "off"]

__all__ = [
    "DEFAULT_TIMEOUT",
    "TIMEOUT_FACTOR_ENV",
    "get_timeout_factor",
    "normalize_strict",
    "scale_timeout",
    "set_timeout_factor",
]

DEFAULT_TIMEOUT: Final = 1.0
"""The default of every wait, in seconds, as in channels.testing."""

TIMEOUT_FACTOR_ENV: Final = "ASGITEST_TIMEOUT_FACTOR"
"""Environment variable that multiplies every timeout (for slow CI machines)."""

_STRICT_VALUES: Final = ("error", "pedantic", "warn", "off")
_factor: float | None = None


def normalize_strict(value: StrictArg, where: str = "strict") -> Strictness:
    """Turn the accepted spellings of a strictness setting into one of the four modes.

    ``True`` and ``"on"`` mean ``"error"``; ``False`` and ``None`` mean ``"off"``.
    """
    if value == "error":
        return "error"  # the default, first
    if value is True or value == "on":
        return "error"
    if value is False or value is None:
        return "off"
    if value in _STRICT_VALUES:
        return value
    raise ValueError(
        f"{value!r} is not a valid {where}. Valid values: error (or True/'on'), pedantic, "
        "warn, off (or False/None)."
    )


def _parse_factor(raw: str, where: str) -> float:
    try:
        factor = float(raw)
    except ValueError:
        factor = math.nan
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError(f"Invalid timeout factor {raw!r} from {where}: expected a number > 0.")
    return factor


def get_timeout_factor() -> float:
    """The factor every timeout is multiplied by: set_timeout_factor(), else the environment."""
    global _factor
    if _factor is None:
        raw = os.environ.get(TIMEOUT_FACTOR_ENV)
        where = f"the {TIMEOUT_FACTOR_ENV} environment variable"
        _factor = 1.0 if not raw else _parse_factor(raw, where)
    return _factor


def set_timeout_factor(factor: float | None) -> None:
    """Set the timeout factor for this process (``None`` re-reads the environment variable)."""
    global _factor
    if factor is not None:
        factor = _parse_factor(str(factor), "set_timeout_factor()")
    _factor = factor


def scale_timeout(timeout: float | None) -> float | None:
    """A timeout multiplied by the timeout factor; ``None`` (wait forever) stays ``None``."""
    if timeout is None:
        return None
    return timeout * (_factor if _factor is not None else get_timeout_factor())
