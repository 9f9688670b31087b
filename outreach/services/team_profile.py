"""The team profile: the organisation a team works for, printed on every letter, register and report.

    profile = get_team_profile(store)
    profile.org_name, profile.org_address, profile.org_phone, profile.reply_to, profile.reply_days
    update_team_profile(store, org_phone="0871-6123456", reply_days=10) -> TeamProfile

This is *team* data (issue 9): one synced row (``teamprofile``, id ``team``) owned by the team lead,
carried to every laptop by the invite and by downlinks, merged field by field, with history. A
worker's own name and phone are local settings (``worker_name``, ``worker_phone``); so is the logo
file (``org_logo``: a path on this laptop, it cannot travel).

An installation from before version 3 kept the organisation in local settings (``org_name``,
``org_address``, ``org_phone``): while no profile row exists those are shown, and they seed the row
the first time it is written (``ensure_team_profile``, also run before an invite is made), so
nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from outreach.domain.errors import FieldError
from outreach.domain.validation import check_length, check_mobile, raise_if
from outreach.services.team_data import conn_can_edit, require_team_data_editor
from outreach.storage.store import Store
from outreach.storage.team_tables import PROFILE_ID, TeamProfileRow

DEFAULT_REPLY_DAYS = 14
PROFILE_KEYS = ("org_name", "org_address", "org_phone", "reply_to", "reply_days")
MAX_LENGTHS = {"org_name": 120, "org_address": 200, "org_phone": 32, "reply_to": 200}
REPLY_DAYS_RANGE = (1, 365)
PROFILE = TeamProfileRow.__table__


@dataclass(frozen=True)
class TeamProfile:
    org_name: str = ""
    org_address: str = ""
    org_phone: str = ""
    reply_to: str = ""          # where reply slips go back (a name and address), if not the org itself
    reply_days: int = DEFAULT_REPLY_DAYS   # default days a provider has to answer a referral
    logo_path: str = ""

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in PROFILE_KEYS}


def _days(raw: Any) -> int:
    try:
        days = int(raw or DEFAULT_REPLY_DAYS)
    except (TypeError, ValueError):
        return DEFAULT_REPLY_DAYS
    return days if REPLY_DAYS_RANGE[0] <= days <= REPLY_DAYS_RANGE[1] else DEFAULT_REPLY_DAYS


def _legacy(settings: dict[str, str]) -> dict[str, Any]:
    """The organisation as local settings held it before version 3 (only what is set)."""
    out: dict[str, Any] = {k: settings.get(k, "").strip() for k in PROFILE_KEYS if settings.get(k, "").strip()}
    if "reply_days" in out:
        out["reply_days"] = _days(out["reply_days"])
    return out


def _row(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(select(PROFILE).where(PROFILE.c.id == PROFILE_ID)).mappings().first()
    return dict(row) if row is not None else None


def get_team_profile(store: Store) -> TeamProfile:
    """The team profile as this laptop knows it (blank fields where nothing is set yet)."""
    settings = store.settings()
    with store.connect() as conn:
        row = _row(conn)
    values = {k: row[k] for k in PROFILE_KEYS} if row is not None else _legacy(settings)
    values["reply_days"] = _days(values.get("reply_days"))
    return TeamProfile(**{k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()},
                       logo_path=settings.get("org_logo", "").strip())


def validate_team_profile(values: dict[str, Any]) -> list[FieldError]:
    """Field errors of a (partial) profile; ``reply_days`` may be given as text."""
    errors: list[FieldError] = []
    for key, maximum in MAX_LENGTHS.items():
        if key in values:
            errors += check_length(key, values[key], maximum)
    if "org_phone" in values:
        errors += check_mobile("org_phone", values["org_phone"])
    if "reply_days" in values:
        raw = values["reply_days"]
        text = str(raw).strip()
        low, high = REPLY_DAYS_RANGE
        if isinstance(raw, bool) or not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            errors.append(FieldError("reply_days", "teamdata.error.reply_days", {"value": text, "low": low, "high": high}))
    return errors


def update_team_profile(store: Store, **changes: Any) -> TeamProfile:
    """Change some fields of the team profile (lead's laptop, or a laptop in no team); all or nothing.
    Keys: ``PROFILE_KEYS`` (synced) and ``logo_path`` (this laptop's letterhead file)."""
    unknown = set(changes) - set(PROFILE_KEYS) - {"logo_path"}
    if unknown:
        raise TypeError(f"unknown team profile fields: {sorted(unknown)}")
    require_team_data_editor(store, "profile")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    raise_if(validate_team_profile(values))
    logo = values.pop("logo_path", None)
    if "reply_days" in values:
        values["reply_days"] = int(str(values["reply_days"]).strip())
    settings = store.settings()
    with store.transaction() as w:
        current = _row(w.conn)
        if current is None:
            w.insert(TeamProfileRow, {"id": PROFILE_ID, **_legacy(settings), **values})
        elif values:
            w.update(TeamProfileRow, PROFILE_ID, values)
    if logo is not None:
        store.set_setting("org_logo", logo)
    return get_team_profile(store)


def ensure_team_profile(store: Store) -> bool:
    """Write the profile row from the old local settings when there is none yet (lead or solo laptop
    only). True when a row was written."""
    legacy = _legacy(store.settings())
    if not legacy:
        return False
    with store.transaction() as w:
        if _row(w.conn) is not None or not conn_can_edit(w.conn):
            return False
        w.insert(TeamProfileRow, {"id": PROFILE_ID, **legacy})
    return True
