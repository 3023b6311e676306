"""Memory returns to its baseline after misbehaving apps (tracemalloc over many examples).

A fixed set of adversarial programs (one of each kind of misbehaviour, a 1 MiB body among them)
is run through every driver on both backends, round after round. After a warm-up round, the
memory still allocated must not grow with the number of rounds: whatever an example allocates
(transcripts, exceptions with tracebacks, app tasks, the engine) is freed when it is over.
"""

from __future__ import annotations

import gc
import tracemalloc

from .adversary import (
    BACKENDS,
    Example,
    Hang,
    Raise,
    Receive,
    Return,
    Send,
    Sleep,
    Spawn,
    check_outcome,
    run_example,
)

START = {"type": "http.response.start", "status": 200, "headers": []}
HUGE = {"type": "http.response.body", "body": b"x" * (1 << 20)}

PROGRAMS = [
    [Receive(), Send(START), Send(HUGE)],
    [Receive(), Send(START), Send({"type": "http.response.body", "body": "str"})],
    [Receive(), Send(42)],
    [Receive(), Raise("error")],
    [Raise("interrupt")],
    [Raise("cancelled")],
    [Receive(), Send(START), Hang()],
    [Spawn(0.0, Send(START)), Return()],
    [Receive(), Sleep(0.001), Send({"type": "unknown"}), Receive()],
]

EXAMPLES = (
    [
        Example("http", program, driver, [], ("error", "off")[number % 2])
        for number, program in enumerate(PROGRAMS)
        for driver in ("get_response", "disconnect")
    ]
    + [
        Example(
            "websocket",
            [Receive(), Send({"type": "websocket.accept"}), Receive(), Send(message), Hang()],
            "ops",
            ["connect", "send_text", "receive_from", "disconnect"],
            "error",
        )
        for message in ({"type": "websocket.send", "bytes": b"y" * (1 << 20)}, {"type": "nope"})
    ]
    + [
        Example(
            "lifespan",
            [Receive(), Send({"type": "lifespan.startup.complete"}), Receive(), Raise("error")],
            "on",
            [],
            "error",
        ),
    ]
)

ROUNDS = 2
# Generous, yet a leak of one app closure per example (about 9 KiB: what the application
# cache leaked before it was fixed) over ROUNDS * len(EXAMPLES) * 2 runs is well above it.
ALLOWED_GROWTH = 512 * 1024


def run_round() -> None:
    for example in EXAMPLES:
        for backend in BACKENDS:
            check_outcome(example, run_example(example, backend))


def test_memory_returns_to_baseline_after_misbehaving_apps() -> None:
    tracemalloc.start()
    try:
        run_round()  # warm-up: caches, imports, interned strings
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(ROUNDS):
            run_round()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    growth = after - baseline
    assert growth < ALLOWED_GROWTH, (
        f"memory grew by {growth / 1024:.0f} KiB over {ROUNDS} rounds of "
        f"{len(EXAMPLES) * len(BACKENDS)} examples"
    )
