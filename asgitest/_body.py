"""Request bodies: query parameters, JSON, forms, multipart uploads, raw and streamed content.

:func:`encode_request` turns the keyword arguments users know from httpx (``query=``,
``json=``, ``data=``, ``files=``, ``content=``) into what the harness sends: extra query
string bytes, headers to add, and a :class:`RequestBody` that yields ``http.request``
messages. A body given as a (sync or async) iterable of chunks is sent as several messages
with ``more_body=True``, each produced only when the app asks for more (through the engine's
input feeder), so a 100 MiB upload never sits in memory at once.
"""

from __future__ import annotations

import json as jsonlib
import mimetypes
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from ._errors import InvalidArgument
from ._types import Message

__all__ = ["RequestBody", "encode_query", "encode_request", "merge_query"]

_CHUNK: Final = 64 * 1024

QueryArg = Mapping[str, Any] | Iterable[tuple[str, Any]] | str | bytes | None


def encode_query(query: QueryArg) -> bytes:
    """``query=`` as query-string bytes: a mapping (list values repeat the key), pairs, or text."""
    if query is None:
        return b""
    if isinstance(query, bytes):
        return query
    if isinstance(query, str):
        return query.encode("utf-8")
    items = query.items() if isinstance(query, Mapping) else query
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            pairs.append((str(key), _form_value(item)))
    return urlencode(pairs).encode("ascii")


def merge_query(existing: bytes, extra: bytes) -> bytes:
    """Join the path's own query string and ``query=`` with ``&``."""
    if not extra:
        return existing
    if not existing:
        return extra
    return existing + b"&" + extra


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


class RequestBody:
    """A request body: either bytes sent in one message, or chunks sent one message each.

    Attributes:
        content: the whole body when it is known up front, else ``None``.
        stream: the iterable of chunks (sync or async) when the body is streamed.
    """

    __slots__ = ("_async_iter", "_finished", "_sync_iter", "content", "stream")

    def __init__(
        self,
        content: bytes | None = None,
        stream: Iterable[bytes] | AsyncIterable[bytes] | None = None,
    ) -> None:
        self.content = content
        self.stream = stream
        self._sync_iter: Iterator[bytes] | None = None
        self._async_iter: AsyncIterator[bytes] | None = None
        self._finished = False

    @property
    def streaming(self) -> bool:
        """Whether the body is sent as several ``http.request`` messages."""
        return self.stream is not None

    async def next_message(self) -> Message | None:
        """The next ``http.request`` message of a streamed body, or ``None`` after the last.

        Empty chunks are skipped; the last message is an empty body with ``more_body=False``.
        """
        if self._finished:
            return None
        chunk = await self._next_chunk()
        while chunk is not None and not chunk:
            chunk = await self._next_chunk()
        if chunk is None:
            self._finished = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def _next_chunk(self) -> bytes | None:
        stream = self.stream
        if isinstance(stream, AsyncIterable):
            if self._async_iter is None:
                self._async_iter = aiter(stream)
            try:
                chunk = await anext(self._async_iter)
            except StopAsyncIteration:
                return None
        else:
            if self._sync_iter is None:
                self._sync_iter = iter(stream or ())
            try:
                chunk = next(self._sync_iter)
            except StopIteration:
                return None
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise InvalidArgument(
                f"A streamed request body must yield bytes, but it yielded {type(chunk).__name__}: "
                f"{chunk!r:.60}"
            )
        return bytes(chunk)

    def __repr__(self) -> str:
        if self.stream is not None:
            return f"<{type(self).__name__} streamed from {type(self.stream).__name__}>"
        return f"<{type(self).__name__} {len(self.content or b'')} bytes>"


