"""The plugin's pytest hooks: configuration and the header, the per-test registry (an
autouse fixture) with its leak check, the transcript section of failure reports, and the
assertion rendering of patterns."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from .. import _config, _masking
from .._config import set_timeout_factor
from .._core import watch_starts
from ._registry import Registry, plural, warn_own
from ._settings import (
    APPS_KEY,
    CONFIG_KEY,
    LEAKED_IN_FIXTURE,
    LEAKED_IN_TEST,
    MARKER_HELP,
    NOT_RUN_BY_A_PLUGIN,
    PREVIOUS_MASKED_KEY,
    PREVIOUS_SETTINGS_KEY,
    REGISTRY_KEY,
    add_options,
    masked_headers,
    resolve_config,
    settings_of,
)

__all__ = [
    "asgitest_registry",
    "pytest_addoption",
    "pytest_assertrepr_compare",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "pytest_unconfigure",
]

__tracebackhide__ = True


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    settings = resolve_config(config)
    config.stash[CONFIG_KEY] = settings
    config.stash[APPS_KEY] = {}
    set_timeout_factor(settings.timeout_factor)
    # Every communicator made in this session takes its defaults from these settings (each
    # test's own, with its asgi markers, while it runs): fixture-made or built by the test.
    config.stash[PREVIOUS_SETTINGS_KEY] = _config.activate(settings.settings())
    config.stash[PREVIOUS_MASKED_KEY] = _masking.configure(masked_headers(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    if CONFIG_KEY in config.stash:
        set_timeout_factor(None)  # back to the environment variable's value
    previous = config.stash.get(PREVIOUS_SETTINGS_KEY, None)
    if previous is not None:
        _config.activate(previous)
    masked = config.stash.get(PREVIOUS_MASKED_KEY, None)
    if masked is not None:
        _masking.configure(masked)


def pytest_report_header(config: pytest.Config) -> str | None:
    settings = config.stash.get(CONFIG_KEY, None)
    if settings is None:
        return None
    if _masking.showing_secrets():  # so that a CI log says why it shows credentials
        shown = f"asgitest: {_masking.SHOW_SECRETS_ENV}=1: credential headers are shown in full"
        return f"{settings.header()}\n{shown}"
    return settings.header()


@pytest.fixture(autouse=True, name="_asgitest_registry")
def asgitest_registry(request: pytest.FixtureRequest) -> Iterator[Registry]:
    """Internal: tracks the application instances a test starts (fixture-made or its own)."""
    settings = settings_of(request.node)  # also validates the test's asgi markers
    registry = Registry(settings)
    request.node.stash[REGISTRY_KEY] = registry
    unwatch = watch_starts(registry.on_start)
    previous_settings = _config.activate(settings.settings())
    try:
        yield registry
    finally:
        unwatch()
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
            warn_own(tracked)
    mine = [tracked for tracked in leaks if tracked.fixture]
    if mine:
        registry.transcripts_shown = True
        pytest.fail(plural(LEAKED_IN_FIXTURE, mine, registry), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    registry = item.stash.get(REGISTRY_KEY, None)
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
            pytest.fail(plural(LEAKED_IN_TEST, mine, registry), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    excinfo = call.excinfo
    if excinfo is not None and not excinfo.errisinstance(pytest.skip.Exception):
        registry = item.stash.get(REGISTRY_KEY, None)
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
    return NOT_RUN_BY_A_PLUGIN.format(name=item.name, what=what, advice="\n".join(advice))


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> Any:
    from .._assertions import assertrepr_compare  # (imported when pytest compares, not before)

    return assertrepr_compare(op, left, right)
