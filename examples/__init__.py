"""Example applications shipped with asgitest (importable from the repository root)."""
