"""The pattern language: say which message a test expects, and find the first difference.

A pattern is any of:

- a ``dict``: matches a mapping when every key it names matches (extra keys are fine);
  a key the message leaves out is compared with its ASGI default (``more_body`` → ``False``);
- a bare ``str`` at the top: ``"http.response.start"`` means ``{"type": "http.response.start"}``;
- :data:`ANY`: matches anything (a key must still be present);
- a compiled regular expression: ``re.search`` on a ``str`` (or ``bytes``) value;
- a type such as ``int`` or ``bytes``: ``isinstance``;
- any other callable: a predicate, matched when it returns a true value;
- a ``list`` or ``tuple``: the same number of items, each matching its pattern;
- a ``dict`` given for a list of ``(name, value)`` pairs (``headers``): matched by name,
  case-insensitively, in any order, ``str`` or ``bytes`` names and values alike;
- anything else: ``==`` (where ``True`` never equals ``1``);
- a :class:`Pattern`: the same, as an object that compares equal to what it matches.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Final

from ._errors import InvalidArgument
from ._masking import hidden_parts, is_masked, mask_value
from ._transcript import Summarized

__all__ = [
    "ANY",
    "JsonText",
    "Mismatch",
    "Pattern",
    "find_mismatch",
    "show",
    "show_message",
]

_STRING_LIMIT: Final = 80
_MESSAGE_LIMIT: Final = 300

# Keys the ASGI spec lets a message leave out, with the value they then mean.
_ASGI_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "http.request": {"body": b"", "more_body": False},
    "http.response.start": {"headers": [], "trailers": False},
    "http.response.body": {"body": b"", "more_body": False},
    "http.response.trailers": {"headers": [], "more_trailers": False},
    "websocket.accept": {"subprotocol": None, "headers": []},
    "websocket.send": {"bytes": None, "text": None},
    "websocket.receive": {"bytes": None, "text": None},
    "websocket.close": {"code": 1000, "reason": ""},
    "lifespan.startup.failed": {"message": ""},
    "lifespan.shutdown.failed": {"message": ""},
}


class _AnyValue:
    """The type of :data:`ANY`."""

    __slots__ = ()
    _instance: _AnyValue | None = None

    def __new__(cls) -> _AnyValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _AnyValue()
"""Matches any value. In a ``dict`` pattern the key must still be present (or have an ASGI
default): ``{"type": "websocket.accept", "subprotocol": ANY}``."""


# ---------------------------------------------------------------------- showing values


def _quote(value: str | bytes) -> str:
    text = repr(value)
    # Double quotes read better next to ASGI message types ("http.response.body").
    if isinstance(value, str) and text.startswith("'") and '"' not in value:
        return f'"{text[1:-1]}"'
    if isinstance(value, bytes) and text.startswith("b'") and b'"' not in value:
        return f'b"{text[2:-1]}"'
    return text


def _show_string(value: str | bytes, limit: int = _STRING_LIMIT) -> str:
    if len(value) <= limit:
        return _quote(value)
    unit = "chars" if isinstance(value, str) else "bytes"
    return f"{_quote(value[:limit])}... ({len(value)} {unit})"


def _callable_name(function: Any) -> str:
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    if name is None:
        return repr(function)
    code = getattr(function, "__code__", None)
    if name.endswith("<lambda>") and code is not None:
        return f"<lambda at {os.path.basename(code.co_filename)}:{code.co_firstlineno}>"
    return str(name)


def show(value: Any, limit: int = _STRING_LIMIT) -> str:
    """A value as a reader wants it in a failure: ``str``/``bytes`` in double quotes and cut
    when long, regular expressions as ``re.compile("...")``, types and functions by name."""
    if isinstance(value, str | bytes):
        return _show_string(value, limit)
    if isinstance(value, Pattern):
        return repr(value)
    if isinstance(value, re.Pattern):
        return f"re.compile({_quote(value.pattern)})"
    if isinstance(value, type):
        return value.__qualname__
    if isinstance(value, Mapping):
        return (
            "{" + ", ".join(f"{show(k, limit)}: {show(v, limit)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(show(item, limit) for item in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(show(item, limit) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, _Matcher):
        return value.describe()
    if callable(value) and not isinstance(value, _AnyValue | Summarized):
        return _callable_name(value)
    return repr(value)


def show_message(message: Any) -> str:
    """A whole message on one line, cut at a few hundred characters."""
    text = show(message)
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 3] + "..."
    return text


# ---------------------------------------------------------------------- mismatches


class Mismatch:
    """The first place where a value differs from a pattern.

    Attributes:
        path: where, as the subscripts that reach it: ``'["headers"]["content-type"]'``
            (``""`` for the value itself).
        text: what differs there, in words: ``'expected 200, got 404'``.
        expected: the pattern at that place.
        actual: the value found there (``None`` when there is none).
    """

    __slots__ = ("actual", "expected", "path", "text")

    def __init__(self, path: str, text: str, expected: Any = None, actual: Any = None) -> None:
        self.path = path
        self.text = text
        self.expected = expected
        self.actual = actual

    def __str__(self) -> str:
        return f"at {self.path or 'the top level'}: {self.text}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"


def _describe(pattern: Any) -> str:
    """A pattern as the thing expected: ``200``, ``an instance of int``, ``ANY value``."""
    if pattern is ANY:
        return "any value"
    if isinstance(pattern, re.Pattern):
        return f"a match for {show(pattern)}"
    if isinstance(pattern, type):
        return f"an instance of {show(pattern)}"
    if isinstance(pattern, Pattern | Mapping | list | tuple | str | bytes | _Matcher):
        return show(pattern)
    if callable(pattern):
        return f"a value for which {show(pattern)} is true"
    return show(pattern)


def _got(value: Any) -> str:
    """A value as the thing found, with its type when that is what differs."""
    if isinstance(value, str | bytes | int | float | bool | type(None)):
        return show(value)
    return f"{show(value)} (a {type(value).__qualname__})"


def _first_difference(expected: str | bytes, actual: str | bytes) -> int:
    for offset, (left, right) in enumerate(zip(expected, actual, strict=False)):
        if left != right:
            return offset
    return min(len(expected), len(actual))


def _literal_mismatch(path: str, pattern: Any, value: Any) -> Mismatch:
    text = f"expected {show(pattern)}, got {_got(value)}"
    if isinstance(pattern, str) and isinstance(value, bytes):
        text += ' (a str never equals bytes: write the pattern as bytes, b"...")'
    elif isinstance(pattern, bytes) and isinstance(value, str):
        text += " (bytes never equal a str: write the pattern as a str)"
    elif isinstance(pattern, bool) != isinstance(value, bool) and pattern == value:
        text += " (True and False only match booleans)"
    elif (
        isinstance(pattern, str | bytes)
        and type(pattern) is type(value)
        and max(len(pattern), len(value)) > _STRING_LIMIT
    ):
        offset = _first_difference(pattern, value)
        start = max(0, offset - 20)
        lead = "..." if start else ""
        text = (
            f"expected {lead}{show(pattern[start : start + 60])}, "
            f"got {lead}{show(value[start : start + 60])} "
            f"(lengths {len(pattern)} and {len(value)}; first difference at offset {offset})"
        )
    return Mismatch(path, text, pattern, value)


def _header_name(name: Any) -> bytes | None:
    if isinstance(name, str):
        return name.encode("latin-1", "replace").lower()
    if isinstance(name, bytes | bytearray):
        return bytes(name).lower()
    return None


def _is_pairs(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(
        isinstance(item, list | tuple) and len(item) == 2 for item in value
    )


def _as_kind_of(pattern: Any, value: Any) -> Any:
    """A header value converted to the kind (str or bytes) the pattern is written in."""
    wanted = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    if isinstance(wanted, str) and isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    if isinstance(wanted, bytes) and isinstance(value, str):
        return value.encode("latin-1", "replace")
    return value


def _join_values(values: list[Any]) -> Any:
    if all(isinstance(v, bytes | bytearray) for v in values):
        return b", ".join(bytes(v) for v in values)
    if all(isinstance(v, str) for v in values):
        return ", ".join(values)
    return values


def _check_headers(pattern: Mapping[Any, Any], pairs: Any, path: str) -> Mismatch | None:
    found: dict[bytes, list[Any]] = {}
    for name, value in pairs:
        key = _header_name(name)
        if key is not None:
            found.setdefault(key, []).append(value)
    for name, expected in pattern.items():
        where = f"{path}[{show(name)}]"
        key = _header_name(name)
        values = found.get(key) if key is not None else None
        if values is None:
            present = ", ".join(show(n) for n, _ in pairs) or "none"
            return Mismatch(
                where,
                f"expected {_describe(expected)}, but there is no {show(name)} header "
                f"(headers present: {present})",
                expected,
                None,
            )
        problem = _check_header_values(expected, values, where)
        if problem is not None and is_masked(name):
            # A credential header: its values masked in the text, as reports show them (the
            # mismatch keeps the real value in .actual).
            problem.text = _masked_text(problem.text, name, values, expected)
        if problem is not None:
            return problem
    return None


def _masked_text(text: str, name: Any, values: list[Any], expected: Any) -> str:
    """``text`` with every shown form of the header's values replaced by its masked form."""
    masked = [mask_value(name, value) for value in values]
    pairs: list[tuple[Any, Any]] = [*zip(values, masked, strict=True)]
    pairs.append((_join_values(values), _join_values(masked)))
    for raw, hidden in list(pairs):  # the pattern may be written in the other kind
        if isinstance(raw, bytes) and isinstance(hidden, bytes):
            pairs.append((raw.decode("latin-1"), hidden.decode("latin-1")))
        elif isinstance(raw, str) and isinstance(hidden, str):
            pairs.append((raw.encode("latin-1", "replace"), hidden.encode("latin-1", "replace")))
    shown_pairs = [(show(raw), show(hidden)) for raw, hidden in pairs if raw]
    for shown, hidden_text in sorted(shown_pairs, key=lambda pair: len(pair[0]), reverse=True):
        text = text.replace(shown, hidden_text)
    secrets = [part for value in values for part in hidden_parts(name, value)]
    if any(_shows_part_of(text, secret) for secret in secrets):
        # A form not foreseen above (a window into a long value): say less, show nothing.
        return (
            f"expected {_describe(expected)}, got a value that differs (the {show(name)} "
            "header is masked in reports; ASGITEST_SHOW_SECRETS=1 shows it)"
        )
    return text


