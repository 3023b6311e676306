"""Settings in one place: defaults, the one "not given" marker, and every settings parser.

Every entry point (the communicators, ``TestApp``, the clients, the pytest plugin's ini
options, command-line options and ``asgi`` marker, the CLI) reads a setting through the one
parser here, so a value means the same everywhere and is refused the same way everywhere.

Just above the bottom of the package: it imports nothing of asgitest but the exceptions
and the masking of credential headers.
"""

from __future__ import annotations

import math
import os

from . import _masking
from ._errors import InvalidArgument

# `import asgitest` does not import typing (with its imports, about half of the import time):
# the names below exist for the type checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Final, Literal

    Strictness = Literal["error", "pedantic", "warn", "off"]
    StrictArg = Strictness | Literal["on"] | bool | None
    LifespanMode = Literal["auto", "on", "off"]


__all__ = [
    "check_environment",
    "parse_header_names",
    "set_masked_headers",
    "DEFAULT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TRANSCRIPT_SIZE",
    "TIMEOUT_FACTOR_ENV",
    "Settings",
    "activate",
    "active",
    "get_timeout_factor",
    "normalize_strict",
    "parse_factor",
    "parse_lifespan",
    "parse_positive_int",
    "parse_strict",
    "parse_timeout",
    "scale_timeout",
    "set_timeout_factor",
]


class _Default:
    """The one "not given" marker: use the next default up (the communicator's, then the
    test's settings, then asgitest's own)."""

    __slots__ = ()
    _instance: _Default | None = None

    def __new__(cls) -> _Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()

if TYPE_CHECKING:
    DefaultArg = _Default
    TimeoutArg = float | None | _Default
    RulesArg = str | Iterable[str] | None | _Default

DEFAULT_TIMEOUT: Final = 1.0
"""The default of every wait, in seconds, as in channels.testing."""

DEFAULT_TRANSCRIPT_SIZE: Final = 1000
"""How many messages a transcript keeps by default."""

TIMEOUT_FACTOR_ENV: Final = "ASGITEST_TIMEOUT_FACTOR"
"""Environment variable that multiplies every timeout (for slow CI machines)."""

_STRICT_VALUES: Final = ("error", "pedantic", "warn", "off")
_LIFESPAN_VALUES: Final = ("auto", "on", "off")
_factor: float | None = None


def _where(where: str) -> str:
    return f" ({where})" if where else ""


# ---------------------------------------------------------------------------- parsers


def parse_timeout(value: Any, name: str = "timeout", where: str = "") -> float | None:
    """A timeout in seconds: ``None`` (wait forever) or a finite number >= 0.

    A string is accepted only from a settings file or the command line (``where`` says
    which), where every value is text; ``"none"`` there means ``None``.
    """
    __tracebackhide__ = True
    if value is None:
        return None
    given = value
    if isinstance(value, str) and where:
        text = value.strip().lower()
        if text in ("none", "off", "inf", "infinite", ""):
            return None
        try:
            value = float(text)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgument(_bad_timeout(given, name, where), argument=name, value=given)
    number = float(value)
    if math.isnan(number) or number < 0:
        raise InvalidArgument(_bad_timeout(given, name, where), argument=name, value=given)
    if math.isinf(number):
        return None
    return number


def _bad_timeout(value: Any, name: str, where: str) -> str:
    forever = "none" if where else "None"
    return (
        f"{value!r} is not a valid {name}{_where(where)}. Valid values: a number of seconds "
        f">= 0 (e.g. 2.5), or {forever} to wait forever."
    )


def normalize_strict(value: StrictArg, where: str = "strict") -> Strictness:
    """Turn the accepted spellings of a strictness setting into one of the four modes.

    ``True`` and ``"on"`` mean ``"error"``; ``False`` and ``None`` mean ``"off"``. Strings
    are case-insensitive. ``where`` names the argument or setting for the error message.
    """
    __tracebackhide__ = True
    if value == "error":
        return "error"  # the default, first
    return parse_strict(value, where)


