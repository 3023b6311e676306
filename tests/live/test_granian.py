"""granian, the server that forks a worker: its lifespan modes and its process group.

The tests shared by every server (HTTP, WebSocket, lifespan, failing starts) are in
test_server.py; these are what only granian needs: the worker process must never outlive the
server, whatever ends it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
from pathlib import Path

import httpx
import pytest

from asgitest import LiveServer, LiveServerError

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"
)
WAIT = 10  # seconds any single network wait may take before the test fails


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited meanwhile
            continue
        state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def _server_pid(live: LiveServer) -> int:
    assert live._run is not None
    assert live._run.process is not None
    return live._run.process.pid


def test_the_server_and_its_worker_share_a_group_that_stop_empties() -> None:
    live = LiveServer("tests.live.apps:app", server="granian")
    with live:
        pid = _server_pid(live)
        assert httpx.get(live.url + "/", timeout=WAIT).text == "hello"
        assert len(_group(pid)) == 2  # granian's main process and its worker
    assert _group(pid) == []


def test_the_group_is_emptied_when_the_test_fails() -> None:
    live = LiveServer("tests.live.apps:app", server="granian")
    with pytest.raises(ZeroDivisionError), live:
        pid = _server_pid(live)
        1 / 0  # noqa: B018
    assert _group(pid) == []


def test_a_killed_main_process_leaves_no_orphaned_worker() -> None:
    live = LiveServer("tests.live.apps:app", server="granian")
    live.start()
    pid = _server_pid(live)
    os.kill(pid, signal.SIGKILL)  # as if the server had crashed: its worker lives on
    assert live._run is not None
    assert live._run.process is not None
    live._run.process.wait()
    with pytest.raises(LiveServerError, match="exited with code -9"):
        live.stop()
    assert _group(pid) == []


def test_a_startup_that_never_ends_is_stopped_with_its_worker() -> None:
    live = LiveServer("tests.live.apps:hanging_startup", server="granian", startup_timeout=1)
    with pytest.raises(LiveServerError, match="did not accept connections .* startup_timeout=1 s"):
        live.start()
    found = re.search(r"main PID: (\d+)", live.output)
    assert found is not None
    assert _group(int(found.group(1))) == []


def test_lifespan_off_serves_with_the_asginl_interface() -> None:
    with LiveServer("tests.live.apps:app", server="granian", lifespan="off") as live:
        info = httpx.get(live.url + "/info", timeout=WAIT).json()
    assert info["lifespan"] == []
    assert "--interface asginl" in live.output


def test_an_app_that_raises_on_lifespan_is_served_without_it() -> None:
    with LiveServer("tests.apps:hello_world", server="granian") as live:
        assert httpx.get(live.url + "/", timeout=WAIT).status_code == 200
    assert "continuing without Lifespan support" in live.output


def test_rust_backtraces_are_left_out_of_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))  # bound, not listening: binds fail, connects refused
        port = blocker.getsockname()[1]
        live = LiveServer("tests.live.apps:app", server="granian", port=port)
        with pytest.raises(LiveServerError) as caught:
            live.start()
    assert "Address already in use" in str(caught.value)
    assert "Stack backtrace" not in caught.value.output


def test_granian_passes_the_client_port_as_a_str() -> None:
    """What the guide says of granian 2.8: scope["client"][1] is a str (ASGI: an int)."""
    with LiveServer("tests.live.apps:app", server="granian") as live:
        info = httpx.get(live.url + "/info", timeout=WAIT).json()
    assert isinstance(info["client_port"], str)
