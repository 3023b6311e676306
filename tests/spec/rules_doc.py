"""Builds docs/spec/rules.md from the rule registry and the violation corpus.

Every message quoted in the reference is produced by running the corpus app (or the bad scope,
or the bad input) through the real communicators, so the page cannot drift from the code.
``tests/spec/test_rules_doc.py`` checks the page; run it with ``ASGITEST_UPDATE_DOCS=1`` to
rewrite it.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

from asgitest import (
    RULES,
    ApplicationCommunicator,
    HttpCommunicator,
    ProtocolError,
    WebsocketCommunicator,
)

from . import test_scope_rules
from .corpus import HTTP_CASES, LIFESPAN_CASES, WS_CASES, Case
from .drivers import LIFESPAN_SCOPE, run_http, run_lifespan, run_websocket
from .test_no_false_positives import EXPECTED_PEDANTIC

PROTOCOLS = [
    ("core", "Core (every protocol)"),
    ("http", "HTTP"),
    ("websocket", "WebSocket"),
    ("lifespan", "Lifespan"),
    ("extension", "Extensions"),
]


async def _waits(scope: Any, receive: Any, send: Any) -> None:
    while True:
        if (await receive())["type"] in ("http.disconnect", "websocket.disconnect"):
            return


async def _accepts(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await _waits(scope, receive, send)


# (rule, protocol of the communicator, message sent by the test, after connect)
INPUT_CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    ("R12", "http", {"type": "websocket.receive", "text": "hi"}, False),
    ("R37", "http", {"type": "http.request", "body": "text"}, False),
    ("R78", "websocket", {"type": "websocket.receive", "text": "a", "bytes": b"b"}, True),
    ("R81", "websocket", {"type": "websocket.disconnect"}, True),
    ("R85", "websocket", {"type": "websocket.receive", "text": "too early"}, False),
    ("R94", "lifespan", {"type": "lifespan.startup"}, True),
]


def _md(text: str) -> str:
    """Rule text for Markdown: brackets escaped, so `scope['asgi']['x']` is not a link."""
    return text.replace("[", "\\[").replace("|", "\\|")


def _message_of(error: ProtocolError) -> str:
    """The first paragraph of the error: what happened, then the hint written for this case
    (what servers do with this very message, and the fix)."""
    return str(error).split("\nOffending message:")[0].split("\nSpec (")[0]


def _kind(rule: Any) -> str:
    if not rule.checked:
        return "harness duty"
    if rule.pedantic_when:
        return f"{rule.severity}; pedantic {rule.pedantic_when}"
    return rule.severity


def _app_snippet(case: Case) -> str:
    messages = getattr(case.app, "messages", None)
    if messages is not None:
        first = "await receive()  # the request\n" if case.app.__qualname__ == "app" else ""
        if "lifespan" not in case.id:
            first = (
                "await receive()  # websocket.connect\n"
                if case in WS_CASES and case.open_first
                else first
            )
        return first + "\n".join(f"await send({message!r})" for message in messages)
    return textwrap.dedent(inspect.getsource(case.app)).strip()


async def _run_case(case: Case) -> ProtocolError:
    runner = run_http if case in HTTP_CASES else run_websocket if case in WS_CASES else run_lifespan
    try:
        await runner(case, "pedantic")
    except ProtocolError as error:
        return error
    raise AssertionError(f"{case.id} did not fail")


async def _run_input(protocol: str, message: dict[str, Any], after_open: bool) -> ProtocolError:
    try:
        if protocol == "http":
            async with HttpCommunicator(_waits, "GET", "/") as http:
                await http.send_input(message)
        elif protocol == "websocket":
            async with WebsocketCommunicator(_accepts, "/") as ws:
                if after_open:
                    await ws.connect()
                else:
                    await ws.send_input({"type": "websocket.connect"})
                await ws.send_input(message)
        else:
            async with ApplicationCommunicator(_waits, dict(LIFESPAN_SCOPE)) as life:
                await life.send_input({"type": "lifespan.startup"})
                try:
                    await life.send_input(message)
                finally:
                    life.stop(exceptions=False)
    except ProtocolError as error:
        return error
    raise AssertionError(f"{message} was accepted")


class Boom(Exception):
    pass


async def raises_after_start(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise Boom("database went away")


async def raises_after_accept(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    raise Boom("bug")


async def raises_in_startup(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    raise Boom("db down")


async def _notes() -> dict[str, tuple[str, str]]:
    """The notes added to an app's own exception (R59, R91, R99), by running such apps."""
    found: dict[str, tuple[str, str]] = {}

    async def http() -> None:
        async with HttpCommunicator(raises_after_start, "GET", "/") as c:
            await c.get_response()

    async def ws() -> None:
        async with WebsocketCommunicator(raises_after_accept, "/") as c:
            await c.connect()
            await c.receive_output()

    async def life() -> None:
        async with ApplicationCommunicator(raises_in_startup, dict(LIFESPAN_SCOPE)) as c:
            await c.send_input({"type": "lifespan.startup"})
            await c.receive_output()

    for rule, run, app in [
        ("R59", http, raises_after_start),
        ("R91", ws, raises_after_accept),
        ("R99", life, raises_in_startup),
    ]:
        try:
            await run()
        except Boom as exc:
            note = next(n for n in exc.__notes__ if n.startswith(f"asgitest ({rule})"))
            found[rule] = (textwrap.dedent(inspect.getsource(app)).strip(), note)
    return found


