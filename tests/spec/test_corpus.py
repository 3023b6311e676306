"""Every app of the violation corpus is caught, with the rule id and the field named.

Error cases raise in the default mode; pedantic cases raise only under strict="pedantic" and
pass silently in the default mode.
"""

from __future__ import annotations

import pytest

from asgitest import ProtocolError, ProtocolWarning

from .corpus import HTTP_CASES, LIFESPAN_CASES, WS_CASES, Case
from .drivers import assert_names_rule, run_http, run_lifespan, run_websocket

pytestmark = pytest.mark.anyio

_ALL = (
    [pytest.param(run_http, case, id=f"http-{case.id}") for case in HTTP_CASES]
    + [pytest.param(run_websocket, case, id=f"ws-{case.id}") for case in WS_CASES]
    + [pytest.param(run_lifespan, case, id=f"lifespan-{case.id}") for case in LIFESPAN_CASES]
)
_ERRORS = [p for p in _ALL if p.values[1].severity == "error"]  # type: ignore[union-attr]
_PEDANTIC = [p for p in _ALL if p.values[1].severity == "pedantic"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("run", "case"), _ERRORS)
async def test_error_rule_raises_in_default_mode(run, case: Case) -> None:
    with pytest.raises(ProtocolError) as info:
        await run(case, "error")
    assert_names_rule(info.value, case)


@pytest.mark.parametrize(("run", "case"), _PEDANTIC)
async def test_pedantic_rule_raises_in_pedantic_mode(run, case: Case) -> None:
    with pytest.raises(ProtocolError) as info:
        await run(case, "pedantic")
    assert_names_rule(info.value, case)


@pytest.mark.parametrize(("run", "case"), _PEDANTIC)
async def test_pedantic_rule_is_silent_in_default_mode(run, case: Case) -> None:
    await run(case, "error")


@pytest.mark.parametrize(("run", "case"), _ALL)
async def test_nothing_is_checked_when_off(run, case: Case) -> None:
    try:
        await run(case, "off")
    except ProtocolError:  # pragma: no cover - the failure we test for
        pytest.fail("strict='off' raised a ProtocolError")
    except Exception:
        pass  # the broken app may trip the communicator itself (e.g. a str body): fine


def test_every_real_world_app_side_violation_is_in_the_corpus() -> None:
    covered = {case.real_world for case in HTTP_CASES + WS_CASES + LIFESPAN_CASES}
    app_side = (
        {f"V{n}" for n in range(1, 25) if n not in (16, 17)}  # V16/V17: exceptions, see below
        | {f"W{n}" for n in range(1, 16) if n not in (13,)}  # W13: exception after accept
        | {"L4", "L5"}
    )
    assert app_side <= covered, sorted(app_side - covered)


async def _run_ignoring_other_failures(run, case: Case) -> None:
    try:
        await run(case, "warn")
    except ProtocolError:  # pragma: no cover - the failure we test for
        pytest.fail("strict='warn' raised")
    except Exception:
        pass  # the app goes on after the warning and may trip something else


@pytest.mark.parametrize(
    ("run", "case"),
    [
        p
        for p in _ALL
        if p.values[1].id  # type: ignore[union-attr]
        in ("status-999", "mixed-case-header", "send-text-and-bytes", "return-without-response")
    ],
)
async def test_warn_mode_turns_findings_into_warnings(run, case: Case) -> None:
    with pytest.warns(ProtocolWarning) as record:
        await _run_ignoring_other_failures(run, case)
    assert any(getattr(w.message, "rule_id", None) == case.rule for w in record)
