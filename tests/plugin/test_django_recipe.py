"""The Django recipe of docs/pytest-plugin.md, run as written with pytest-django."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

RECIPE = Path(__file__).parents[2] / "docs" / "plugin" / "django_recipe"


def test_django_recipe(pytester: pytest.Pytester) -> None:
    shutil.copytree(RECIPE, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:timeout",
        "-p", "asgitest", "-p", "django", "-p", "anyio", "-p", "no:asyncio",
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "asgitest: app=myproject.asgi:application, *",
            "django: version: *, settings: myproject.settings (from ini)",
        ]
    )


def test_django_settings_module_is_honoured_without_pytest_django(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With DJANGO_SETTINGS_MODULE set, asgitest sets Django up before importing asgi_app,
    so a module that imports models at import time can be named directly."""
    pytester.makepyfile(
        settings="""
        SECRET_KEY = "tests only"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
        DATABASES = {}
        ROOT_URLCONF = "routing"
        """,
        routing="""
        from django.contrib.auth.models import User  # needs the app registry to be ready
        from django.core.handlers.asgi import ASGIHandler
        from django.http import HttpResponse
        from django.urls import path

        urlpatterns = [path("model/", lambda request: HttpResponse(User._meta.label))]
        application = ASGIHandler()
        """,
        test_settings="""
        import pytest

        @pytest.mark.anyio
        @pytest.mark.parametrize("anyio_backend", ["asyncio"])
        async def test_model_view(asgi_http_factory):
            async with asgi_http_factory("GET", "/model/") as communicator:
                response = await communicator.get_response()
            assert response["body"] == b"auth.User"
        """,
    )
    pytester.makeini("[pytest]\npythonpath = .\nasgi_app = routing:application\n")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "settings")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:timeout",
        "-p", "asgitest", "-p", "no:django", "-p", "anyio", "-p", "no:asyncio",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