SEE_ALSO = {
    "R19": "Checked through the extension rules (R103, R105-R107, R109-R112) and the scope "
    "shape rules R35/R72.\n",
}


def _scope_examples() -> list[tuple[str, str, ProtocolError]]:
    examples = []

    async def app(scope: Any, receive: Any, send: Any) -> None:  # never run
        return None

    for rule, _field, kwargs in test_scope_rules.HTTP_CASES:
        call = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        try:
            HttpCommunicator(app, "GET", "/", **kwargs)
        except ProtocolError as error:
            examples.append((rule, f'HttpCommunicator(app, "GET", "/", {call})', error))
    for rule, _field, kwargs in test_scope_rules.WS_CASES:
        call = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        try:
            WebsocketCommunicator(app, "/ws/", **kwargs)
        except ProtocolError as error:
            examples.append((rule, f'WebsocketCommunicator(app, "/ws/", {call})', error))
    for override, _field in test_scope_rules.LIFESPAN_CASES:
        scope = {**LIFESPAN_SCOPE, **override}
        try:
            ApplicationCommunicator(app, scope)
        except ProtocolError as error:
            examples.append(("R93", f"ApplicationCommunicator(app, {scope!r})", error))
    for scope in ({"type": 1}, {"type": "custom", 1: "x"}):
        from asgitest._spec import make_checker

        try:
            make_checker(scope, "error", None)  # type: ignore[arg-type]
        except ProtocolError as error:
            examples.append((error.rule_id, f"ApplicationCommunicator(app, {scope!r})", error))
    bare = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [],
    }
    try:
        ApplicationCommunicator(app, bare, strict="pedantic")
    except ProtocolError as error:
        examples.append(("R4", f"ApplicationCommunicator(app, {bare!r}, strict='pedantic')", error))
    return examples


HEADER = """\
# ASGI spec rules

asgitest checks every scope, every message the test delivers and every message the application
sends against the ASGI specification (ASGI 3.0, HTTP & WebSocket spec 2.5, lifespan 2.0 and
the extensions), one rule per id. This page is generated from the rule registry
(`asgitest.RULES`) and from the violation corpus in `tests/spec/corpus.py`: every message
quoted below is what asgitest really raises.

## Severity and modes

- **error**: a production server (uvicorn, hypercorn, daphne) rejects the message, crashes, or
  sends the client something other than what the app meant.
- **pedantic**: the spec says "must", but every major server tolerates it.

Severity follows what servers do *in that state*: a rule whose consequence depends on the
connection's state is an error only where a real server fails. A close reason that is not a
str (R82) is pedantic before accept, where uvicorn, hypercorn and daphne answer the handshake
with HTTP 403 and never read it (FastAPI closes a WebSocket whose path parameter fails
validation that way, with a list as the reason), and an error after accept, where uvicorn and
hypercorn crash and the client gets no close frame. The rules with such a state are R7, R45,
R82 and R83 (see "pedantic ..." in the table below). The evidence is
`scripts/server-probe`, which runs a broken app per case under each server; its results are
in `scripts/README.md`. Each message's hint (`ProtocolError.hint`) is written for the case at
hand: what servers do with that field, that value, in that state, and the fix.

| `strict=` | error rules | pedantic rules |
| --- | --- | --- |
| `"error"` (default, also `True`/`"on"`) | raise `ProtocolError` | ignored |
| `"pedantic"` | raise | raise |
| `"warn"` | `ProtocolWarning` | `ProtocolWarning` |
| `"off"` (also `False`/`None`) | not checked | not checked |

For example, this app breaks one error rule and one pedantic rule:

```python
--8<-- "docs/spec/spec_check_example.py:broken"
```

```python
--8<-- "docs/spec/spec_check_example.py:default"
```

A `ProtocolError` is an `AssertionError`; it carries `.rule_id`, `.severity`, `.offending` (the
message) and `.field`, and the transcript of the connection with a `^ R40 broken here` marker.
Messages the app sends after the client disconnected are never violations (the spec makes
`send()` a no-op then, or an `OSError` from spec 2.4 on). An exception raised by the app is
re-raised as itself, with a note saying what a server would have done (R59, R91, R99).

Extensions are honoured only when advertised in `scope["extensions"]`, e.g.
`HttpCommunicator(app, "GET", "/", scope={"extensions": {"http.response.trailers": {}}})`.

The same checks run around a live application with [`SpecCheck`](#speccheck).

## Waiving a rule

When a finding comes from a framework you cannot change, waive that one rule instead of
turning the checker down for the whole connection. Starlette, for one, sends its header pairs
as tuples and a body for a `HEAD` request, which `strict="pedantic"` reports as R8 and R51:

```python
--8<-- "docs/spec/waiver_example.py:app"
```

```python
--8<-- "docs/spec/waiver_example.py:waiver"
```

The same waiver at every level where strictness is set: `ignore_rules=` on a communicator,
`TestApp` or client; `@pytest.mark.asgi(ignore_rules=["R51"])` on a test, class or module;
`asgi_ignore_rules = "R51 R8"` in the ini file, or `--asgi-ignore-rules="R51 R8"` on the
command line. They add up. A waived finding never fails the test; it is listed in the
transcript as `^ R51 waived (pedantic): ...`. An unknown rule id is an error that says so.

## What real frameworks trigger

Every framework below passes in the default mode (tested in `tests/spec/test_no_false_positives.py`).
These are their pedantic findings, i.e. what `strict="pedantic"` reports:

| framework | pedantic findings |
| --- | --- |
"""