def _shows_part_of(text: str, secret: str) -> bool:
    """Whether ``text`` shows ``secret`` or any 8 characters of it in a row."""
    if len(secret) <= 8:
        return len(secret) >= 4 and secret in text
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


def _check_header_values(expected: Any, values: list[Any], where: str) -> Mismatch | None:
    if isinstance(expected, list):
        # One pattern per header of that name, in the order the app sent them.
        converted = [
            _as_kind_of(expected[min(i, len(expected) - 1)], v) if expected else v
            for i, v in enumerate(values)
        ]
        return _check_sequence(expected, converted, where)
    actual = values[0] if len(values) == 1 else _join_values(values)
    return _check(expected, _as_kind_of(expected, actual), where)


def _check_mapping(pattern: Mapping[Any, Any], value: Any, path: str) -> Mismatch | None:
    if not isinstance(value, Mapping):
        if _is_pairs(value):
            return _check_headers(pattern, value, path)
        return Mismatch(
            path, f"expected a dict matching {show(pattern)}, got {_got(value)}", pattern, value
        )
    kind = value.get("type")
    defaults = _ASGI_DEFAULTS.get(kind, {}) if not path and isinstance(kind, str) else {}
    keys = list(pattern)
    if "type" in pattern:  # a wrong type explains everything else: report it first
        keys.remove("type")
        keys.insert(0, "type")
    for key in keys:
        expected = pattern[key]
        where = f"{path}[{show(key)}]"
        if key in value:
            problem = _check(expected, value[key], where)
        elif key in defaults:
            problem = _check(expected, defaults[key], where)
            if problem is not None:
                problem.text += f" (the key is absent; {show(defaults[key])} is its ASGI default)"
        else:
            present = ", ".join(show(k) for k in value) or "none"
            return Mismatch(
                where,
                f"expected {_describe(expected)}, but there is no {show(key)} key "
                f"(keys present: {present})",
                expected,
                None,
            )
        if problem is not None:
            return problem
    return None


