"""The httpx import shim: the maintained fork ``httpx2`` first, then ``httpx`` (as Starlette 1.3
does). Importing this module without either raises an ImportError naming the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

__all__ = ["HTTPX_MISSING", "httpx"]

HTTPX_MISSING: Final = """\
asgitest's TestClient, AsyncTestClient and ASGITransport are built on httpx, which is not \
installed. Install it with the extra:

    pip install "asgitest[httpx]"

(that installs httpx2, the maintained fork; plain httpx works too)."""

if TYPE_CHECKING:
    import httpx2 as httpx
else:
    try:
        import httpx2 as httpx
    except ModuleNotFoundError:
        try:
            import httpx
        except ModuleNotFoundError:
            raise ImportError(HTTPX_MISSING, name="httpx2") from None