def parse_strict(value: Any, name: str = "strict", where: str = "") -> Strictness:
    """See :func:`normalize_strict`."""
    __tracebackhide__ = True
    if value is True:
        return "error"
    if value is False or value is None:
        return "off"
    text = value.strip().lower() if isinstance(value, str) else None
    if text == "on":
        return "error"
    if text in _STRICT_VALUES:
        return text  # type: ignore[return-value]
    raise InvalidArgument(
        f"{value!r} is not a valid {name}{_where(where)}. Valid values: error (or True/'on'), "
        "pedantic, warn, off (or False/None).",
        argument=name,
        value=value,
    )


def parse_lifespan(value: Any, name: str = "lifespan", where: str = "") -> LifespanMode:
    """A lifespan mode: ``"auto"``, ``"on"`` or ``"off"`` (``True`` is "on"; ``False`` and
    ``None`` are "off"; strings are case-insensitive)."""
    __tracebackhide__ = True
    if value is True:
        return "on"
    if value is False or value is None:
        return "off"
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _LIFESPAN_VALUES:
        return text  # type: ignore[return-value]
    raise InvalidArgument(
        f"{value!r} is not a valid {name}{_where(where)}. Valid values: auto, on (or True), "
        "off (or False/None).",
        argument=name,
        value=value,
    )


def parse_positive_int(value: Any, name: str, where: str = "") -> int:
    """A whole number >= 1 (strings accepted from settings files and the command line)."""
    __tracebackhide__ = True
    number = value
    if isinstance(value, str) and where:
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InvalidArgument(
            f"{value!r} is not a valid {name}{_where(where)}. Valid values: a whole number >= 1.",
            argument=name,
            value=value,
        )
    return number


def parse_factor(value: Any, name: str = "timeout factor", where: str = "") -> float:
    """A timeout factor: a finite number > 0."""
    __tracebackhide__ = True
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InvalidArgument(
            f"{value!r} is not a valid {name}{_where(where)}. Valid values: a number > 0, e.g. "
            "2 to double every timeout.",
            argument=name,
            value=value,
        )
    return float(number)


# ---------------------------------------------------------------------------- the timeout factor


def get_timeout_factor() -> float:
    """The factor every timeout is multiplied by: set_timeout_factor(), else the environment."""
    global _factor
    if _factor is None:
        raw = os.environ.get(TIMEOUT_FACTOR_ENV)
        where = f"from the {TIMEOUT_FACTOR_ENV} environment variable"
        _factor = 1.0 if not raw else parse_factor(raw, "timeout factor", where)
    return _factor


def set_timeout_factor(factor: float | None) -> None:
    """Set the timeout factor for this process (``None`` re-reads the environment variable)."""
    global _factor
    if factor is not None:
        factor = parse_factor(factor, "factor", "given to set_timeout_factor()")
    _factor = factor


def scale_timeout(timeout: float | None) -> float | None:
    """A timeout multiplied by the timeout factor; ``None`` (wait forever) stays ``None``."""
    if timeout is None:
        return None
    return timeout * (_factor if _factor is not None else get_timeout_factor())


# ---------------------------------------------------------------------------- active settings


class Settings:
    """The defaults a communicator takes for what its caller leaves out.

    asgitest's own defaults, unless the pytest plugin activated the settings of the running
    test (ini file, command line, ``asgi`` marker): then every communicator made while the
    test runs takes them, whether a fixture or the test itself built it.

    Attributes:
        timeout: the default of every wait, in seconds (before the timeout factor).
        strict: spec checking, one of ``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``.
        ignore_rules: rule ids whose findings are waived (listed in the transcript only).
    """

    __slots__ = ("ignore_rules", "strict", "timeout")

    def __init__(
        self,
        timeout: float | None = DEFAULT_TIMEOUT,
        strict: Strictness = "error",
        ignore_rules: frozenset[str] = frozenset(),
    ) -> None:
        self.timeout = timeout
        self.strict = strict
        self.ignore_rules = ignore_rules

    def __repr__(self) -> str:
        rules = " ".join(sorted(self.ignore_rules)) or "none"
        return f"<Settings timeout={self.timeout} strict={self.strict} ignore_rules={rules}>"


