"""The errors storage raises, for the layers that must tell a member or a user about them.

Front ends (cogs, console, CLI, web) import these from here and nothing from the store: storage
is reached only through the service (bot/core/service.py).
"""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used as asked (newer schema, unknown term, ...)."""


class StoreBusy(StoreError):
    """Another connection holds the write lock right now (asked not to wait for it)."""