def _check_sequence(pattern: list[Any] | tuple[Any, ...], value: Any, path: str) -> Mismatch | None:
    if not isinstance(value, list | tuple):
        return Mismatch(path, f"expected {show(pattern)}, got {_got(value)}", pattern, value)
    for position, (expected, actual) in enumerate(zip(pattern, value, strict=False)):
        problem = _check(expected, actual, f"{path}[{position}]")
        if problem is not None:
            return problem
    if len(pattern) != len(value):
        return Mismatch(
            path,
            f"expected {len(pattern)} item{'s' if len(pattern) != 1 else ''}, "
            f"got {len(value)}: {show(value)}",
            pattern,
            value,
        )
    return None


def _check(pattern: Any, value: Any, path: str) -> Mismatch | None:
    if pattern is ANY:
        return None
    if isinstance(value, Summarized):
        return Mismatch(
            path,
            f"expected {_describe(pattern)}, but the transcript kept only a summary of this "
            f"payload, {value!r}, as it is larger than its max_payload. Check it with expect() "
            "as it arrives, or match it with ANY here.",
            pattern,
            value,
        )
    if isinstance(pattern, Pattern):
        return _check(pattern.spec, value, path)
    if isinstance(pattern, _Matcher):
        return pattern.check(value, path)
    if isinstance(pattern, Mapping):
        return _check_mapping(pattern, value, path)
    if isinstance(pattern, list | tuple):
        return _check_sequence(pattern, value, path)
    if isinstance(pattern, re.Pattern):
        if isinstance(value, str | bytes) and type(value) is type(pattern.pattern):
            if pattern.search(value) is not None:
                return None
            return Mismatch(
                path, f"expected {_describe(pattern)}, got {_got(value)}", pattern, value
            )
        kind = type(pattern.pattern).__name__
        return Mismatch(
            path, f"expected a {kind} matching {show(pattern)}, got {_got(value)}", pattern, value
        )
    if isinstance(pattern, type):
        if isinstance(value, pattern):
            return None
        return Mismatch(path, f"expected {_describe(pattern)}, got {_got(value)}", pattern, value)
    if callable(pattern):
        try:
            ok = pattern(value)
        except Exception as exc:
            return Mismatch(
                path,
                f"expected {_describe(pattern)}, got {_got(value)}, for which it raised "
                f"{type(exc).__name__}: {exc}",
                pattern,
                value,
            )
        if ok:
            return None
        return Mismatch(path, f"expected {_describe(pattern)}, got {_got(value)}", pattern, value)
    if isinstance(pattern, bool) != isinstance(value, bool) or pattern != value:
        return _literal_mismatch(path, pattern, value)
    return None


