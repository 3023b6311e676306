"""The compatibility corpus: public projects whose test suites drive Channels consumers through
``channels.testing``, each pinned to a release tag, with the test dependencies of its venv.

Each entry says where the code comes from (``repo`` at ``tag``), what its suite exercises of
``channels.testing`` (``why``), how to run it (``runner`` and ``args``, relative to a temporary
copy of the checkout), and which files the import rewrite may touch (``rewrite``).
Dependencies are pinned to the versions the corpus was first run with; channels is the same
release (4.3.2) everywhere, so that the baseline is the ``channels.testing`` asgitest copies.
"""

from __future__ import annotations

import dataclasses

CHANNELS = "channels[daphne]==4.3.2"
DJANGO = "Django==5.2.19"
ASGIREF = "asgiref==3.13.0"
DAPHNE = "daphne==4.2.3"


@dataclasses.dataclass(frozen=True)
class Project:
    name: str
    repo: str
    tag: str
    why: str
    requirements: tuple[str, ...]
    runner: str = "pytest"  # "pytest" or "django" (manage.py test)
    args: tuple[str, ...] = ()
    # Paths of the copy put first on PYTHONPATH (the project is imported from its copy, so the
    # rewrite reaches helpers shipped inside the package, e.g. strawberry/channels/testing.py).
    pythonpath: tuple[str, ...] = (".",)
    # Directories (relative to the copy) whose .py files the rewrite may change.
    rewrite: tuple[str, ...] = (".",)
    env: tuple[tuple[str, str], ...] = ()
    python: str = "3.11"
    timeout: int = 1800  # seconds, for one whole run
    # Outcome differences that asgitest makes on purpose, with the reason.
    expected: tuple[tuple[str, str], ...] = ()
    # Rule violations of the project's own app that asgitest's default checker reports.
    spec_violations: tuple[tuple[str, str], ...] = ()

    @property
    def mirror_name(self) -> str:
        return self.repo.replace("/", "+")


