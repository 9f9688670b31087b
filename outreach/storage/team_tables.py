"""Synced tables of the team's reference data (issue 9): the team profile and the providers workers
suggest to the lead.

Both are ordinary synced entities (``SyncedBase``, listed in ``SYNCED_TABLES``): written through the
Writer, change-logged, merged per field by last-writer-wins, carried in bundles, with history.

The team profile is one row whose id is always ``PROFILE_ID``, on every laptop: two laptops that each
wrote a profile wrote the *same* row, so their edits merge field by field instead of competing.
"""

from __future__ import annotations

from sqlalchemy import Text
from sqlmodel import Field

from outreach.storage.tables import SyncedBase

PROFILE_ID = "team"
SUGGESTION_OPEN = "open"
SUGGESTION_ACCEPTED = "accepted"
SUGGESTION_DISMISSED = "dismissed"


class TeamProfileRow(SyncedBase, table=True):
    """The organisation a team works for (letterheads, registers, reports)."""

    __tablename__ = "teamprofile"

    org_name: str = Field(default="", max_length=120)
    org_address: str = Field(default="", max_length=200)
    org_phone: str = Field(default="", max_length=32)
    reply_to: str = Field(default="", max_length=200)
    reply_days: int = Field(default=14)


class ProviderSuggestion(SyncedBase, table=True):
    """A provider a worker proposes for the team's directory; the lead accepts (a provider is made)
    or dismisses it."""

    __tablename__ = "providersuggestion"

    name: str = Field(max_length=120)
    category: str = Field(max_length=32)
    services: str = Field(default="", sa_type=Text)
    contact_person: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=200)
    areas_served: str = Field(default="", sa_type=Text)
    hours: str = Field(default="", max_length=120)
    notes: str = Field(default="", sa_type=Text)
    status: str = Field(default=SUGGESTION_OPEN, max_length=12, index=True)
    provider_id: str | None = Field(default=None, max_length=32)
