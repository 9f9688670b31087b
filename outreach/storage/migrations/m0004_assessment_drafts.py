"""Version 4: drafts of open forms (local, never synced) and assessments saved half-done.

- ``form_draft``: one row per open form (household, member, visit, assessment, referral), rewritten
  every few seconds while the form is open and removed when it is saved or discarded.
- ``assessment.complete``: False for an assessment saved as incomplete; existing ones are complete.

Written as the tables were at version 4 (a private MetaData), never taken from the live models.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, inspect

VERSION = 4
NAME = "assessment_drafts"

_meta = sa.MetaData()

FORM_DRAFT = sa.Table(
    "form_draft", _meta,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("params", sa.Text(), nullable=False),
    sa.Column("state", sa.Text(), nullable=False),
    sa.Column("summary", sa.String(200), nullable=False),
    sa.Column("worker", sa.String(64), nullable=False),
    sa.Column("saved_at", sa.String(32), nullable=False),  # UTCDateTime as stored: ISO-8601 text
)


def upgrade(conn: Connection) -> None:
    FORM_DRAFT.create(conn, checkfirst=True)
    columns = {c["name"] for c in inspect(conn).get_columns("assessment")}
    if "complete" not in columns:
        true = "1" if conn.dialect.name == "sqlite" else "TRUE"   # PostgreSQL: no integer to boolean
        conn.execute(sa.text(f"ALTER TABLE assessment ADD COLUMN complete BOOLEAN NOT NULL DEFAULT {true}"))
