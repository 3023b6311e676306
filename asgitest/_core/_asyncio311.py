"""Python 3.11's inline first step: the only file that leans on asyncio internals.

Python 3.12 starts a task eagerly (its first step runs as the task is made); 3.11 cannot. So on
3.11 the engine runs the app's first step itself, as the app's task (``current_task()`` is the
app's, as anyio's cancel scopes need) and in its context, and keeps doing so for each input
the test queues until the task first runs. A connect, some messages and a disconnect with no
other wait in between then take no event-loop iteration.

The internals it uses: ``asyncio.tasks._enter_task`` / ``_leave_task`` / ``_current_tasks``,
and, on asyncio's own loop only, the loop's ``_ready`` queue and a handle's ``_callback``, to
find the task's pending first step. On other loops (uvloop) and with a task factory only the
first step is taken inline, and the task's own first step carries on; that path is as correct,
only without the later shortcuts.

Checked on Python 3.11.7, on asyncio's loop and uvloop 0.21+. Delete this file (and the
import in ``_asyncio.start_task`` and ``_engine``) when Python 3.11 support ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import types
from asyncio.tasks import _enter_task, _leave_task
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from ._asyncio import app_raised, running_tasks

if TYPE_CHECKING:
    from ._base import AppRun

__all__ = ["step_app_inline", "step_now"]

__tracebackhide__ = True

_current_tasks: Final[dict[Any, Any]] = asyncio.tasks._current_tasks  # type: ignore[attr-defined]
_BASE_CREATE_TASK: Final = asyncio.BaseEventLoop.create_task
_ENDED: Final = frozenset(("finished", "crashed", "cancelled"))


def step_now(engine: AppRun, loop: asyncio.AbstractEventLoop, coro: Any) -> asyncio.Task[Any]:
    """Make the app's task, then run the app's first step now, as that task and in its
    context. The task's own first step, one loop iteration later, carries on."""
    context = engine.app_context
    if context is None:
        context = contextvars.Context()
    driver = _drive(engine, coro)
    if type(loop).create_task is _BASE_CREATE_TASK:
        # What BaseEventLoop.create_task does when there is no task factory, minus a call.
        task: asyncio.Task[Any] = asyncio.Task(driver, loop=loop, context=context)
    else:
        task = loop.create_task(driver, context=context)
    engine._task = task
    # Held from now on: an app that ends inside this step takes its task out of the set as it
    # ends (before, on uvloop, such a task stayed in it forever).
    running_tasks.add(task)
    # The task's first step, which the task scheduled as it was made (asyncio's own loop keeps
    # it in ``_ready``; other loops are left alone).
    ready = getattr(loop, "_ready", None)
    step = ready[-1] if type(ready) is deque and ready else None
    if isinstance(step, asyncio.Handle) and (
        getattr(getattr(step, "_callback", None), "__self__", None) is task
    ):
        engine._inline = step
        engine._context = context
    _step(engine, loop, task, driver, context)
    return task


def _step(
    engine: AppRun,
    loop: asyncio.AbstractEventLoop,
    task: asyncio.Task[Any],
    driver: Generator[Any, Any, Any],
    context: contextvars.Context,
) -> None:
    """Run one step of the app now, as its own task and in its context (only until the task
    has taken its own first step: the driver hands back what the app yields, which the task
    then waits on when it first runs)."""
    current = _current_tasks.get(loop)
    if current is not None:
        _leave_task(loop, current)
    _enter_task(loop, task)
    engine._stepping = True
    try:
        context.run(driver.send, None)
    finally:
        engine._stepping = False
        _leave_task(loop, task)
        if current is not None:
            _enter_task(loop, current)
    step = engine._inline
    if step is not None and engine.state in _ENDED:
        # The app ended before its task ever ran (an HTTP app answering a queued request, a
        # WebSocket app returning on the disconnect): end the task now, as an eager start
        # does, rather than leave a step behind for each connection. The engine holds the
        # outcome; the task only needs to be done.
        engine._inline = engine._context = None
        step.cancel()
        driver.close()
        if engine.state == "cancelled":
            asyncio.Future.cancel(task)
        else:
            asyncio.Future.set_result(task, None)


def step_app_inline(engine: AppRun) -> bool:
    """If the app was woken and its task has not run yet, take the app's step now; ``True``
    if it was taken. A test that queues input and then waits thus finds the answer without an
    event-loop iteration, as far as the app answers at once."""
    context = engine._context
    if engine._inline is None or context is None or not engine._app_is_due():
        return False
    task = engine._task
    clock = engine._clock
    if task is None or task.cancelling() or clock is None:
        return False
    _step(engine, clock.loop, task, task.get_coro(), context)
    return True


@types.coroutine
def _drive(engine: AppRun, coro: Any) -> Generator[Any, Any, Any]:
    """The app's task, whose first step :func:`step_now` runs at once (as ``run_app``, but a
    generator: it can hand the task what the app yielded).

    The first ``send`` comes from :func:`step_now`, as the app's task and in its context. What
    the app yielded then (a future it waits on, or ``None`` for a bare yield) goes back to
    :func:`step_now`, which ignores it. The task's own first step arrives next: a future that
    is not done yet is yielded again, now to the task, which waits on it as usual. From the
    moment the app may resume, the app is delegated to with ``yield from`` (no Python code
    between the task and the app per step).
    """
    __tracebackhide__ = True
    try:
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            result = stop.value
        else:
            while True:
                try:
                    yield yielded
                except GeneratorExit:
                    coro.close()
                    raise
                except BaseException as thrown:  # from the task: a cancel, a bad yield
                    engine._inline = engine._context = None
                    try:
                        yielded = coro.throw(thrown)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    continue  # (whatever the app yields now goes to the task first)
                if engine._stepping:
                    # Resumed by step_app_inline(), before the task first ran: if the future
                    # the app waits on is done, take the app's next step and hand back what
                    # it yields (else hand back the same, as if not resumed).
                    if not (asyncio.isfuture(yielded) and yielded.done()):
                        continue
                    try:
                        yielded = coro.send(None)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    continue
                engine._inline = engine._context = None  # the task has taken over
                if yielded is None or not asyncio.isfuture(yielded) or yielded.done():
                    result = yield from coro
                    break
    except BaseException as exc:
        app_raised(engine, exc, sys._getframe())
        if engine._stepping:
            yield  # end in the task's own first step, not inside start()
        raise
    finally:
        task = engine._task
        if task is not None:
            running_tasks.discard(task)
    engine._finish(None)
    if engine._stepping:
        yield  # end in the task's own first step, not inside start()
    return result
