"""ASGI type aliases shared by every module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ASGI2Instance = Callable[[Receive, Send], Awaitable[None]]
ASGI2App = Callable[[Scope], ASGI2Instance]

__all__ = ["ASGI2App", "ASGI2Instance", "ASGIApp", "Message", "Receive", "Scope", "Send"]
