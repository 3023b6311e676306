"""Django settings of the small Django + Channels project served by the live-server tests.

Used only in a child pytest process (``--ds=live_settings``), so it never clashes with the
in-process settings of the other framework tests. The database is in-memory SQLite, which
channels' own ChannelsLiveServerTestCase refuses and asgitest's accepts.
"""

from __future__ import annotations

from pathlib import Path

SECRET_KEY = "asgitest-live-not-secret"
DEBUG = False
ALLOWED_HOSTS: list[str] = []  # the test case adds its own host
ROOT_URLCONF = "live_asgi"
ASGI_APPLICATION = "live_asgi.application"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "channels",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
STATIC_URL = "/static/"
STATICFILES_DIRS = [Path(__file__).parent / "live_static"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