def encode_request(
    *,
    body: bytes = b"",
    json: Any = None,
    data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    files: Any = None,
    content: Any = None,
    has_json: bool = False,
) -> tuple[list[tuple[bytes, bytes]], RequestBody]:
    """Headers to add and the body, from httpx-style arguments (at most one kind of body).

    Args:
        body: bytes (the channels-compatible positional argument).
        json: any JSON-serializable value (``has_json=True`` when ``None`` itself is meant).
        data: form fields (mapping or pairs; list values repeat the field); with ``files``,
            sent as ``multipart/form-data``, else ``application/x-www-form-urlencoded``.
        files: ``{"field": value}`` or pairs, where value is bytes, a str, a binary file object,
            or a tuple ``(filename, content[, content_type[, headers]])``.
        content: bytes or str (sent at once), or a sync/async iterable of bytes chunks
            (streamed as several ``http.request`` messages).

    Returns:
        ``(headers, body)``: the ``content-type`` / ``content-length`` /
        ``transfer-encoding`` headers the body implies, and the :class:`RequestBody`.
    """
    given = [
        name
        for name, present in (
            ("body", bool(body)),
            ("json", has_json or json is not None),
            ("data", data is not None),
            ("content", content is not None),
        )
        if present
    ]
    if files is not None and "content" in given:
        given.append("files")
    if files is not None and "json" in given:
        given.append("files")
    if len(given) > 1:
        raise InvalidArgument(
            f"Give the request body one way only, but {' and '.join(given)} were given. "
            "Use json= for JSON, data= (with files= for uploads) for forms, content= for raw "
            "bytes or a stream of chunks."
        )
    if has_json or json is not None:
        raw = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return _fixed(raw, b"application/json")
    if files is not None:
        return _multipart(data, files)
    if data is not None:
        if isinstance(data, str | bytes):
            raise InvalidArgument(
                "data= takes form fields (a dict or pairs). For a raw body use content=: "
                f"content={data!r:.40}"
            )
        raw = encode_query(data)
        return _fixed(raw, b"application/x-www-form-urlencoded")
    if content is not None:
        if isinstance(content, str):
            return _fixed(content.encode("utf-8"), None)
        if isinstance(content, bytes | bytearray | memoryview):
            return _fixed(bytes(content), None)
        if isinstance(content, AsyncIterable | Iterable):
            return [(b"transfer-encoding", b"chunked")], RequestBody(stream=content)
        raise InvalidArgument(
            f"content= must be bytes, str or an (async) iterable of bytes, got "
            f"{type(content).__name__}."
        )
    if not isinstance(body, bytes):
        raise InvalidArgument(f"body must be bytes, got {type(body).__name__}.")
    return [], RequestBody(content=body)


def _fixed(raw: bytes, content_type: bytes | None) -> tuple[list[tuple[bytes, bytes]], RequestBody]:
    headers = [(b"content-length", str(len(raw)).encode("ascii"))]
    if content_type is not None:
        headers.insert(0, (b"content-type", content_type))
    return headers, RequestBody(content=raw)


def _multipart(data: Any, files: Any) -> tuple[list[tuple[bytes, bytes]], RequestBody]:
    boundary = secrets.token_hex(16).encode("ascii")
    parts: list[bytes] = []
    fields = data.items() if isinstance(data, Mapping) else (data or [])
    for name, value in fields:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            parts.append(_part(boundary, str(name), None, _form_value(item).encode("utf-8"), None))
    uploads = files.items() if isinstance(files, Mapping) else files
    for name, value in uploads:
        filename, payload, content_type, extra = _file_parts(str(name), value)
        parts.append(_part(boundary, str(name), filename, payload, content_type, extra))
    raw = b"".join(parts) + b"--" + boundary + b"--\r\n"
    return _fixed(raw, b"multipart/form-data; boundary=" + boundary)


def _file_parts(name: str, value: Any) -> tuple[str, bytes, str, Mapping[str, str]]:
    filename: str | None = None
    content_type: str | None = None
    extra: Mapping[str, str] = {}
    if isinstance(value, tuple):
        if not 2 <= len(value) <= 4:
            raise InvalidArgument(
                f"files[{name!r}] as a tuple must be (filename, content[, content_type[, "
                f"headers]]), got {len(value)} items."
            )
        parts = value
        filename, value = parts[0], parts[1]
        if len(parts) >= 3:
            content_type = parts[2]
        if len(parts) == 4:
            extra = parts[3]
    payload = _read(name, value)
    if filename is None:
        filename = os.path.basename(getattr(value, "name", "") or "") or "upload"
    return (
        filename,
        payload,
        content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        extra,
    )


def _read(name: str, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    read = getattr(value, "read", None)
    if read is not None:
        chunk = read()
        return chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
    raise InvalidArgument(
        f"files[{name!r}] must be bytes, str, a file object or a (filename, content) tuple, "
        f"got {type(value).__name__}."
    )


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


def _part(
    boundary: bytes,
    name: str,
    filename: str | None,
    payload: bytes,
    content_type: str | None,
    extra: Mapping[str, str] | None = None,
) -> bytes:
    disposition = f'form-data; name="{_quote(name)}"'
    if filename is not None:
        disposition += f'; filename="{_quote(filename)}"'
    lines = [f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    for key, value in (extra or {}).items():
        lines.append(f"{key}: {value}")
    head = "\r\n".join(lines).encode("utf-8")
    return b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + payload + b"\r\n"
