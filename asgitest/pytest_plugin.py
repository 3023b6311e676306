"""asgitest's pytest plugin (entry point ``pytest11``: ``asgitest``).

Options (ini / command line / environment), the ``asgi`` marker, the ``asgi_*`` fixtures, the
"asgitest transcript" section of failure reports, and the check that no application instance
outlives its test.

Every fixture is synchronous and hands out objects the test enters with ``async with`` (or
awaits, on asyncio), so the same fixtures serve pytest-asyncio (strict or auto mode), anyio's
plugin on asyncio and on trio, and pytest-xdist workers.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
import warnings
import weakref
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import pytest

from . import _config, _engine
from ._config import (
    DEFAULT,
    DEFAULT_TIMEOUT,
    TIMEOUT_FACTOR_ENV,
    Settings,
    parse_factor,
    parse_lifespan,
    parse_positive_int,
    parse_strict,
    parse_timeout,
    set_timeout_factor,
)
from ._engine import CANCELLED, RUNNING, Engine, describe_scope
from ._errors import LeakedAppWarning, UsageError
from ._live_fixtures import (  # noqa: F401  (fixtures are registered as module attributes)
    asgi_live_app,
    asgi_live_server,
    asgi_live_server_factory,
    asgi_live_server_session,
)
from ._testapp import TestApp

if TYPE_CHECKING:
    from ._communicator import ApplicationCommunicator
    from ._config import LifespanMode, Strictness
    from ._engine import Engine
    from ._http import HttpCommunicator
    from ._lifespan import LifespanCommunicator
    from ._websocket import WebsocketCommunicator

__all__ = [
    "AsgiConfig",
    "asgi_app",
    "asgi_config",
    "asgi_http_factory",
    "asgi_lifespan_communicator",
    "asgi_test_app",
    "asgi_websocket_factory",
]

# ---------------------------------------------------------------------------- help strings
# One help string per setting, shared by the ini option and the command-line flag.

APP_HELP: Final = (
    "The ASGI application under test, as an import string: 'package.module:attribute' or "
    "'package.module:factory()'."
)
APP_DIR_HELP: Final = "A directory to put first on sys.path before importing asgi_app."
TIMEOUT_HELP: Final = (
    f"Default timeout of every asgitest wait, in seconds ('none' waits forever). "
    f"Default: {DEFAULT_TIMEOUT}."
)
TIMEOUT_FACTOR_HELP: Final = (
    f"Multiply every asgitest timeout by this factor, for slow CI machines (also the "
    f"{TIMEOUT_FACTOR_ENV} environment variable). Default: 1."
)
STRICT_HELP: Final = (
    "ASGI spec checking of every message: on (the same as error), pedantic, warn or off. "
    "Default: on."
)
IGNORE_RULES_HELP: Final = (
    "Spec rule ids whose findings are waived, e.g. 'R82 R8' (space- or comma-separated): each "
    "is listed in the transcript as waived instead of failing the test. Default: none."
)
LIFESPAN_HELP: Final = (
    "Lifespan of asgi_test_app: auto (run it if the app supports it), on (required) or off. "
    "Default: auto."
)
TRANSCRIPT_LINES_HELP: Final = (
    "How many of the last messages of each communicator a failure report shows. Default: 50."
)

MARKER_HELP: Final = (
    "asgi(*, app=None, timeout=None, strict=None, ignore_rules=None, lifespan=None, "
    "allow_leaks=False): configure asgitest for this test, class or module (app: an ASGI app "
    "or an import string; ignore_rules: rule ids to waive, added to asgi_ignore_rules; "
    "allow_leaks: do not fail when an app started by an asgi_* fixture is still running at the "
    "end of the test)."
)

_MARKER_KWARGS: Final = ("app", "timeout", "strict", "ignore_rules", "lifespan", "allow_leaks")
DEFAULT_TRANSCRIPT_LINES: Final = 50
_REPORT_COMMUNICATORS: Final = 20  # transcripts per failure report
_COMPACT_AT: Final = 256
_KEEP_RECENT: Final = 64

_NO_APP: Final = """\
No ASGI application is configured for {nodeid}. Tell asgitest which app to test, in one of \
these ways (the first that applies wins):

    @pytest.mark.asgi(app="myproject.asgi:application")   # per test, class or module
    pytest --asgi-app=myproject.asgi:application           # command line
    asgi_app = "myproject.asgi:application"                # [tool.pytest.ini_options]

