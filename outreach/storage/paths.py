"""Where the data lives: --data-dir, then OUTREACH_DATA_DIR, then the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "Outreach"
DB_FILENAME = "outreach.sqlite3"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("OUTREACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir(APP_NAME, appauthor=False))


def db_path(directory: Path) -> Path:
    return directory / DB_FILENAME
