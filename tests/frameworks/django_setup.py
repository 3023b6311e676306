"""Configure Django with tests/frameworks/django_settings.py, once per process.

Used by tests/frameworks/conftest.py and by the tests elsewhere that drive Channels consumers.
``DJANGO_SETTINGS_MODULE`` is set only for the duration of ``django.setup()`` (unless the user set
it): left in ``os.environ`` it would leak into the subprocesses other tests start (pytester runs),
whose pytest-django could not import ``django_settings``. pytest-django still sees the settings
as configured (``settings.configured``) and sets up the test database for ``django_db`` tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)


def setup_django() -> None:
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    import django
    from django.conf import settings

    if settings.configured:
        return
    ours = "DJANGO_SETTINGS_MODULE" not in os.environ
    if ours:
        os.environ["DJANGO_SETTINGS_MODULE"] = "django_settings"
    try:
        django.setup()
    finally:
        if ours:
            del os.environ["DJANGO_SETTINGS_MODULE"]
