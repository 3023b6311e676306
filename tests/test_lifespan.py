"""LifespanCommunicator against raw ASGI apps, on asyncio and trio."""

from __future__ import annotations

import pytest

from asgitest import (
    LifespanCommunicator,
    LifespanFailed,
    LifespanShutdownFailed,
    LifespanStartupFailed,
    ProtocolError,
    Timeout,
    UnexpectedMessage,
    UsageError,
)

pytestmark = pytest.mark.anyio


# ---------------------------------------------------------------------- apps


def make_lifespan_app(events: list[str]):
    """A well-behaved lifespan app that stores state and records what happened."""

    async def app(scope, receive, send):
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                scope["state"]["db"] = "connected"
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                events.append("returned")
                return

    return app


async def startup_failed_app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "db down"})


async def shutdown_failed_app(scope, receive, send):
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.failed", "message": "flush failed"})


async def raises_in_startup(scope, receive, send):
    await receive()
    raise RuntimeError("cannot reach the database")


async def no_lifespan_app(scope, receive, send):
    # What Django's ASGIHandler does with any scope but "http".
    if scope["type"] != "http":
        raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")


async def returns_on_lifespan(scope, receive, send):
    if scope["type"] == "lifespan":
        return


async def hangs_in_startup(scope, receive, send):
    await receive()
    while True:  # never completes startup
        await receive()


async def wrong_reply(scope, receive, send):
    await receive()
    await send({"type": "lifespan.shutdown.complete"})


# ---------------------------------------------------------------------- tests


class TestStartupAndShutdown:
    async def test_async_with_runs_startup_then_shutdown_and_the_app_returns(self):
        events: list[str] = []
        async with LifespanCommunicator(make_lifespan_app(events)) as lifespan:
            assert events == ["lifespan.startup"]
            assert lifespan.supported is True
            assert lifespan.state == {"db": "connected"}
        assert events == ["lifespan.startup", "lifespan.shutdown", "returned"]
        assert lifespan._engine.state == "finished"

    async def test_scope_is_spec_valid_and_state_is_the_same_object(self):
        state = {"preset": 1}
        lifespan = LifespanCommunicator(make_lifespan_app([]), state=state)
        assert lifespan.scope == {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": state,
        }
        assert lifespan.scope["state"] is state is lifespan.state
        async with lifespan:
            assert state == {"preset": 1, "db": "connected"}

    async def test_manual_startup_and_shutdown(self):
        events: list[str] = []
        async with LifespanCommunicator(make_lifespan_app(events)) as lifespan:
            await lifespan.shutdown()  # by hand, inside the block
            assert events[-1] == "returned"
            await lifespan.shutdown()  # a second call does nothing
        assert events.count("lifespan.shutdown") == 1

    async def test_shutdown_runs_when_the_body_raises(self):
        events: list[str] = []
        with pytest.raises(KeyError):
            async with LifespanCommunicator(make_lifespan_app(events)):
                raise KeyError("the test failed")
        assert events[-2:] == ["lifespan.shutdown", "returned"]

    async def test_transcript_records_the_conversation(self):
        async with LifespanCommunicator(make_lifespan_app([])) as lifespan:
            pass
        assert [m["type"] for m in lifespan.transcript.messages()] == [
            "lifespan.startup",
            "lifespan.startup.complete",
            "lifespan.shutdown",
            "lifespan.shutdown.complete",
        ]

    async def test_startup_twice_is_a_usage_error(self):
        async with LifespanCommunicator(make_lifespan_app([])) as lifespan:
            with pytest.raises(UsageError, match="already called"):
                await lifespan.startup()

    async def test_app_that_does_not_return_after_shutdown_is_stopped(self):
        async def lingering(scope, receive, send):
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            while True:
                await receive()

        async with LifespanCommunicator(lingering, timeout=0.05) as lifespan:
            pass
        assert lifespan._engine.state == "cancelled"


