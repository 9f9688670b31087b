"""Version 3: team_reference — reserved for issue 9 (team reference data: team profile, provider suggestions, ...).

Until that work lands this step changes nothing (a database stamped 3 has the same schema as 2).
Write the tables as they are at version 3 in a private MetaData, as m0002 does.
"""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 3
NAME = "team_reference"


def upgrade(conn: Connection) -> None:
    """Nothing yet."""
