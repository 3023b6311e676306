"""Every hint is written for the case that broke the rule.

The hint is what follows the account of what happened: what real servers do with *this*
message, then the fix (``ProtocolError.hint``). For every entry of the violation corpus it must
name the field at fault and its value (or the message type, for a message of the wrong type),
quote a server's "got ..." only with the type the app really sent, and never carry a canned
sentence about another field (``more_body='no'`` for a str body, a close ``code '4000'`` for a
list reason).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from asgitest import ProtocolError

from .corpus import HTTP_CASES, LIFESPAN_CASES, WS_CASES, Case
from .drivers import run_http, run_lifespan, run_websocket

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

_CASES = (
    [pytest.param(run_http, case, id=f"http-{case.id}") for case in HTTP_CASES]
    + [pytest.param(run_websocket, case, id=f"ws-{case.id}") for case in WS_CASES]
    + [pytest.param(run_lifespan, case, id=f"lifespan-{case.id}") for case in LIFESPAN_CASES]
)

# The keys of the messages an app sends: a hint that names one of these with a value
# ("more_body='no'", "code '4000'") talks about that field.
_FIELDS = (
    "body",
    "more_body",
    "status",
    "headers",
    "trailers",
    "more_trailers",
    "code",
    "reason",
    "text",
    "bytes",
    "subprotocol",
    "path",
    "file",
    "links",
    "info",
    "offset",
    "count",
)
_GOT = re.compile(r"""(?:got|message type,) ['"]?([a-z]+\.[a-z_.]+)['"]?""")


def _value_at(message: Any, field: str) -> Any:
    match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", field)
    assert match, field
    value = message.get(match.group(1))
    if match.group(2) is not None:
        value = list(value)[int(match.group(2))]
    return value


def _leaves(value: Any, depth: int = 0) -> list[Any]:
    if isinstance(value, list | tuple) and depth < 2:
        return [leaf for item in value for leaf in _leaves(item, depth + 1)]
    if isinstance(value, dict) and depth < 2:
        return [*value, *value.values()]
    return [value]


def _named(value: Any, hint: str) -> bool:
    """The hint shows the value (its repr, or the start of it), or at least its type."""
    for leaf in [value, *_leaves(value), *_leaves(value, 1)]:
        text = repr(leaf)
        if text[:12] in hint or type(leaf).__name__ in hint:
            return True
    return False


async def _error(run: Any, case: Case) -> ProtocolError:
    try:
        await run(case, "pedantic")
    except ProtocolError as error:
        return error
    raise AssertionError(f"{case.id} did not fail")


@pytest.mark.parametrize(("run", "case"), _CASES)
async def test_hint_is_about_the_field_and_value_at_fault(run: Any, case: Case) -> None:
    error = await _error(run, case)
    hint = error.hint
    assert hint, str(error)
    assert str(error).startswith(f"{case.rule}: ")
    assert hint in str(error)
    servers = hint.split(" Fix: ")[0]
    message = error.offending if isinstance(error.offending, dict) else None
    kind = message.get("type") if message is not None else None
    base = case.field.split("[")[0]

    # The field at fault, and its value, are named.
    if base == "type":
        if error.offending is not None and not isinstance(error.offending, dict):
            assert _named(error.offending, hint), hint
        elif isinstance(kind, str):
            assert kind in hint, hint
    else:
        assert base in hint, hint
        if message is not None and base in message:
            assert _named(_value_at(message, case.field), hint), hint

    # A server message quoted with the type it got names the type the app really sent.
    for quoted in _GOT.findall(servers):
        assert quoted == kind, f"{case.id}: quotes a server about {quoted!r}, not {kind!r}: {hint}"

    # No sentence about another field with a value of its own (one the account of what
    # happened names, such as the start's trailers=True for trailers sent without it, is fine).
    present = set(message) if message is not None else set()
    detail = str(error)[: str(error).index(hint)]
    for name in _FIELDS:
        if name == base or name in present or f"{name}=" in detail:
            continue
        assert not re.search(rf"\b{name}(=|\s['\"\[])", servers), (
            f"{case.id}: the hint talks about {name}=..., which this message does not have: {hint}"
        )
