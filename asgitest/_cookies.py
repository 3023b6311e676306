"""The cookie jar a :class:`~asgitest.Client` keeps: stores ``Set-Cookie``, sends ``Cookie``.

A deliberately small subset of RFC 6265, enough for session and CSRF cookies:

- ``Path`` (default: the directory of the request path) and ``Domain`` (host-only when
  absent) are matched as browsers match them;
- ``Max-Age`` wins over ``Expires``; ``Max-Age=0`` or an ``Expires`` in the past deletes;
- ``Secure`` cookies are sent over ``https``/``wss``, and also to hosts a browser treats as
  trustworthy over plain ``http`` (``localhost``, ``127.0.0.1``, ``::1``) and to asgitest's
  own default host ``testserver``: "respected loosely", so tests with the default base URL
  keep their secure session cookies;
- ``HttpOnly`` and ``SameSite`` are kept as attributes but do not filter anything.

Values are kept byte-for-byte (quotes included), as browsers keep them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Final

__all__ = ["Cookie", "CookieJar"]

_TRUSTED_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "testserver"})


@dataclass
class Cookie:
    """One stored cookie.

    Attributes:
        name, value: as the app set them.
        domain: the host (host-only cookie) or the ``Domain`` attribute, lower-cased.
        path: the path the cookie applies to.
        expires: a ``time.time()`` timestamp, or ``None`` for a session cookie.
        secure, http_only: the flags. same_site: the ``SameSite`` value, if any.
        host_only: ``True`` when the app gave no ``Domain`` (sent to that exact host only).
    """

    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    host_only: bool = True

    def expired(self, now: float | None = None) -> bool:
        """Whether the cookie has expired."""
        return self.expires is not None and self.expires <= (time.time() if now is None else now)

    def matches(self, host: str, path: str, secure: bool) -> bool:
        """Whether a request to ``host`` + ``path`` (over a secure scheme or not) carries it."""
        if self.host_only:
            if host != self.domain:
                return False
        elif not (host == self.domain or host.endswith("." + self.domain)):
            return False
        if not _path_matches(path, self.path):
            return False
        return not self.secure or secure or host in _TRUSTED_HOSTS


def _path_matches(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def _default_path(request_path: str) -> str:
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


class CookieJar:
    """Cookies by ``(domain, path, name)``, also a read-only name → value mapping.

    Example:
        ```python
        jar = CookieJar()
        jar.set("sessionid", "abc")
        jar["sessionid"]            # "abc"
        jar.header_for("testserver", "/", secure=False)   # "sessionid=abc"
        ```
    """

    def __init__(self, cookies: Mapping[str, str] | Iterable[Cookie] | None = None) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}
        if isinstance(cookies, Mapping):
            for name, value in cookies.items():
                self.set(name, value)
        elif cookies is not None:
            for cookie in cookies:
                self._cookies[(cookie.domain, cookie.path, cookie.name)] = cookie

    # ------------------------------------------------------------------ storing

    def set(
        self,
        name: str,
        value: str,
        *,
        domain: str = "testserver",
        path: str = "/",
        secure: bool = False,
    ) -> None:
        """Store a cookie by hand (host-only for ``domain``)."""
        self._cookies[(domain.lower(), path, name)] = Cookie(
            name, value, domain.lower(), path, secure=secure
        )

    def extract(self, headers: Iterable[Any], host: str, request_path: str) -> None:
        """Store every ``Set-Cookie`` of a response (``headers`` as ``(name, value)`` pairs)."""
        for pair in headers:
            try:
                name, value = pair
            except (TypeError, ValueError):
                continue
            name_text = name.decode("latin-1") if isinstance(name, bytes | bytearray) else str(name)
            if name_text.lower() != "set-cookie":
                continue
            line = value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
            self.set_cookie_header(line, host, request_path)

    def set_cookie_header(self, line: str, host: str, request_path: str = "/") -> None:
        """Store the cookie of one ``Set-Cookie`` header value (ignored if malformed)."""
        host = host.lower()
        parts = line.split(";")
        name, equals, value = parts[0].partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name:
            return
        cookie = Cookie(name, value, host, _default_path(request_path))
        max_age: int | None = None
        expires: float | None = None
        for attribute in parts[1:]:
            key, _, raw = attribute.partition("=")
            key, raw = key.strip().lower(), raw.strip()
            if key == "max-age":
                try:
                    max_age = int(raw)
                except ValueError:
                    continue
            elif key == "expires":
                try:
                    expires = parsedate_to_datetime(raw).timestamp()
                except (TypeError, ValueError, IndexError, OverflowError):
                    continue
            elif key == "domain" and raw:
                domain = raw.lstrip(".").lower()
                if host != domain and not host.endswith("." + domain):
                    return  # a browser rejects a cookie for another site
                cookie.domain = domain
                cookie.host_only = False
            elif key == "path" and raw.startswith("/"):
                cookie.path = raw
            elif key == "secure":
                cookie.secure = True
            elif key == "httponly":
                cookie.http_only = True
            elif key == "samesite":
                cookie.same_site = raw
        if max_age is not None:
            cookie.expires = time.time() + max_age if max_age > 0 else 0.0
        elif expires is not None:
            cookie.expires = expires
        key3 = (cookie.domain, cookie.path, cookie.name)
        if cookie.expired():
            self._cookies.pop(key3, None)
        else:
            self._cookies[key3] = cookie

    # ------------------------------------------------------------------ sending

    def header_for(self, host: str, path: str, *, secure: bool) -> str | None:
        """The ``Cookie`` header value for a request, or ``None`` when no cookie applies.

        More specific paths come first, as browsers send them.
        """
        host = host.lower()
        now = time.time()
        chosen = [
            cookie
            for cookie in self._cookies.values()
            if not cookie.expired(now) and cookie.matches(host, path or "/", secure)
        ]
        if not chosen:
            return None
        chosen.sort(key=lambda cookie: -len(cookie.path))
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in chosen)

    # ------------------------------------------------------------------ reading

    def _live(self) -> Iterator[Cookie]:
        now = time.time()
        return (cookie for cookie in self._cookies.values() if not cookie.expired(now))

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the cookie ``name`` (any domain or path), or ``default``."""
        for cookie in self._live():
            if cookie.name == name:
                return cookie.value
        return default

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return any(cookie.name == name for cookie in self._live())

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._live()))

    def __len__(self) -> int:
        return sum(1 for _ in self._live())

    def delete(self, name: str) -> None:
        """Forget every cookie called ``name``."""
        for key in [key for key in self._cookies if key[2] == name]:
            del self._cookies[key]

    def clear(self) -> None:
        """Forget every cookie."""
        self._cookies.clear()

    def as_dict(self) -> dict[str, str]:
        """``{name: value}`` of the live cookies."""
        return {cookie.name: cookie.value for cookie in self._live()}

    def __repr__(self) -> str:
        names = ", ".join(cookie.name for cookie in self._live())
        return f"<{type(self).__name__} [{names}]>"
