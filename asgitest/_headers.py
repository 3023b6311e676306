"""Headers: the list of (name, value) pairs exactly as the app sent them, also a lookup table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex, overload

__all__ = ["Headers"]


def _name_bytes(name: str | bytes | bytearray) -> bytes:
    if isinstance(name, str):
        return name.encode("latin-1").lower()
    return bytes(name).lower()


class Headers(list[Any]):
    """The headers of a response: the very list of pairs the app sent, plus name lookups.

    It *is* a list (so ``headers == [(b"content-type", b"text/plain")]`` holds exactly as the
    app sent it, tuples or lists), and it also answers by name, case-insensitively, with str
    or bytes keys: a bytes key gives bytes, a str key gives str (latin-1).

    Example:
        ```python
        headers = Headers([(b"Content-Type", b"text/plain"), (b"set-cookie", b"a=1")])
        headers[b"content-type"]   # b"text/plain"
        headers["Content-Type"]    # "text/plain"
        "content-type" in headers  # True
        headers[0]                 # (b"Content-Type", b"text/plain")
        ```
    """

    def _values(self, name: str | bytes) -> list[bytes]:
        wanted = _name_bytes(name)
        out = []
        for pair in list.__iter__(self):
            try:
                key, value = pair
            except (TypeError, ValueError):
                continue
            if isinstance(key, bytes | bytearray | str) and _name_bytes(key) == wanted:
                out.append(value.encode("latin-1") if isinstance(value, str) else bytes(value))
        return out

    @overload
    def __getitem__(self, key: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, key: slice) -> list[Any]: ...
    @overload
    def __getitem__(self, key: str | bytes) -> Any: ...

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str | bytes):
            values = self._values(key)
            if not values:
                raise KeyError(key)
            joined = b", ".join(values)
            return joined.decode("latin-1") if isinstance(key, str) else joined
        return list.__getitem__(self, key)

    def get(self, key: str | bytes, default: Any = None) -> Any:
        """The value of header ``key`` (values of a repeated header joined by ``", "``)."""
        try:
            return self[key]
        except KeyError:
            return default

    def get_list(self, key: str | bytes) -> list[Any]:
        """Every value of header ``key``, in order (use it for ``Set-Cookie``)."""
        values = self._values(key)
        if isinstance(key, str):
            return [value.decode("latin-1") for value in values]
        return values

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str | bytes):
            return bool(self._values(item))
        return list.__contains__(self, item)

    def keys(self) -> list[str]:
        """The header names, lower-cased, as str, in order (repeated names once)."""
        seen: dict[str, None] = {}
        for pair in list.__iter__(self):
            try:
                key = pair[0]
            except (TypeError, IndexError):
                continue
            text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            seen.setdefault(text.lower(), None)
        return list(seen)

    def items(self) -> list[tuple[str, str]]:
        """``(name, value)`` as str, names lower-cased, in order, repeats kept."""
        out = []
        for pair in list.__iter__(self):
            try:
                key, value = pair
            except (TypeError, ValueError):
                continue
            name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            out.append((name.lower(), text))
        return out

    @classmethod
    def from_pairs(cls, pairs: Iterable[Any] | None) -> Headers:
        return cls(pairs or [])
