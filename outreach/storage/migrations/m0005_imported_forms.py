"""Version 5: imported_forms — reserved for issue 16 (XLSForm templates, scales).

Until that work lands this step changes nothing (a database stamped 5 has the same schema as 4).
Write the tables as they are at version 5 in a private MetaData, as m0002 does.
"""

from __future__ import annotations

from sqlalchemy import Connection

VERSION = 5
NAME = "imported_forms"


def upgrade(conn: Connection) -> None:
    """Nothing yet."""
