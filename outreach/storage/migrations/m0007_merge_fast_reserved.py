"""Version 7: the merge engine's clocks keep field winners only (issue 14).

Version 6 also kept, per row, its greatest creation (``field='*'``) in ``merge_clock``. The merge now
reads a row's creations from the change log's own index when a batch touches the row, so a row that
arrives whole costs no clock write; the ``'*'`` entries version 6 made are dropped here. Plain
portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

VERSION = 7
NAME = "merge_clock_fields_only"


def upgrade(conn: Connection) -> None:
    conn.execute(sa.text("DELETE FROM merge_clock WHERE field = '*'"))
