"""httpx is optional: `import asgitest` never imports it, and the clients say how to get it."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_import_asgitest_does_not_import_httpx() -> None:
    result = _run(
        "import sys, asgitest; print(sorted(m for m in ('httpx', 'httpx2') if m in sys.modules))"
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_without_httpx_the_error_names_the_extra() -> None:
    blocker = (
        "import sys; sys.modules['httpx2'] = None; sys.modules['httpx'] = None\n"
        "try:\n"
        "    from asgitest import TestClient\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = _run(blocker)
    assert 'pip install "asgitest[httpx]"' in result.stdout, result.stderr
