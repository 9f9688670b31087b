"""Changing the passphrase of this laptop's data — and of its team keys when they shared it.

A worker has one passphrase in mind: the data's key file and the team key file (the Sync screen's)
were made with the same one. Changing only the first left the Sync screen asking for a passphrase the
worker had just retired. Keys with a passphrase of their own are left as they are.
"""

from __future__ import annotations

from pathlib import Path

from outreach.domain.errors import OutreachError
from outreach.storage import crypto_store


def team_keys_open_with(directory: Path, passphrase: str) -> Path | None:
    """This laptop's team key file when ``passphrase`` opens it, else None (no team yet, or the keys
    have a passphrase of their own)."""
    from outreach.sync import keys

    path = keys.keystore_path(Path(directory))
    if not path.exists():
        return None
    try:
        keys.load_keyring(path, passphrase)
    except OutreachError:
        return None
    return path


def change(directory: Path, old: str, new: str) -> bool:
    """Rewrap the data key under ``new`` (a wrong ``old`` changes nothing) and, when the team keys
    opened with ``old``, rewrap them too. Returns whether the team keys changed as well."""
    team_keys = team_keys_open_with(directory, old)
    crypto_store.change_passphrase(Path(directory), old, new)
    if team_keys is not None:
        from outreach.sync import keys

        keys.change_passphrase(team_keys, old, new)
    return team_keys is not None
