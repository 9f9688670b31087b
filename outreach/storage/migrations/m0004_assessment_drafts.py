"""Version 4: assessment_drafts — reserved for issue 10 (incomplete assessments, drafts).

Until that work lands this step changes nothing (a database stamped 4 has the same schema as 3).
Write the tables as they are at version 4 in a private MetaData, as m0002 does.
"""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 4
NAME = "assessment_drafts"


def upgrade(conn: Connection) -> None:
    """Nothing yet."""
