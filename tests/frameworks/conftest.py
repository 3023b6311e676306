"""Configure Django (tests/frameworks/django_settings.py) for the tests in this directory.

The rest of the suite does not need Django: this runs only when these tests are collected.
pytest-django then sets up the test database for tests marked ``django_db``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_settings")

import django  # noqa: E402

django.setup()
