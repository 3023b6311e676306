"""Django settings for the framework tests (configured once, in-process, no database).

``configure()`` is idempotent: it does nothing when settings are already configured (by
pytest-django, another test module, or a ``DJANGO_SETTINGS_MODULE``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"hello from django")


urlpatterns = [path("hello/", hello)]


def configure() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="asgitest-not-secret",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "channels"],
            DATABASES={},
            USE_TZ=True,
            CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
        )
    import django

    django.setup()
