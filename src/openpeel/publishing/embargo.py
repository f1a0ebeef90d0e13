"""Moved: who may read a publication, and when, and who may do what, is ``openpeel.access``.

The names stay importable from here while other branches still use this path.
"""

from __future__ import annotations

from openpeel.access import (
    ACTIONS,
    PUBLIC,
    PUBLISHED,
    STAFF,
    Viewer,
    aware,
    may_act,
    may_read,
    state,
)

__all__ = [
    "ACTIONS",
    "PUBLIC",
    "PUBLISHED",
    "STAFF",
    "Viewer",
    "aware",
    "may_act",
    "may_read",
    "state",
]
