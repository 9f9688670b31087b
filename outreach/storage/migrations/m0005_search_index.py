"""Version 5: the people search index (FTS5 trigram over name, phone and household code; one- and
two-character name pieces), its triggers, and the index built for the people already stored.

(Number 5 was reserved for imported forms, which needed no schema change.) The statements are those
of ``outreach.storage.search_index`` — the same text a new database gets, so both end up identical.
"""

from __future__ import annotations

from sqlalchemy import Connection

from outreach.storage import search_index

VERSION = 5
NAME = "search_index"


def upgrade(conn: Connection) -> None:
    search_index.create(conn)