PROJECTS: tuple[Project, ...] = (
    Project(
        name="channels",
        repo="django/channels",
        tag="4.3.2",
        why=(
            "channels' own suite (what scripts/channels-suite runs): every communicator helper, "
            "raw send_input/receive_output, wait() raising the app's error, CancelledError after "
            "a receive timeout, async django.test.TestCase methods with DB access."
        ),
        requirements=(
            CHANNELS,
            DJANGO,
            ASGIREF,
            DAPHNE,
            "async-timeout==5.0.1",
            "pytest==9.2.0",
            "pytest-asyncio==1.5.0",
            "pytest-django==4.14.0",
        ),
        # No Chrome here: the two Selenium tests need one (pass them back with -- ARGS).
        args=("--ignore=tests/sample_project/tests/test_selenium.py", "tests"),
        # channels/testing/ itself must stay channels': only its tests are rewritten.
        rewrite=("tests",),
        expected=(
            (
                "tests/test_testing.py::test_timeout_disconnect",
                "asgitest does not cancel the app on a receive timeout, so disconnect() after "
                "one does not raise CancelledError",
            ),
        ),
        spec_violations=(
            (
                "tests/test_database.py::ConnectionClosingTests::test_websocket",
                "R77: the consumer accepts a subprotocol the client never offered",
            ),
        ),
    ),
    Project(
        name="djangochannelsrestframework",
        repo="NilCoalescing/djangochannelsrestframework",
        tag="v1.3.0",
        why=(
            "tests/communicator.py subclasses WebsocketCommunicator: overrides receive_output "
            "with asgiref.timeout around self.output_queue.get() and self.future.done()/"
            "result(), calls super().connect(timeout) and super().disconnect(code, timeout) "
            "positionally, loops receive_json_from until asyncio.TimeoutError; the observer "
            "tests call async_to_sync(communicator.receive_nothing) from database_sync_to_async "
            "threads, and model observers broadcast through the in-memory layer to several "
            "communicators."
        ),
        requirements=(
            CHANNELS,
            DJANGO,
            ASGIREF,
            DAPHNE,
            "djangorestframework==3.16.1",
            "pytest==8.3.5",
            "pytest-asyncio==0.25.3",
            "pytest-django==4.10.0",
        ),
        args=("tests",),
        expected=(
            (
                "tests/test_model_observer.py::test_observer_model_instance_mixin",
                "order-dependent: it fails on channels.testing too when its file runs alone "
                "(see README); its outcome is not evidence about asgitest either way",
            ),
        ),
    ),
    Project(
        name="channels_graphql_ws",
        repo="datadvance/DjangoChannelsGraphqlWs",
        tag="v1.0.0rc7",
        why=(
            "channels_graphql_ws/testing.py wraps a WebsocketCommunicator in a GraphQL client "
            "transport: connect(timeout) positionally, receive_json_from(timeout) cancelled "
            "from outside by asyncio.wait_for every 0.1 s (assert_no_messages), raw "
            "receive_output() for the server's close, disconnect(timeout=...); subscriptions "
            "broadcast through the in-memory layer from consumer threads, concurrent clients."
        ),
        requirements=(
            CHANNELS,
            "Django==4.2.14",  # the project supports Django ^4 (its poetry.lock has 4.2.14)
            ASGIREF,
            DAPHNE,
            "graphene==3.3",
            "graphene-django==3.2.2",
            "graphql-core==3.2.3",
            "aiohttp==3.9.5",
            "msgpack==1.0.8",
            "pytest==8.2.2",
            "pytest-asyncio==0.23.8",
            "pytest-django==4.8.0",
        ),
        # The linters' test runs pylint/black/isort/mypy over the tree: not a Channels test.
        # Its ini adds --cov (pytest-cov is not installed): replaced by -v.
        # test_heavy_load and test_subscribe_and_many_unsubscribes call asyncio.wait() on bare
        # coroutines, which Python 3.11 refuses (TypeError), on channels.testing as well
        # (asgitest needs 3.11): left out, they cost 12 minutes of timeouts per run.
        args=(
            "-o",
            "addopts=-v",
            "--ignore=tests/test_linters.py",
            "-k",
            "not test_heavy_load and not test_subscribe_and_many_unsubscribes",
            "tests",
        ),
    ),
    Project(
        name="strawberry",
        repo="strawberry-graphql/strawberry",
        tag="0.324.0",
        why=(
            "strawberry/channels/testing.py ships GraphQLWebsocketCommunicator, a "
            "WebsocketCommunicator subclass that passes headers positionally and overrides "
            "__aenter__/__aexit__ (gql_init, disconnect); tests/http/clients/channels.py drives "
            "HttpCommunicator (GET/POST, multipart uploads) and a WebsocketCommunicator through "
            "raw receive_output(timeout=None) for the whole graphql-ws and graphql-transport-ws "
            "protocol suites (close codes and reasons, keep-alive pings)."
        ),
        requirements=(
            CHANNELS,
            DJANGO,
            ASGIREF,
            DAPHNE,
            "graphql-core==3.2.6",
            "typing-extensions>=4.14.0",
            "python-dateutil==2.9.0.post0",
            "packaging>=23",
            "cross-web==0.9.0",
            "urllib3>=2",
            "python-multipart>=0.0.7",
            "pytest==9.0.2",
            "pytest-asyncio==1.3.0",
            "pytest-django==4.11.1",
            "pytest-mock==3.15.1",
            "pytest-snapshot==0.9.0",
            "pytest-emoji==0.2.0",
            "inline-snapshot==0.31.1",
            "freezegun==1.5.5",
            "rich>=12.5.1",
        ),
        # strawberry's channels CI job: pytest -m channels (HTTP and WebSocket suites
        # parametrized over clients; only the Channels clients carry the mark).
        args=("-m", "channels", "tests/channels", "tests/http", "tests/websockets"),
        rewrite=("strawberry", "tests"),
    ),
    Project(
        name="channels_envelope",
        repo="VoteIT/channels_envelope",
        tag="1.1.0",
        why=(
            "envelope/testing.py subclasses WebsocketCommunicator (send_input of custom "
            "'internal.msg' events, receive_from(0.2) positionally) and drains after connect "
            "with `while output_queue.qsize(): await output_queue.get()`; tests call "
            "wait(0.1) on an app that does not end and then assert future.cancelled(); run by "
            "Django's own test runner (async TestCase methods through async_to_sync)."
        ),
        requirements=(
            CHANNELS,
            DJANGO,
            ASGIREF,
            DAPHNE,
            "django-rq==2.10.2",
            "rq==1.16.2",
            "pydantic==1.10.19",
            "async-signals==0.2.0",
            "fakeredis==2.26.1",
            "redis==5.2.1",  # redis 6+ sends HELLO, which fakeredis 2.26 refuses
        ),
        runner="django",
        args=("envelope",),
        expected=(
            (
                "envelope.app.user_channel.tests.test_signals.SubscribeSignalIntegrationTests"
                ".test_logout_closes_connection",
                "after the app sends websocket.close, asgitest (as uvicorn does) tells the app "
                "the connection is over with websocket.disconnect, so the consumer returns "
                "within wait(0.1) instead of being cancelled; the test asserts "
                "future.cancelled(), which only holds where the app is never told",
            ),
        ),
    ),
)


def by_name(name: str) -> Project:
    for project in PROJECTS:
        if project.name == name:
            return project
    names = ", ".join(project.name for project in PROJECTS)
    raise KeyError(f"no project {name!r} in the corpus (known: {names})")
