"""Version 1: the initial schema (created from the tables as they were at version 1)."""

from sqlalchemy import Connection

VERSION = 1
NAME = "initial"


def upgrade(conn: Connection) -> None:  # pragma: no cover - a database is never older than version 1
    raise AssertionError("version 1 is created fresh, never upgraded to")
