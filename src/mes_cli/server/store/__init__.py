"""Persistence of the reference server: SQLite (WAL) for metadata; blob files come later."""

from .db import Store

__all__ = ["Store"]
