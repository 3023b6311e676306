"""Minimal Django settings for the tests that drive real Django and Channels.

Generic on purpose: any test under tests/ that needs a configured Django uses this module
(``DJANGO_SETTINGS_MODULE=django_settings``, with tests/frameworks on ``sys.path``).
"""

from __future__ import annotations

import os
import tempfile

SECRET_KEY = "asgitest-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
]

MIDDLEWARE: list[str] = []

ROOT_URLCONF = "django_urls"

# A file-backed SQLite test database (not ":memory:"), so that closing a connection really
# closes it: the channels #2118 tests depend on that.
_db_dir = os.environ.get("ASGITEST_DJANGO_DB_DIR") or tempfile.gettempdir()
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(_db_dir, f"asgitest-django-{os.getpid()}.sqlite3"),
        "TEST": {"NAME": os.path.join(_db_dir, f"asgitest-django-test-{os.getpid()}.sqlite3")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
}


def configure() -> None:
    """Configure Django with this module (idempotent); kept for the tests that call it."""
    from django_setup import setup_django

    setup_django()
