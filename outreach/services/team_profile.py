"""The team profile: the organisation a team works for, printed on every letter, register and report.

    profile = get_team_profile(store)
    profile.org_name, profile.org_address, profile.org_phone, profile.reply_to, profile.reply_days

This is *team* data (issue 9): owned by the team lead, carried to every laptop by invites and
downlinks. A worker's own name and phone are local settings (``worker_name``, ``worker_phone``).

SKELETON — the storage behind ``get_team_profile`` is being rebuilt (a synced row instead of local
settings); the API below is the contract other modules use, keep it stable.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.storage.store import Store

DEFAULT_REPLY_DAYS = 14
PROFILE_KEYS = ("org_name", "org_address", "org_phone", "reply_to", "reply_days")


@dataclass(frozen=True)
class TeamProfile:
    org_name: str = ""
    org_address: str = ""
    org_phone: str = ""
    reply_to: str = ""          # where reply slips go back (a name and address), if not the org itself
    reply_days: int = DEFAULT_REPLY_DAYS   # default days a provider has to answer a referral
    logo_path: str = ""


def get_team_profile(store: Store) -> TeamProfile:
    """The team profile as this laptop knows it (blank fields where nothing is set yet)."""
    s = store.settings()
    try:
        days = int(s.get("reply_days") or DEFAULT_REPLY_DAYS)
    except ValueError:
        days = DEFAULT_REPLY_DAYS
    return TeamProfile(org_name=s.get("org_name", "").strip(), org_address=s.get("org_address", "").strip(),
                       org_phone=s.get("org_phone", "").strip(), reply_to=s.get("reply_to", "").strip(),
                       reply_days=days, logo_path=s.get("org_logo", "").strip())
