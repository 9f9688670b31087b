"""Version 8: reserved for the county hub (issue 15) — a no-op until that work fills it in."""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 8
NAME = "hub_reserved"


def upgrade(conn: Connection) -> None:
    return None
