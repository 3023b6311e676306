"""Configure Django (tests/frameworks/django_settings.py) for the tests in this directory.

The rest of the suite does not need Django: this runs only when these tests are collected.
pytest-django then sets up the test database for tests marked ``django_db``.
"""

from __future__ import annotations

from django_setup import setup_django

setup_django()
