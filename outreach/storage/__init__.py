"""Storage: engine and sessions, SQLModel tables, the change-logging writer, numbered migrations."""

# tables.py pulls in team_tables.py at its end; importing it first keeps that order whoever imports which.
from outreach.storage import tables as _tables  # noqa: E402,F401
