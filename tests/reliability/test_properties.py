"""Property tests: adversarial apps never hang asgitest and never make it fail internally.

Every example is one generated app (see ``adversary.py``), driven through one communicator with
one strictness, on asyncio and on trio. For every public call: it returns or raises asgitest's
own error or the app's own exception, in bounded time; afterwards nothing of the app runs, no
warning or unraisable exception was emitted, the transcript holds every message in order, and
both backends reach the same verdict.
"""

from __future__ import annotations

from hypothesis import given, strategies as st

from .adversary import (
    BACKENDS,
    HTTP_DRIVERS,
    LIFESPAN_DRIVERS,
    STRICTNESS,
    WS_OPS,
    Example,
    Spawn,
    any_program,
    check_outcome,
    run_example,
)

# How many times an example whose verdicts differ between the backends is run again: on a
# loaded machine a 0.05 s timeout can expire on one backend only. A real difference persists.
RETRIES = 3


def verdicts_of(example: Example) -> dict[str, tuple[list[str], list[str]]]:
    verdicts = {}
    for backend in BACKENDS:
        outcome = run_example(example, backend)
        verdicts[backend] = (check_outcome(example, outcome), outcome.engine_states)
    return verdicts


def check_on_both_backends(example: Example) -> None:
    verdicts = verdicts_of(example)
    if any(isinstance(step, Spawn) for step in example.program):
        return  # background tasks race with the test by design; the rest is deterministic
    seen = [verdicts]
    while verdicts["asyncio"] != verdicts["trio"] and len(seen) <= RETRIES:
        verdicts = verdicts_of(example)
        seen.append(verdicts)
    assert verdicts["asyncio"] == verdicts["trio"], seen


@given(
    program=any_program("http"),
    driver=st.sampled_from(HTTP_DRIVERS),
    strict=st.sampled_from(STRICTNESS),
)
def test_http_communicator_survives_any_app(program, driver, strict) -> None:  # type: ignore[no-untyped-def]
    check_on_both_backends(Example("http", program, driver, [], strict))


@given(
    program=any_program("websocket"),
    ops=st.one_of(
        st.just(["raw"]),
        st.lists(st.sampled_from(WS_OPS), max_size=6).map(lambda ops: ["connect", *ops]),
        st.lists(st.sampled_from(WS_OPS), max_size=6),
    ),
    strict=st.sampled_from(STRICTNESS),
)
def test_websocket_communicator_survives_any_app(program, ops, strict) -> None:  # type: ignore[no-untyped-def]
    check_on_both_backends(Example("websocket", program, "ops", ops, strict))


@given(
    program=any_program("lifespan"),
    driver=st.sampled_from(LIFESPAN_DRIVERS),
    strict=st.sampled_from(STRICTNESS),
)
def test_lifespan_communicator_survives_any_app(program, driver, strict) -> None:  # type: ignore[no-untyped-def]
    check_on_both_backends(Example("lifespan", program, driver, [], strict))
