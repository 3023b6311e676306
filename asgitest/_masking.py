"""Credentials out of reports: the values of credential headers, masked when shown.

Transcripts, error messages, the pytest plugin's report sections and the CLI's transcripts
show ``authorization``, ``proxy-authorization``, ``cookie``, ``set-cookie`` and ``x-api-key``
(and the headers the user adds: :func:`set_masked_headers`, the ``asgi_mask_headers`` ini
option, the ``ASGITEST_MASK_HEADERS`` environment variable) as their name and a fingerprint::

    (b'set-cookie', b'sessionid=<masked sha256:2c26b4>; Path=/; HttpOnly')

Only what is *shown* is masked, when it is shown: the messages a transcript records and the
assertions compare are never altered, and recording a message costs nothing more.
``ASGITEST_SHOW_SECRETS=1`` shows the values in full, for local debugging.

The bottom of the package: it imports nothing of asgitest. The parsers of the settings
that name headers are in :mod:`asgitest._config`, with the others.
"""

from __future__ import annotations

import hashlib
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Final

__all__ = [
    "DEFAULT_MASKED_HEADERS",
    "HEADER_TOKEN",
    "MASK_HEADERS_ENV",
    "SHOW_SECRETS_ENV",
    "TRUE_WORDS",
    "configure",
    "fingerprint",
    "hidden_parts",
    "is_masked",
    "mask_headers",
    "mask_message",
    "mask_value",
    "masked_headers",
    "showing_secrets",
    "use_names",
]

DEFAULT_MASKED_HEADERS: Final = frozenset(
    {b"authorization", b"proxy-authorization", b"cookie", b"set-cookie", b"x-api-key"}
)
"""The headers whose values are always masked (unless ``ASGITEST_SHOW_SECRETS=1``)."""

MASK_HEADERS_ENV: Final = "ASGITEST_MASK_HEADERS"
"""Environment variable naming more headers to mask, separated by commas or spaces."""

SHOW_SECRETS_ENV: Final = "ASGITEST_SHOW_SECRETS"
"""Environment variable that shows credential headers in full when set to 1 (or true, yes)."""

TRUE_WORDS: Final = ("1", "true", "yes", "on")
HEADER_TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+\Z")
_SCHEME: Final = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)( +)(.+)\Z", re.DOTALL)

_api: frozenset[bytes] = frozenset()  # set_masked_headers()
_configured: frozenset[bytes] = frozenset()  # the pytest plugin's asgi_mask_headers
_env_cache: tuple[str, frozenset[bytes]] = ("", frozenset())


# ---------------------------------------------------------------------------- settings


def use_names(names: frozenset[bytes]) -> None:
    """The names of :func:`asgitest.set_masked_headers` (parsed in :mod:`asgitest._config`)."""
    global _api
    _api = names


def configure(names: frozenset[bytes]) -> frozenset[bytes]:
    """The names of a settings file (the plugin's ``asgi_mask_headers``); returns the
    previous ones, to be configured again when done."""
    global _configured
    previous, _configured = _configured, names
    return previous


def _from_environment() -> frozenset[bytes]:
    global _env_cache
    raw = os.environ.get(MASK_HEADERS_ENV, "")
    if raw != _env_cache[0]:  # while rendering: mask what can be read, never raise
        names = (n.lower().encode("latin-1", "replace") for n in raw.replace(",", " ").split())
        _env_cache = (raw, frozenset(n for n in names if HEADER_TOKEN.match(n)))
    return _env_cache[1]


def masked_headers() -> frozenset[bytes]:
    """Every header name whose value is masked now (lowercase bytes)."""
    return DEFAULT_MASKED_HEADERS | _configured | _api | _from_environment()


def showing_secrets() -> bool:
    """Whether ``ASGITEST_SHOW_SECRETS`` asks for credential headers in full."""
    return os.environ.get(SHOW_SECRETS_ENV, "").strip().lower() in TRUE_WORDS


# ---------------------------------------------------------------------------- masking


def fingerprint(value: Any) -> str:
    """``sha256:`` and the first 6 hex digits of the SHA-256 of a value: of bytes as they
    are, of a str as latin-1 (what a header value is on the wire), of anything else its repr.

    Two values can thus be told apart, and a value you know recognised:
    ``hashlib.sha256(b"abc").hexdigest()[:6]``.
    """
    if isinstance(value, str):
        data = value.encode("latin-1", "replace")
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    else:
        data = repr(value).encode("utf-8", "replace")
    return "sha256:" + hashlib.sha256(data).hexdigest()[:6]


