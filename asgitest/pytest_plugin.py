"""asgitest's pytest plugin (entry point ``pytest11``: ``asgitest``)."""

from __future__ import annotations
