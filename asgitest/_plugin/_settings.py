"""The plugin's settings: the ini options, command-line flags and environment variable, the
``asgi`` marker, and what they resolve to for a test (:class:`AsgiConfig`)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import pytest

from .._config import (
    DEFAULT,
    DEFAULT_TIMEOUT,
    TIMEOUT_FACTOR_ENV,
    Settings,
    parse_factor,
    parse_lifespan,
    parse_positive_int,
    parse_strict,
    parse_timeout,
)
from .._errors import UsageError
from .._masking import MASK_HEADERS_ENV, SHOW_SECRETS_ENV
from .._testapp import TestApp

if TYPE_CHECKING:
    from .._config import LifespanMode, Strictness

__all__ = [
    "AsgiConfig",
    "add_options",
    "load_app",
    "masked_headers",
    "resolve_config",
    "settings_of",
    "APPS_KEY",
    "CONFIG_KEY",
    "PREVIOUS_MASKED_KEY",
    "PREVIOUS_SETTINGS_KEY",
    "REGISTRY_KEY",
]

__tracebackhide__ = True

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
MASK_HEADERS_HELP: Final = (
    "More headers whose values reports mask, e.g. 'x-session-token' (space- or comma-separated), "
    "besides authorization, proxy-authorization, cookie, set-cookie and x-api-key (also the "
    f"{MASK_HEADERS_ENV} environment variable; {SHOW_SECRETS_ENV}=1 shows every value in full)."
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
REPORT_COMMUNICATORS: Final = 20  # transcripts per failure report
COMPACT_AT: Final = 256
KEEP_RECENT: Final = 64

NO_APP: Final = """\
No ASGI application is configured for {nodeid}. Tell asgitest which app to test, in one of \
these ways (the first that applies wins):

    @pytest.mark.asgi(app="myproject.asgi:application")   # per test, class or module
    pytest --asgi-app=myproject.asgi:application           # command line
    asgi_app = "myproject.asgi:application"                # [tool.pytest.ini_options]

or define an `asgi_app` fixture in conftest.py that returns the app object."""

LEAKED_IN_TEST: Final = """\
asgitest: {count} application instance{s} started by the test through asgitest fixtures \
{was} still running when the test ended, and {was} cancelled. Close each connection \
before the test returns: use `async with` (or `await communicator.disconnect()` / \
`await communicator.wait()`), or mark the test @pytest.mark.asgi(allow_leaks=True) if that \
is intended.

{details}"""

LEAKED_IN_FIXTURE: Final = """\
asgitest: {count} application instance{s} made through asgitest fixtures {was} still running \
after the test's fixtures were torn down, and {was} cancelled. An async fixture that \
enters a communicator or asgi_test_app should leave it (`async with` around its `yield`). \
Mark the test @pytest.mark.asgi(allow_leaks=True) if that is intended.

{details}"""

NOT_RUN_BY_A_PLUGIN: Final = """\
{name} uses asgitest fixtures, but no async plugin ran its {what}. asgitest's fixtures are \
synchronous and work under every runner; async tests and async fixtures need one:
{advice}"""


# ---------------------------------------------------------------------------- value parsing


def _parse_ignore_rules(value: Any, name: str, where: str) -> frozenset[str]:
    from .._spec import parse_rule_ids

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


CONFIG_KEY: Final = pytest.StashKey[AsgiConfig]()
APPS_KEY: Final = pytest.StashKey[dict[tuple[str, str | None], Any]]()
REGISTRY_KEY: Final = pytest.StashKey[Any]()  # the test's _registry.Registry
PREVIOUS_SETTINGS_KEY: Final = pytest.StashKey[Settings]()
PREVIOUS_MASKED_KEY: Final = pytest.StashKey[frozenset[bytes]]()


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


def resolve_config(config: pytest.Config) -> AsgiConfig:
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


def add_options(parser: pytest.Parser) -> None:
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
        ("asgi_mask_headers", MASK_HEADERS_HELP, "HEADERS"),
    ]
    for name, help_text, metavar in options:
        group.addoption(
            "--" + name.replace("_", "-"), dest=name, default=None, metavar=metavar, help=help_text
        )
        parser.addini(name, help_text, default=None)


def masked_headers(config: pytest.Config) -> frozenset[bytes]:
    """asgi_mask_headers from the command line and the ini file (both: masking only adds)."""
    from .. import _config

    try:
        _config.check_environment()
        names: frozenset[bytes] = frozenset()
        flag = config.getoption("asgi_mask_headers", None)
        if flag is not None:
            where = "from the --asgi-mask-headers option"
            names |= _config.parse_header_names(flag, "asgi_mask_headers", where)
        ini = config.getini("asgi_mask_headers")
        if ini:
            ini_file = config.inipath.name if config.inipath else "the configuration"
            where = f"from asgi_mask_headers in {ini_file}"
            names |= _config.parse_header_names(ini, "asgi_mask_headers", where)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    return names


def settings_of(node: pytest.Item | pytest.Collector) -> AsgiConfig:
    return node.config.stash[CONFIG_KEY].for_node(node)


def load_app(config: pytest.Config, settings: AsgiConfig, nodeid: str) -> Any:
    """The app object from the settings (imported once per session per import string)."""
    __tracebackhide__ = True
    app = settings.app
    if app is None:
        raise UsageError(NO_APP.format(nodeid=nodeid))
    if not isinstance(app, str):
        from .._app import resolve_application

        resolve_application(app)  # the teaching InvalidApplication for a non-app
        return app
    cache = config.stash[APPS_KEY]
    key = (app, settings.app_dir)
    if key not in cache:
        from .._loader import load_app as _load_app

        cache[key] = _load_app(app, app_dir=settings.app_dir, where=settings.sources.get("app"))
    return cache[key]