_FINDINGS = {
    "R8": "header pairs as tuples, not lists",
    "R41": "mixed-case response header names (`Content-Type`)",
    "R51": "a body sent for a HEAD request",
    "R82": "a close reason that is a list, before accept",
    "R86": "a close code and reason before accept, which the client never sees",
}

SPECCHECK = """\
## SpecCheck

`SpecCheck` runs the same checker as ASGI middleware, so you can watch a live application under
uvicorn, hypercorn or daphne in development:

```python
--8<-- "docs/spec/spec_check_example.py:middleware"
```

- `on_violation="raise"` (default): the `ProtocolError` is raised from the app's `send()` (or
  `receive()`, or when the app returns), so the server logs it with the traceback.
- `on_violation="log"`: it is logged at ERROR level on the `asgitest.spec` logger, with the
  connection's last 50 messages and `extra={"asgi_rule_id": ...}`; the message goes through.
- `strict=` as above (`"off"` is a pass-through).

It is not meant for production: each message costs a dict lookup and a few checks
(a few hundred nanoseconds), and each connection keeps a bounded transcript.
"""


async def render() -> str:
    by_rule: dict[str, list[tuple[str, str, str]]] = {}
    for case in HTTP_CASES + WS_CASES + LIFESPAN_CASES:
        error = await _run_case(case)
        label = case.id + (f" ({case.real_world})" if case.real_world else "")
        by_rule.setdefault(case.rule, []).append((label, _app_snippet(case), _message_of(error)))
    for rule, protocol, message, after_open in INPUT_CASES:
        error = await _run_input(protocol, message, after_open)
        snippet = f"await communicator.send_input({message!r})"
        by_rule.setdefault(rule, []).append((f"{protocol} input", snippet, _message_of(error)))
    for rule, call, error in _scope_examples():
        by_rule.setdefault(rule, []).append(("scope", call, _message_of(error)))

    notes = await _notes()
    out = [HEADER]
    for name in sorted(EXPECTED_PEDANTIC):
        found = ", ".join(
            f"{rule} ({_FINDINGS.get(rule, '')})" for rule in sorted(EXPECTED_PEDANTIC[name])
        )
        out.append(f"| {name} | {found} |\n")
    out.append(
        "\n## All rules\n\n| id | protocol | severity | requirement |\n| --- | --- | --- | --- |\n"
    )
    for rule in RULES.values():
        out.append(
            f"| [{rule.id}](#{rule.id.lower()}) | {rule.protocol} | {_kind(rule)} | {_md(rule.requirement)} |\n"
        )
    for protocol, title in PROTOCOLS:
        out.append(f"\n## {title}\n")
        for rule in RULES.values():
            if rule.protocol != protocol:
                continue
            out.append(
                f"\n### {rule.id}\n\n**{_md(rule.requirement)}** ({_kind(rule)}; [spec]({rule.link}))\n\n"
            )
            if rule.servers and rule.servers != "-":
                out.append(f"What servers do: {rule.servers}\n\n")
            examples = by_rule.get(rule.id, [])
            if not rule.checked:
                out.append(
                    "asgitest is the server here: it behaves this way itself, so there is "
                    "nothing to check in the application.\n"
                )
                continue
            if rule.id in SEE_ALSO:
                out.append(SEE_ALSO[rule.id])
                continue
            if rule.id in notes:
                snippet, note = notes[rule.id]
                out.append(
                    "Not raised as a `ProtocolError`: the app's own exception reaches the test as "
                    f"itself, with a note.\n\n```python\n{snippet}\n```\n\nNote added:\n\n"
                    f"```text\n{note}\n```\n"
                )
                continue
            if not examples:
                out.append(
                    "Checked as part of the rules around it; see the code in `asgitest/_spec/`.\n"
                )
                continue
            for label, snippet, message in examples[:2]:
                out.append(f"Violation ({label}):\n\n```python\n{snippet}\n```\n\n")
                out.append(f"asgitest says:\n\n```text\n{message}\n```\n\n")
            if len(examples) > 2:
                others = ", ".join(label for label, _, _ in examples[2:])
                out.append(f"Also in the corpus: {others}.\n")
    out.append("\n" + SPECCHECK)
    return "".join(out).rstrip() + "\n"
