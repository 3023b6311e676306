"""Waiving one rule: a finding that lives in a framework you cannot fix.

Run by pytest (``*_example.py``); the rules reference includes the marked sections.
"""

from __future__ import annotations

import asyncio

import pytest

from asgitest import HttpCommunicator, ProtocolError

pytest.importorskip("starlette")

# --8<-- [start:app]
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def homepage(request):
    return PlainTextResponse("hello")


app = Starlette(routes=[Route("/", homepage, methods=["GET", "HEAD"])])
# --8<-- [end:app]


def test_starlette_breaks_two_pedantic_rules() -> None:
    async def main(ignore: list[str]) -> None:
        async with HttpCommunicator(
            app, "HEAD", "/", strict="pedantic", ignore_rules=ignore
        ) as communicator:
            await communicator.get_response()

    with pytest.raises(ProtocolError) as info:
        asyncio.run(main([]))
    assert info.value.rule_id == "R8"  # header pairs sent as tuples
    with pytest.raises(ProtocolError) as info:
        asyncio.run(main(["R8"]))
    assert info.value.rule_id == "R51"  # a body for a HEAD request


def test_the_waiver() -> None:
    async def main() -> None:
        # --8<-- [start:waiver]
        async with HttpCommunicator(
            app, "HEAD", "/", strict="pedantic", ignore_rules=["R8", "R51"]
        ) as communicator:
            response = await communicator.get_response()
        assert response.status == 200
        # The findings are still in the transcript, marked as waived:
        transcript = communicator.transcript.render()
        assert "^ R8 waived (pedantic)" in transcript
        assert "^ R51 waived (pedantic)" in transcript
        # --8<-- [end:waiver]

    asyncio.run(main())