class _Masked:
    """Stands for a masked value that is neither str nor bytes (it was malformed)."""

    __slots__ = ("text",)

    def __init__(self, value: Any) -> None:
        self.text = f"<masked {type(value).__name__} {fingerprint(value)}>"

    def __repr__(self) -> str:
        return self.text


def _mask(text: str) -> str:
    return f"<masked {fingerprint(text)}>" if text else text


def _mask_cookie_pairs(text: str, mask: Callable[[str], str]) -> str:
    parts = []
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        parts.append(f"{name}={mask(value)}" if sep else mask(part))
    return ";".join(parts)


def _mask_text(name: bytes, text: str, mask: Callable[[str], str] = _mask) -> str:
    if name == b"cookie":
        return _mask_cookie_pairs(text, mask)
    if name == b"set-cookie":
        pair, sep, attributes = text.partition(";")  # Path, HttpOnly...: not secrets
        return _mask_cookie_pairs(pair, mask) + sep + attributes
    if name in (b"authorization", b"proxy-authorization"):
        found = _SCHEME.match(text)
        if found is not None:  # "Bearer <token>": the scheme stays readable
            return found.group(1) + found.group(2) + mask(found.group(3))
    return mask(text)


def hidden_parts(name: Any, value: Any) -> list[str]:
    """The parts of a header value that :func:`mask_value` hides (as text), e.g. the value of
    each cookie; for checking that a text built from the value shows none of them."""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("latin-1")
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    parts: list[str] = []

    def collect(part: str) -> str:
        if part:
            parts.append(part)
        return part

    _mask_text(_lower_name(name) or b"", text, collect)
    return parts


def _lower_name(name: Any) -> bytes | None:
    if isinstance(name, bytes):
        return name.lower()
    if isinstance(name, str):
        return name.encode("latin-1", "replace").lower()
    if isinstance(name, bytearray | memoryview):
        return bytes(name).lower()
    return None


def is_masked(name: Any, names: frozenset[bytes] | None = None) -> bool:
    """Whether the value of header ``name`` (bytes or str, any case) is masked now."""
    key = _lower_name(name)
    if key is None or showing_secrets():
        return False
    return key in (names if names is not None else masked_headers())


def mask_value(name: Any, value: Any) -> Any:
    """The value of header ``name`` as it is shown: masked, of the same type (a value that
    is neither bytes nor str becomes a stand-in whose repr says what it was)."""
    key = _lower_name(name) or b""
    if isinstance(value, bytes):
        return _mask_text(key, value.decode("latin-1")).encode("latin-1")
    if isinstance(value, str):
        return _mask_text(key, value)
    return _Masked(value)


def mask_headers(headers: Any, names: frozenset[bytes] | None = None) -> Any:
    """``headers`` as they are shown: a copy with masked values when any header is masked,
    else the same object. Any shape is accepted (a malformed one is shown as it is)."""
    if showing_secrets():
        return headers
    names = names if names is not None else masked_headers()
    if isinstance(headers, dict):
        if not any(_lower_name(key) in names for key in headers):
            return headers
        return {
            key: mask_value(key, value) if _lower_name(key) in names else value
            for key, value in headers.items()
        }
    if not isinstance(headers, list | tuple):
        return headers
    masked = []
    changed = False
    for item in headers:
        if (
            isinstance(item, list | tuple)
            and len(item) >= 2
            and _lower_name(item[0]) in names
            and item[1]
        ):
            item = type(item)([item[0], mask_value(item[0], item[1]), *item[2:]])
            changed = True
        masked.append(item)
    if not changed:
        return headers
    return tuple(masked) if isinstance(headers, tuple) else masked


def mask_message(message: Any) -> Any:
    """A message or a scope as it is shown: a shallow copy with its ``headers`` masked when
    any is, else the same object (the recorded message itself is never changed)."""
    if type(message) is not dict:
        return message
    headers = message.get("headers")
    if headers is None:
        return message
    shown = mask_headers(headers)
    if shown is headers:
        return message
    return {**message, "headers": shown}
