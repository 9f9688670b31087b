"""Version 7: reserved for the merge engine (issue 14) — a no-op until that work fills it in."""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 7
NAME = "merge_fast_reserved"


def upgrade(conn: Connection) -> None:
    return None