class TestFailures:
    async def test_startup_failed_raises_with_the_apps_message(self):
        with pytest.raises(LifespanStartupFailed) as info:
            async with LifespanCommunicator(startup_failed_app):
                pytest.fail("the body must not run")
        error = info.value
        assert isinstance(error, LifespanFailed)
        assert error.message == "db down"
        assert "'db down'" in str(error)
        assert '"lifespan.startup.failed"' in str(error)
        assert error.transcript is not None
        assert any("lifespan.startup.failed" in note for note in error.__notes__)

    async def test_shutdown_failed_raises_with_the_apps_message(self):
        with pytest.raises(LifespanShutdownFailed) as info:
            async with LifespanCommunicator(shutdown_failed_app):
                pass
        assert info.value.message == "flush failed"
        assert "'flush failed'" in str(info.value)

    async def test_shutdown_failure_after_a_failing_body_is_a_note(self):
        with pytest.raises(KeyError) as info:
            async with LifespanCommunicator(shutdown_failed_app):
                raise KeyError("body")
        assert any("flush failed" in note for note in info.value.__notes__)

    async def test_exception_during_startup_surfaces_as_itself(self):
        with pytest.raises(RuntimeError, match="cannot reach the database") as info:
            async with LifespanCommunicator(raises_in_startup):
                pytest.fail("the body must not run")
        # a real failure, not "unsupported": the app had received lifespan.startup
        assert info.traceback[-1].name == "raises_in_startup"

    async def test_exception_during_startup_surfaces_in_auto_mode_too(self):
        lifespan = LifespanCommunicator(raises_in_startup, lifespan="auto")
        with pytest.raises(RuntimeError):
            async with lifespan:
                pass
        assert lifespan.supported is None

    async def test_hanging_startup_times_out_naming_the_awaited_message(self):
        lifespan = LifespanCommunicator(hangs_in_startup, timeout=0.05)
        with pytest.raises(Timeout) as info:
            async with lifespan:
                pytest.fail("the body must not run")
        text = str(info.value)
        assert 'waiting for "lifespan.startup.complete"' in text
        assert "blocked in receive()" in text
        assert info.value.awaited == '"lifespan.startup.complete"'
        assert any('lifespan="off"' in note for note in info.value.__notes__)  # the hint
        assert lifespan._engine.state == "cancelled"  # cleaned up, no leak

    @pytest.mark.parametrize("anyio_backend", ["asyncio"])  # manual use needs no nursery
    async def test_startup_and_shutdown_timeout_arguments_win(self):
        lifespan = LifespanCommunicator(hangs_in_startup, timeout=30)
        try:
            with pytest.raises(Timeout, match=r"after 0\.01s"):
                await lifespan.startup(timeout=0.01)
        finally:
            await lifespan.aclose()

    async def test_hanging_shutdown_times_out_and_the_app_is_stopped(self):
        async def hangs_in_shutdown(scope, receive, send):
            await receive()
            await send({"type": "lifespan.startup.complete"})
            while True:
                await receive()

        lifespan = LifespanCommunicator(hangs_in_shutdown, timeout=0.05)
        with pytest.raises(Timeout, match='waiting for "lifespan.shutdown.complete"'):
            async with lifespan:
                pass
        assert lifespan._engine.state == "cancelled"

    async def test_crash_while_running_surfaces_at_shutdown(self):
        async def crashes_after_startup(scope, receive, send):
            await receive()
            await send({"type": "lifespan.startup.complete"})
            raise OSError("background task died")

        with pytest.raises(OSError, match="background task died"):
            async with LifespanCommunicator(crashes_after_startup):
                pass

    async def test_wrong_reply_is_a_protocol_error_by_default(self):
        with pytest.raises(ProtocolError, match='R97.*"lifespan.shutdown.complete"') as info:
            async with LifespanCommunicator(wrong_reply):
                pass
        assert info.value.rule_id == "R97"

    async def test_wrong_reply_without_the_checker_is_an_unexpected_message(self):
        with pytest.raises(UnexpectedMessage, match='"lifespan.shutdown.complete"'):
            async with LifespanCommunicator(wrong_reply, strict="off"):
                pass


class TestModes:
    async def test_auto_carries_on_with_an_app_without_lifespan(self):
        lifespan = LifespanCommunicator(no_lifespan_app)
        async with lifespan:
            assert lifespan.supported is False
            assert isinstance(lifespan.unsupported_error, ValueError)
        # no shutdown was sent, and the app's ValueError was not re-raised
        assert [m["type"] for m in lifespan.transcript.messages()] == ["lifespan.startup"]

    async def test_auto_carries_on_with_an_app_that_returns_at_once(self):
        async with LifespanCommunicator(returns_on_lifespan) as lifespan:
            assert lifespan.supported is False

    async def test_on_mode_says_the_app_does_not_support_lifespan(self):
        with pytest.raises(LifespanStartupFailed) as info:
            async with LifespanCommunicator(no_lifespan_app, lifespan="on"):
                pytest.fail("the body must not run")
        text = str(info.value)
        assert "does not support the lifespan protocol" in text
        assert "ValueError: Django can only handle" in text
        assert isinstance(info.value.__cause__, ValueError)

    async def test_on_mode_rejects_an_app_that_returns_at_once(self):
        with pytest.raises(LifespanStartupFailed, match="or sent anything, it returned"):
            async with LifespanCommunicator(returns_on_lifespan, lifespan="on"):
                pytest.fail("the body must not run")

    async def test_off_mode_never_calls_the_app(self):
        calls: list[object] = []

        async def app(scope, receive, send):
            calls.append(scope)

        async with LifespanCommunicator(app, lifespan="off") as lifespan:
            assert lifespan.supported is False
        await lifespan.shutdown()
        assert calls == []

    def test_invalid_mode_is_rejected(self):
        with pytest.raises(ValueError, match="'maybe' is not a valid lifespan"):
            LifespanCommunicator(no_lifespan_app, lifespan="maybe")  # type: ignore[arg-type]
