"""The ``asgitest`` command: poke an ASGI app in-process, no server needed.

``asgitest request|websocket|lifespan|check APP ...`` (also ``python -m asgitest``). Exit
status: 0 when all went well, 1 when the app failed (an exception, a timeout, a refused
connection, spec violations found by ``check``), 2 for a usage error (a bad option, an import
string that does not resolve, an object that is not an ASGI app).

What this room is for, and what it may import
---------------------------------------------

Everything the command line does, and nothing the library needs: a user of asgitest's API
never imports it, and no module outside this package imports from it. It drives apps only
through the public layer below it: the communicators (``_http``, ``_websocket``,
``_lifespan``), the spec checker's findings (``_errors``), the settings (``_config``), the
loader, the transcript and the masking of credential headers (``_masking``: transcripts and
``--json`` are masked; a response the user asked for is printed whole). It has no protocol
logic of its own: what counts as a violation is the checker's, lifespan ``auto``/``on`` is
``LifespanCommunicator``'s.

- ``_parser``: the arguments, one function per command.
- ``_commands``: the four commands, the ``--timeout`` budget, lifespan around the work.
- ``_lifespan``: the lifespan as a server runs it, over ``LifespanCommunicator``.
- ``_probe``: the conformance probe behind ``asgitest check``.
- ``_output``: terminal output; renders any value an app may send without failing.
- ``_watchdog``: ends the process when the app blocks the event loop.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from .._config import check_environment
from .._errors import InvalidApplication, InvalidArgument, LeakedAppWarning, ProtocolWarning
from ._commands import EXIT_USAGE, Exit, Runner, load
from ._output import Output
from ._parser import build_parser
from ._watchdog import WATCHDOG_GRACE, Watchdog

__all__ = ["main"]


def _shows_pedantic(args: Any) -> bool:
    return bool(getattr(args, "pedantic", False)) or getattr(args, "strict", "") == "pedantic"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``asgitest`` command line and return its exit status.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
    """
    args = build_parser().parse_args(argv)
    output = Output(args.color, pedantic=_shows_pedantic(args))
    try:
        check_environment()  # a bad ASGITEST_SHOW_SECRETS: refused, not read as "mask"
    except InvalidArgument as error:
        output.error(str(error))
        return EXIT_USAGE
    watchdog = Watchdog(output, args.timeout + WATCHDOG_GRACE)
    try:
        app = load(args, output)
        runner = Runner(args, output, app, watchdog)
        command = getattr(runner, args.command)
    except Exit as stop:
        return stop.status

    import anyio

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        warning = message if isinstance(message, Warning) else category(message)
        output.warning(warning, category)

    async def run() -> int:
        async with anyio.create_task_group() as group:
            group.start_soon(watchdog.heartbeat)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("default")
                    warnings.simplefilter("always", ProtocolWarning)
                    warnings.simplefilter("always", LeakedAppWarning)
                    # Printed as they happen, so a finding stands next to what caused it.
                    warnings.showwarning = show
                    status: int = await command()
            except Exit as stop:
                status = stop.status
            finally:
                group.cancel_scope.cancel()
        return status

    watchdog.start()
    try:
        return anyio.run(run, backend=args.backend)
    except InvalidApplication as error:
        # e.g. the app's __call__ returned something that is not awaitable
        output.error(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        output.note("asgitest: interrupted", "dim")
        return 130
    finally:
        watchdog.stop()


def _entry() -> NoReturn:
    sys.exit(main())