LIBRARY_SETTINGS: Final = Settings()
_active: Settings = LIBRARY_SETTINGS


def active() -> Settings:
    """The settings communicators take their defaults from now."""
    return _active


def activate(settings: Settings | None) -> Settings:
    """Make ``settings`` the active ones (``None``: asgitest's own); returns the previous
    settings, to be activated again when done."""
    global _active
    previous = _active
    _active = LIBRARY_SETTINGS if settings is None else settings
    return previous


# ---------------------------------------------------------------------------- masked headers

_FALSE_WORDS: Final = ("", "0", "false", "no", "off")


def parse_header_names(value: Any, name: str = "header names", where: str = "") -> frozenset[bytes]:
    """Header names to mask: a str of names separated by commas or whitespace, or an
    iterable of str or bytes names; each an HTTP token, compared case-insensitively."""
    __tracebackhide__ = True
    if value is None:
        return frozenset()
    items: list[Any]
    if isinstance(value, str | bytes):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        items = text.replace(",", " ").split()
    else:
        try:
            items = list(value)
        except TypeError:
            items = [value]
    names = set()
    for item in items:
        raw = item.encode("latin-1", "replace") if isinstance(item, str) else item
        if not isinstance(raw, bytes) or not _masking.HEADER_TOKEN.match(raw.strip().lower()):
            suffix = f" ({where})" if where else ""
            raise InvalidArgument(
                f"{item!r} is not a valid header name in the {name}{suffix}. Valid values: "
                "HTTP header names such as x-session-token, separated by commas or spaces.",
                argument=name,
                value=value,
            )
        names.add(raw.strip().lower())
    return frozenset(names)


def set_masked_headers(names: str | Iterable[str] | None) -> None:
    """Mask the values of these headers too, wherever asgitest shows messages or scopes.

    They are added to ``authorization``, ``proxy-authorization``, ``cookie``, ``set-cookie``
    and ``x-api-key``, which are always masked, and to those of the ``asgi_mask_headers``
    ini option and the ``ASGITEST_MASK_HEADERS`` environment variable. ``None`` forgets the
    names given here before.

    Args:
        names: header names, case-insensitive: ``["x-session-token"]`` or
            ``"x-session-token, x-csrf-token"``.

    Raises:
        InvalidArgument: a name is not an HTTP header name.

    Example:
        ```python
        asgitest.set_masked_headers(["x-session-token"])
        ```

    *Added in 0.1.*
    """
    __tracebackhide__ = True
    _masking.use_names(parse_header_names(names, "names", "given to set_masked_headers()"))


def check_environment() -> None:
    """Refuse a bad ``ASGITEST_SHOW_SECRETS`` or ``ASGITEST_MASK_HEADERS`` up front (the
    plugin and the CLI call this at start; rendering never raises)."""
    __tracebackhide__ = True
    raw = os.environ.get(_masking.SHOW_SECRETS_ENV)
    if raw is not None and raw.strip().lower() not in _masking.TRUE_WORDS + _FALSE_WORDS:
        raise InvalidArgument(
            f"{raw!r} is not a valid value for the {_masking.SHOW_SECRETS_ENV} environment "
            "variable. "
            "Valid values: 1 (show credential headers in full), 0 or unset (mask them).",
            argument=_masking.SHOW_SECRETS_ENV,
            value=raw,
        )
    parse_header_names(
        os.environ.get(_masking.MASK_HEADERS_ENV),
        _masking.MASK_HEADERS_ENV,
        "from the environment variable",
    )