or define an `asgi_app` fixture in conftest.py that returns the app object."""

_LEAKED_IN_TEST: Final = """\
asgitest: {count} application instance{s} started by the test through asgitest fixtures \
{was} still running when the test ended, and {was} cancelled. Close each connection \
before the test returns: use `async with` (or `await communicator.disconnect()` / \
`await communicator.wait()`), or mark the test @pytest.mark.asgi(allow_leaks=True) if that \
is intended.

{details}"""

_LEAKED_IN_FIXTURE: Final = """\
asgitest: {count} application instance{s} made through asgitest fixtures {was} still running \
after the test's fixtures were torn down, and {was} cancelled. An async fixture that \
enters a communicator or asgi_test_app should leave it (`async with` around its `yield`). \
Mark the test @pytest.mark.asgi(allow_leaks=True) if that is intended.

{details}"""

_NOT_RUN_BY_A_PLUGIN: Final = """\
{name} uses asgitest fixtures, but no async plugin ran its {what}. asgitest's fixtures are \
synchronous and work under every runner; async tests and async fixtures need one:
{advice}"""


# ---------------------------------------------------------------------------- value parsing


def _parse_ignore_rules(value: Any, name: str, where: str) -> frozenset[str]:
    from ._spec import parse_rule_ids

    if isinstance(value, (list, tuple)):  # an ini linelist, one or more ids per line
        value = " ".join(str(item) for item in value)
    return parse_rule_ids(value, name, where)


# ---------------------------------------------------------------------------- configuration


@dataclasses.dataclass(frozen=True)
class AsgiConfig:
    """The resolved asgitest settings: options, then any ``asgi`` markers on top.

    The ``asgi_config`` fixture gives the session's settings (ini, command line,
    environment); :meth:`for_node` applies the ``asgi`` markers of a test, class or module,
    for fixtures with a wider scope than a function.

    Attributes:
        app: the app under test: an import string, an app object, or ``None``.
        app_dir: a directory put first on ``sys.path`` before importing ``app``.
        timeout: the default timeout of every wait, in seconds, before the factor.
        timeout_factor: what every timeout is multiplied by.
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        ignore_rules: the rule ids whose findings are waived.
        lifespan: the lifespan mode of ``asgi_test_app`` (``"auto"``, ``"on"``, ``"off"``).
        allow_leaks: whether an app still running at the end of the test is tolerated.
        transcript_lines: how many messages per communicator a failure report shows.
        sources: where each setting came from, for messages (``{"timeout": "pyproject.toml"}``).
    """

    app: Any = None
    app_dir: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    timeout_factor: float = 1.0
    strict: Strictness = "error"
    ignore_rules: frozenset[str] = frozenset()
    lifespan: LifespanMode = "auto"
    allow_leaks: bool = False
    transcript_lines: int = DEFAULT_TRANSCRIPT_LINES
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def for_node(self, node: pytest.Item | pytest.Collector) -> AsgiConfig:
        """These settings with the ``asgi`` markers of ``node`` and its parents applied
        (the closest marker that sets a keyword wins)."""
        given: dict[str, Any] = {}
        sources = dict(self.sources)
        for owner, mark in node.iter_markers_with_node("asgi"):
            where = f"the @pytest.mark.asgi marker on {owner.nodeid or owner.name}"
            for key, value in _validate_marker(mark, where).items():
                if key == "ignore_rules":
                    # Waivers add up: the ini file's, and those of every marker that applies.
                    given[key] = given.get(key, self.ignore_rules) | value
                    sources[key] = where
                elif key not in given:
                    given[key] = value
                    sources[key] = where
        if not given:
            return self
        return dataclasses.replace(self, sources=sources, **given)

    def settings(self) -> Settings:
        """The defaults these settings give every communicator made while they are active."""
        return Settings(self.timeout, self.strict, self.ignore_rules)

    def header(self) -> str:
        """The line pytest prints in its header."""
        app = self.app if isinstance(self.app, str) or self.app is None else repr(self.app)
        timeout = "none" if self.timeout is None else f"{self.timeout:g}s"
        if self.timeout_factor != 1:
            timeout += f" x{self.timeout_factor:g}"
            source = self.sources.get("timeout_factor")
            if source:
                timeout += f" ({source})"
        waived = (
            f", ignore_rules={' '.join(sorted(self.ignore_rules))}" if self.ignore_rules else ""
        )
        return (
            f"asgitest: app={app or '(not set)'}, timeout={timeout}, strict={self.strict}"
            f"{waived}, lifespan={self.lifespan}"
        )

    def make_test_app(self, app: Any, **kwargs: Any) -> TestApp:
        """A :class:`~asgitest.TestApp` for ``app`` with these settings (``kwargs`` override
        them): the recipe for a module- or session-scoped lifespan."""
        options: dict[str, Any] = {
            "timeout": self.timeout,
            "strict": self.strict,
            "ignore_rules": self.ignore_rules,
            "lifespan": self.lifespan,
        }
        options.update(kwargs)
        return TestApp(app, **options)


def _asgi(
    *,
    app: Any = DEFAULT,
    timeout: Any = DEFAULT,
    strict: Any = DEFAULT,
    ignore_rules: Any = DEFAULT,
    lifespan: Any = DEFAULT,
    allow_leaks: Any = DEFAULT,
) -> dict[str, Any]:
    given = {
        "app": app,
        "timeout": timeout,
        "strict": strict,
        "ignore_rules": ignore_rules,
        "lifespan": lifespan,
        "allow_leaks": allow_leaks,
    }
    return {key: value for key, value in given.items() if value is not DEFAULT}


_asgi.__name__ = _asgi.__qualname__ = "asgi"


def _validate_marker(mark: pytest.Mark, where: str) -> dict[str, Any]:
    """The keywords of one ``asgi`` marker, checked; TypeError/ValueError name the marker."""
    __tracebackhide__ = True
    if mark.args:
        raise TypeError(
            f"{where}: asgi() takes keyword arguments only, got {len(mark.args)} positional "
            f"argument{'s' if len(mark.args) != 1 else ''} {mark.args!r}. Write for example "
            "@pytest.mark.asgi(app=my_app, timeout=2)."
        )
    unknown = [key for key in mark.kwargs if key not in _MARKER_KWARGS]
    if unknown:
        # Our own words (not Python's TypeError text, which changes between versions).
        import difflib

        close = difflib.get_close_matches(unknown[0], _MARKER_KWARGS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TypeError(
            f"{where}: asgi() got an unexpected keyword argument {unknown[0]!r}.{hint} Valid "
            f"arguments: {', '.join(_MARKER_KWARGS)}."
        )
    given = _asgi(**mark.kwargs)
    result: dict[str, Any] = {}
    for key, value in given.items():
        if key == "app":
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValueError(f"{where}: app={value!r} is not an ASGI app or an import string.")
            result["app"] = value
        elif key == "timeout":
            result["timeout"] = parse_timeout(value, "timeout", f"from {where}")
        elif key == "strict":
            result["strict"] = parse_strict(value, "strict", f"from {where}")
        elif key == "ignore_rules":
            result["ignore_rules"] = _parse_ignore_rules(value, "ignore_rules", f"from {where}")
        elif key == "lifespan":
            result["lifespan"] = parse_lifespan(value, "lifespan", f"from {where}")
        elif key == "allow_leaks":
            if not isinstance(value, bool):
                raise ValueError(f"{where}: allow_leaks must be True or False, got {value!r}.")
            result["allow_leaks"] = value
    return result


_CONFIG_KEY: Final = pytest.StashKey[AsgiConfig]()
_APPS_KEY: Final = pytest.StashKey[dict[tuple[str, str | None], Any]]()
_REGISTRY_KEY: Final = pytest.StashKey["_Registry"]()
_PREVIOUS_SETTINGS_KEY: Final = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asgitest", "drive ASGI applications in-process")
    options = [
        ("asgi_app", APP_HELP, "IMPORT_STRING"),
        ("asgi_app_dir", APP_DIR_HELP, "DIR"),
        ("asgi_timeout", TIMEOUT_HELP, "SECONDS"),
        ("asgi_timeout_factor", TIMEOUT_FACTOR_HELP, "FACTOR"),
        ("asgi_strict", STRICT_HELP, "MODE"),
        ("asgi_ignore_rules", IGNORE_RULES_HELP, "RULES"),
        ("asgi_lifespan", LIFESPAN_HELP, "MODE"),
        ("asgi_transcript_lines", TRANSCRIPT_LINES_HELP, "N"),
    ]
    for name, help_text, metavar in options:
        group.addoption(
            "--" + name.replace("_", "-"), dest=name, default=None, metavar=metavar, help=help_text
        )
        parser.addini(name, help_text, default=None)


def _read(config: pytest.Config, name: str) -> tuple[Any, str | None]:
    """The value of an option and where it came from: the command line, then the ini file."""
    value = config.getoption(name, None)
    if value is not None:
        return value, f"the --{name.replace('_', '-')} option"
    value = config.getini(name)
    if value is not None and value != "":
        ini = config.inipath.name if config.inipath is not None else "the configuration"
        return value, f"{name} in {ini}"
    return None, None


def _resolve_config(config: pytest.Config) -> AsgiConfig:
    sources: dict[str, str] = {}
    values: dict[str, Any] = {}
    parsers: dict[str, Callable[[Any, str, str], Any]] = {
        "timeout": parse_timeout,
        "strict": parse_strict,
        "ignore_rules": _parse_ignore_rules,
        "lifespan": parse_lifespan,
        "transcript_lines": parse_positive_int,
    }
    try:
        for key in (
            "app",
            "app_dir",
            "timeout",
            "strict",
            "ignore_rules",
            "lifespan",
            "transcript_lines",
        ):
            name = f"asgi_{key}"
            raw, where = _read(config, name)
            if raw is None or where is None:
                continue
            sources[key] = where
            parser = parsers.get(key)
            values[key] = parser(raw, name, f"from {where}") if parser else str(raw).strip()
        # The factor: command line, then environment, then ini (the pytest-timeout order).
        raw = config.getoption("asgi_timeout_factor", None)
        origin: str | None = "the --asgi-timeout-factor option"
        if raw is None and os.environ.get(TIMEOUT_FACTOR_ENV):
            raw, origin = os.environ[TIMEOUT_FACTOR_ENV], TIMEOUT_FACTOR_ENV
        if raw is None:
            raw, origin = _read(config, "asgi_timeout_factor")
        if raw is not None and origin is not None:
            values["timeout_factor"] = parse_factor(raw, "asgi_timeout_factor", f"from {origin}")
            sources["timeout_factor"] = origin
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    app_dir = values.get("app_dir")
    if app_dir and not os.path.isabs(app_dir):
        from_ini = sources["app_dir"].startswith("asgi_app_dir in")
        base = config.inipath.parent if from_ini and config.inipath else None
        values["app_dir"] = str((base or config.invocation_params.dir) / app_dir)
    return AsgiConfig(sources=sources, **values)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    settings = _resolve_config(config)
    config.stash[_CONFIG_KEY] = settings
    config.stash[_APPS_KEY] = {}
    set_timeout_factor(settings.timeout_factor)
    # Every communicator made in this session takes its defaults from these settings (each
    # test's own, with its asgi markers, while it runs): fixture-made or built by the test.
    config.stash[_PREVIOUS_SETTINGS_KEY] = _config.activate(settings.settings())


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CONFIG_KEY in config.stash:
        set_timeout_factor(None)  # back to the environment variable's value
    previous = config.stash.get(_PREVIOUS_SETTINGS_KEY, None)
    if previous is not None:
        _config.activate(previous)


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(_CONFIG_KEY, None)
    return settings.header() if settings is not None else None


def _settings(node: pytest.Item | pytest.Collector) -> AsgiConfig:
    return node.config.stash[_CONFIG_KEY].for_node(node)


def _load(config: pytest.Config, settings: AsgiConfig, nodeid: str) -> Any:
    """The app object from the settings (imported once per session per import string)."""
    __tracebackhide__ = True
    app = settings.app
    if app is None:
        raise UsageError(_NO_APP.format(nodeid=nodeid))
    if not isinstance(app, str):
        from ._app import resolve_application

        resolve_application(app)  # the teaching InvalidApplication for a non-app
        return app
    cache = config.stash[_APPS_KEY]
    key = (app, settings.app_dir)
    if key not in cache:
        from ._loader import load_app

        cache[key] = load_app(app, app_dir=settings.app_dir, where=settings.sources.get("app"))
    return cache[key]


# ---------------------------------------------------------------------------- the registry


@dataclasses.dataclass(eq=False)
class _Tracked:
    # A fixture's engine is held; one a test built itself only weakly (a running app keeps its
    # engine alive through its task, so a dropped engine is a finished one): a test that makes
    # thousands of communicators does not keep them all in memory until it ends.
    _engine: Engine | weakref.ref[Engine]
    label: str
    fixture: bool
    phase: str = ""
    communicator: ApplicationCommunicator | None = None
    leaked: str = ""

    @property
    def engine(self) -> Engine | None:
        held = self._engine
        return held if isinstance(held, Engine) else held()


class _Registry:
    """Every application instance a test started, for the leak check and the report."""

    def __init__(self, settings: AsgiConfig) -> None:
        self.settings = settings
        self.phase = "setup"
        self.transcripts_shown = False
        self.call_failed = False  # the test body failed: leaks are then not reported too
        # Insertion-ordered; an engine a test built itself leaves it when it is collected.
        self._tracked: dict[int, _Tracked] = {}
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Tracked] = weakref.WeakKeyDictionary()
        # The most recent engines the test built itself, held for the failure report.
        self._recent: collections.deque[Engine] = collections.deque(maxlen=_REPORT_COMMUNICATORS)
        self._limit = _COMPACT_AT

    def on_start(self, engine: Engine) -> None:
        """The engine start hook: amortized O(1) per communicator."""
        tracked = self._by_engine.get(engine)
        if tracked is None:
            tracked = _Tracked(engine, "built by the test", fixture=False)
            tracked._engine = weakref.ref(engine, functools.partial(self._forget, id(tracked)))
            self._recent.append(engine)
            self._append(engine, tracked)
        tracked.phase = self.phase

    def add(self, communicator: ApplicationCommunicator, label: str) -> None:
        """A communicator handed out by a fixture (started or not)."""
        engine = communicator._engine
        tracked = self._by_engine.get(engine)
        if tracked is None:
            self._append(engine, _Tracked(engine, label, fixture=True, communicator=communicator))
        else:
            tracked._engine = engine
            tracked.label, tracked.fixture, tracked.communicator = label, True, communicator

    @property
    def tracked(self) -> list[_Tracked]:
        """What is tracked, oldest first."""
        return list(self._tracked.values())

    def _forget(self, key: int, ref: object) -> None:
        self._tracked.pop(key, None)

    def _append(self, engine: Engine, tracked: _Tracked) -> None:
        self._by_engine[engine] = tracked
        self._tracked[id(tracked)] = tracked
        if len(self._tracked) > self._limit:
            self._compact()

    def _compact(self) -> None:
        # A test that makes thousands of communicators (a benchmark, a load test) must not keep
        # every finished app and transcript alive: keep those that can still leak (running or
        # not started yet) and the most recent ones, for the report.
        tracked = self.tracked
        recent = tracked[-_KEEP_RECENT:]
        keep = []
        for item in tracked[:-_KEEP_RECENT]:
            engine = item.engine
            if engine is not None and (not item.phase or not engine.done):
                keep.append(item)
        self._tracked = {id(t): t for t in keep + recent if t.engine is not None}
        self._limit = max(_COMPACT_AT, 2 * len(self._tracked))

    def leaks(self, phases: tuple[str, ...], fixture_only: bool = False) -> list[_Tracked]:
        """Instances started in ``phases`` that are still running, or that something other
        than asgitest cancelled (an event loop closing under them); they are cancelled."""
        found = []
        for tracked in self.tracked:
            engine = tracked.engine
            if engine is None or tracked.leaked or tracked.phase not in phases:
                continue
            if fixture_only and not tracked.fixture:
                continue
            if engine.input_closed is not None and not tracked.fixture:
                # A communicator the test built itself whose connection is over (response
                # complete, client disconnected, socket closed): the app was told so and was
                # only winding down (Django's handler after a channels-style get_response()).
                # Not a leak; a fixture's busy app still is one.
                if engine.state == RUNNING:
                    engine.cancel()
                continue
            trio_app = engine.backend == "trio"
            if engine.state == RUNNING:
                engine.cancel()
                tracked.leaked = "still running; asgitest cancelled it"
            elif engine.state == CANCELLED and engine.cancelled_from_outside and not trio_app:
                # (Under trio the app runs in the communicator's nursery, inside the test's own
                # cancel scopes: an outside cancellation there is the test's doing, not a leak.)
                tracked.leaked = "still running; the event loop cancelled it as it closed"
            else:
                continue
            found.append(tracked)
        return found

    def render(self, lines: int, only: list[_Tracked] | None = None) -> str:
        """The transcripts, for the report section (the last few communicators)."""
        parts = []
        started = [t for t in (only if only is not None else self.tracked) if t.phase and t.engine]
        if len(started) > _REPORT_COMMUNICATORS:
            hidden = len(started) - _REPORT_COMMUNICATORS
            parts.append(f"... {hidden} earlier communicator{'s' if hidden != 1 else ''} not shown")
            started = started[-_REPORT_COMMUNICATORS:]
        for tracked in started:
            engine = tracked.engine
            if engine is None:
                continue
            transcript = engine.transcript
            state = tracked.leaked or engine.state
            count = transcript.total
            shown = (
                f"{count} message{'s' if count != 1 else ''}"
                if count <= lines
                else f"last {lines} of {count} messages"
            )
            parts.append(
                f"{describe_scope(engine.scope)} ({tracked.label}) [{state}], {shown}:\n"
                f"{transcript.render(last=lines)}"
            )
        return "\n\n".join(parts)


def _describe_leaks(leaks: list[_Tracked], lines: int, registry: _Registry) -> str:
    details = []
    for tracked in leaks:
        full = tracked.engine.scope if tracked.engine is not None else {}
        scope = {k: v for k, v in full.items() if k != "state"}
        details.append(f"{describe_scope(full)} ({tracked.label}): scope {scope!r}")
    return "\n".join(details) + "\n\n" + registry.render(lines, only=leaks)


def _plural(template: str, leaks: list[_Tracked], registry: _Registry) -> str:
    many = len(leaks) != 1
    return template.format(
        count=len(leaks),
        s="s" if many else "",
        was="were" if many else "was",
        details=_describe_leaks(leaks, registry.settings.transcript_lines, registry),
    )


@pytest.fixture(autouse=True)
def _asgitest_registry(request: pytest.FixtureRequest) -> Iterator[_Registry]:
    """Internal: tracks the application instances a test starts (fixture-made or its own)."""
    settings = _settings(request.node)  # also validates the test's asgi markers
    registry = _Registry(settings)
    request.node.stash[_REGISTRY_KEY] = registry
    previous = _engine.start_hook
    _engine.start_hook = registry.on_start
    previous_settings = _config.activate(settings.settings())
    try:
        yield registry
    finally:
        _engine.start_hook = previous
        _config.activate(previous_settings)
    leaks = registry.leaks(("setup", "call", "teardown"))  # (cancels what still runs)
    if not leaks:
        return
    if settings.allow_leaks or registry.call_failed:
        # A test that failed (an assertion, pytest-timeout killing it mid-wait) left its
        # communicators open as a matter of course: its failure is the report, not a leak.
        return
    for tracked in leaks:
        if not tracked.fixture:
            _warn_own(tracked)
    mine = [tracked for tracked in leaks if tracked.fixture]
    if mine:
        registry.transcripts_shown = True
        pytest.fail(_plural(_LEAKED_IN_FIXTURE, mine, registry), pytrace=False)


def _scope_of(tracked: _Tracked) -> str:
    engine = tracked.engine
    return describe_scope(engine.scope) if engine is not None else "(a finished app)"


def _warn_own(tracked: _Tracked) -> None:
    warnings.warn(
        f"asgitest: the app of {_scope_of(tracked)}, built by the test "
        f"itself, was {tracked.leaked}. Disconnect it, or use `async with`.",
        LeakedAppWarning,
        stacklevel=2,
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    registry = item.stash.get(_REGISTRY_KEY, None)
    if registry is None:
        return (yield)
    registry.phase = "call"
    failed = True
    try:
        result = yield
        failed = False
        return result
    finally:
        registry.phase = "teardown"
        registry.call_failed = failed
        # Only what our fixtures handed out and the test body started: a communicator the
        # test built itself may legitimately be closed by one of its own fixtures' teardown,
        # so those are checked after teardown (and only warned about).
        mine = registry.leaks(("call",), fixture_only=True)
        if mine and not failed and not registry.settings.allow_leaks:
            registry.transcripts_shown = True  # in the failure message: no report section
            pytest.fail(_plural(_LEAKED_IN_TEST, mine, registry), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    excinfo = call.excinfo
    if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
        registry = item.stash.get(_REGISTRY_KEY, None)
        if registry is not None and not registry.transcripts_shown:
            text = registry.render(registry.settings.transcript_lines)
            if text:
                item.add_report_section(call.when, "asgitest transcript", text)
        text = str(excinfo.value)
        if "not natively supported" in text or "requested an async fixture" in text:
            hint = _runner_hint(item, fixture="requested an async fixture" in text)
            if hint:
                item.add_report_section(call.when, "asgitest", hint)
    return (yield)


def _runner_hint(item: pytest.Item, fixture: bool = False) -> str | None:
    names = getattr(item, "fixturenames", ())
    if not any(name.startswith("asgi_") for name in names):
        return None
    plugins = item.config.pluginmanager
    advice = []
    if plugins.has_plugin("asyncio"):
        mode = item.config.getini("asyncio_mode")
        if fixture:
            advice.append(
                f"- pytest-asyncio is active in {mode} mode: decorate the async fixture with "
                "@pytest_asyncio.fixture (and mark the test @pytest.mark.asyncio)."
            )
        else:
            advice.append(
                f"- pytest-asyncio is active in {mode} mode: mark the test "
                "@pytest.mark.asyncio (or set asyncio_mode = auto)."
            )
    if plugins.has_plugin("anyio"):
        advice.append(
            "- anyio's plugin is active: mark the test @pytest.mark.anyio (it runs on the "
            "backends of the anyio_backend fixture, and runs async fixtures only for such "
            "tests; trio needs `async with` communicators)."
        )
    if not advice:
        advice.append(
            "- no async plugin is active: anyio's comes with anyio (enable it with -p anyio and "
            "mark the test @pytest.mark.anyio), or install pytest-asyncio."
        )
    what = "async fixture" if fixture else "`async def` test function"
    return _NOT_RUN_BY_A_PLUGIN.format(name=item.name, what=what, advice="\n".join(advice))


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> Any:
    try:
        from ._assertions import (  # type: ignore[import-not-found,attr-defined,unused-ignore]
            assertrepr_compare,
        )
    except ImportError:
        return None
    return assertrepr_compare(op, left, right)


# ---------------------------------------------------------------------------- fixtures


class _FixtureTestApp(TestApp):
    """The ``asgi_test_app`` object: a TestApp whose communicators are tracked."""

    __test__ = False

    def __init__(self, app: Any, registry: _Registry, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._registry = registry
        self._label = "asgi_test_app"

    def _track(self, communicator: Any) -> Any:
        self._registry.add(communicator, self._label)
        return super()._track(communicator)

    async def startup(self) -> None:
        __tracebackhide__ = True
        try:
            await super().startup()
        finally:
            lifespan = self.lifespan
            if lifespan is not None:
                self._registry.add(lifespan, "asgi_test_app lifespan")


@pytest.fixture(scope="session")
def asgi_config(pytestconfig: pytest.Config) -> AsgiConfig:
    """The session's asgitest settings (ini, command line, environment).

    Markers are applied per test by the other fixtures; ``asgi_config.for_node(request.node)``
    applies them for a fixture of any scope.
    """
    return pytestconfig.stash[_CONFIG_KEY]


@pytest.fixture
def asgi_app(request: pytest.FixtureRequest) -> Any:
    """The application under test, from the ``asgi`` marker's ``app=``, ``--asgi-app`` or the
    ``asgi_app`` ini option. Define an ``asgi_app`` fixture in conftest.py to replace it."""
    __tracebackhide__ = True
    return _load(request.config, _settings(request.node), request.node.nodeid)


@pytest.fixture
def asgi_test_app(asgi_app: Any, _asgitest_registry: _Registry) -> TestApp:
    """A :class:`~asgitest.TestApp` for ``asgi_app`` with the configured timeout, strictness
    and lifespan mode. Enter it with ``async with asgi_test_app:`` to run the lifespan around
    the block; every communicator it makes is tracked and checked at the end of the test."""
    settings = _asgitest_registry.settings
    return _FixtureTestApp(
        asgi_app,
        _asgitest_registry,
        timeout=settings.timeout,
        strict=settings.strict,
        lifespan=settings.lifespan,
    )


@pytest.fixture
def asgi_http_factory(
    asgi_test_app: TestApp, _asgitest_registry: _Registry
) -> Callable[..., HttpCommunicator]:
    """Makes :class:`~asgitest.HttpCommunicator` s for ``asgi_app``:
    ``asgi_http_factory("GET", "/path", body=b"", headers=None, **options)``.

    When ``asgi_test_app``'s lifespan runs, each scope carries a copy of its state.
    """

    def make(
        method: str = "GET", path: str = "/", body: bytes = b"", headers: Any = None, **kwargs: Any
    ) -> HttpCommunicator:
        communicator = asgi_test_app.http(method, path, body, headers, **kwargs)
        _asgitest_registry.add(communicator, "asgi_http_factory")
        return communicator

    return make


@pytest.fixture
def asgi_websocket_factory(
    asgi_test_app: TestApp, _asgitest_registry: _Registry
) -> Callable[..., WebsocketCommunicator]:
    """Makes :class:`~asgitest.WebsocketCommunicator` s for ``asgi_app``:
    ``asgi_websocket_factory("/ws/", headers=None, subprotocols=None, **options)``."""

    def make(
        path: str = "/", headers: Any = None, subprotocols: Any = None, **kwargs: Any
    ) -> WebsocketCommunicator:
        communicator = asgi_test_app.websocket(path, headers, subprotocols, **kwargs)
        _asgitest_registry.add(communicator, "asgi_websocket_factory")
        return communicator

    return make


@pytest.fixture
def asgi_lifespan_communicator(
    asgi_test_app: TestApp, _asgitest_registry: _Registry
) -> LifespanCommunicator:
    """A :class:`~asgitest.LifespanCommunicator` for ``asgi_app``, not started yet:
    ``async with asgi_lifespan_communicator as lifespan: ...``."""
    communicator = asgi_test_app.lifespan_communicator()
    _asgitest_registry.add(communicator, "asgi_lifespan_communicator")
    return communicator