def find_mismatch(pattern: Any, value: Any) -> Mismatch | None:
    """The first difference between ``value`` and ``pattern``, or ``None`` if it matches.

    A bare ``str`` pattern means ``{"type": pattern}``.
    """
    return _check(_normalize(pattern), value, "")


def _normalize(pattern: Any) -> Any:
    if isinstance(pattern, Pattern):
        return pattern.spec
    if isinstance(pattern, str):
        return {"type": pattern}
    return pattern


class _Matcher:
    """Base of the pattern nodes asgitest builds itself (e.g. "this text, parsed as JSON")."""

    def check(self, value: Any, path: str) -> Mismatch | None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class JsonText(_Matcher):
    """Matches a ``str`` (or ``bytes``) holding JSON whose parsed value matches ``pattern``."""

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern

    def check(self, value: Any, path: str) -> Mismatch | None:
        import json

        if not isinstance(value, str | bytes):
            return Mismatch(path, f"expected JSON text, got {_got(value)}", self, value)
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            return Mismatch(path, f"expected JSON text, got {_got(value)} ({exc})", self, value)
        return _check(self.pattern, parsed, f"{path} (as JSON) " if path else "(JSON) ")

    def describe(self) -> str:
        return f"JSON matching {show(self.pattern)}"


class Pattern:
    """A message pattern as an object: it compares equal to every value it matches.

    Use it where a plain ``==`` reads best; under pytest a failing ``assert message ==
    Pattern(...)`` explains the first difference. A first positional ``str`` is the message
    type, and keywords add keys.

    Args:
        spec: a pattern (see the module documentation); a ``str`` means ``{"type": spec}``.
        **keys: more keys to match (``status=200``).

    Example:
        ```python
        assert start == Pattern("http.response.start", status=200)
        assert frame == Pattern({"type": "websocket.send", "text": re.compile("^hello")})
        ```
    """

    __slots__ = ("spec",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, spec: Any = None, /, **keys: Any) -> None:
        spec = {} if spec is None else _normalize(spec)
        if keys:
            if not isinstance(spec, Mapping):
                raise InvalidArgument(
                    f"Pattern({show(spec)}, ...) cannot take keywords: only a dict pattern "
                    "or a message type can. Write Pattern({...}) with the keys in the dict."
                )
            spec = {**spec, **keys}
        self.spec: Any = spec

    def mismatch(self, value: Any) -> Mismatch | None:
        """The first difference from ``value``, or ``None`` when it matches."""
        return _check(self.spec, value, "")

    def matches(self, value: Any) -> bool:
        """Whether ``value`` matches."""
        return _check(self.spec, value, "") is None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pattern):
            return bool(self.spec == other.spec)
        return self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def describe(self) -> str:
        """The pattern in words: ``"websocket.send" with text="hi"``."""
        spec = self.spec
        if isinstance(spec, Mapping) and isinstance(spec.get("type"), str):
            rest = [f"{_key_text(k)}={show(v)}" for k, v in spec.items() if k != "type"]
            head = f'"{spec["type"]}"'
            return f"{head} with {', '.join(rest)}" if rest else head
        return f"a message matching {show(spec)}"

    def __repr__(self) -> str:
        spec = self.spec
        if (
            isinstance(spec, Mapping)
            and isinstance(spec.get("type"), str)
            and all(isinstance(k, str) and k.isidentifier() for k in spec)
        ):
            args = [_quote(spec["type"])]
            args += [f"{k}={show(v)}" for k, v in spec.items() if k != "type"]
            return f"Pattern({', '.join(args)})"
        return f"Pattern({show(spec)})"


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) and key.isidentifier() else show(key)
