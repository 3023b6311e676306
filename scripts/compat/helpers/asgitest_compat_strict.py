"""asgitest with another default spec strictness (written for ``scripts/compat --strict``).

asgitest's communicators take ``strict=`` per instance and read no global default (the
``asgi_strict`` ini option only configures the ``asgi_*`` fixtures), so with ``--strict`` the
import rewrite points at this module instead of ``asgitest``: the same classes, subclassed
only to change the default of ``strict`` to $ASGITEST_COMPAT_STRICT.
"""

from __future__ import annotations

import os
from typing import Any

import asgitest

_STRICT = os.environ.get("ASGITEST_COMPAT_STRICT") or "error"


def _with_default(cls: type) -> type:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("strict", _STRICT)
        cls.__init__(self, *args, **kwargs)

    return type(cls.__name__, (cls,), {"__init__": __init__, "__module__": cls.__module__})


ApplicationCommunicator = _with_default(asgitest.ApplicationCommunicator)
HttpCommunicator = _with_default(asgitest.HttpCommunicator)
WebsocketCommunicator = _with_default(asgitest.WebsocketCommunicator)


def __getattr__(name: str) -> Any:
    return getattr(asgitest, name)
