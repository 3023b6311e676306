"""``python -m asgitest``: the same as the ``asgitest`` command."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
