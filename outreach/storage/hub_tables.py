"""Tables of the county hub (issue 15). LOCAL book-keeping like ``sync_tables`` (never in the change log):

On the hub's store:

- ``hub_self``: the hub this store *is* (one row): its id, name and public keys. The private keys are in
  ``outreach-hub-keys.json`` beside the database, never in a table.
- ``hub_lead``: the team leads' laptops enrolled at the hub (its "devices"), with the villages the
  hub's downlinks to them cover.
- ``hub_origin``: every laptop whose changes reached the hub, which lead relays it (its team), and the
  highest change stamp held from it — the hub's per-origin version vector, by team.

On a team lead's store:

- ``hub_membership``: the one hub this lead belongs to (a second is refused), its public keys and
  its own device's public keys (the hub signs downlinks with them).

Created by ``SQLModel.metadata.create_all`` on new databases and by migration m0008 on old ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from outreach.storage.types import UTCDateTime, utcnow

HUB_PENDING = "pending"     # the lead asked to join; no downlink from the hub yet
HUB_ENROLLED = "enrolled"
HUB_REVOKED = "revoked"


class HubSelf(SQLModel, table=True):
    __tablename__ = "hub_self"

    hub_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=80)
    hub_age: str = Field(max_length=100)            # age public key the leads encrypt uplinks to
    hub_sign: str = Field(max_length=64)            # Ed25519 public key that signs invites
    recovery_age: str = Field(max_length=100)       # offline recovery identity (escrow of every bundle)
    device_id: str = Field(max_length=32)           # the hub store's device id (sender of downlinks)
    device_age: str = Field(max_length=100)
    device_sign: str = Field(max_length=64)         # signs downlinks
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HubLead(SQLModel, table=True):
    __tablename__ = "hub_lead"

    device_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    team_name: str = Field(default="", max_length=80)
    name: str = Field(default="", max_length=80)
    worker: str = Field(default="", max_length=64)
    status: str = Field(default=HUB_ENROLLED, max_length=10)
    villages: str = Field(default="[]", sa_type=Text)   # JSON list of area codes the downlinks cover
    device_age: str = Field(max_length=100)
    device_sign: str = Field(max_length=64)
    fingerprint: str = Field(default="", max_length=32)
    enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HubOrigin(SQLModel, table=True):
    __tablename__ = "hub_origin"
    __table_args__ = (Index("ix_hub_origin_lead", "lead_device_id"),)

    origin: str = Field(primary_key=True, max_length=32)
    lead_device_id: str = Field(max_length=32)      # the lead whose team this laptop belongs to
    name: str = Field(default="", max_length=80)
    worker: str = Field(default="", max_length=64)
    hlc: int = Field(default=0, sa_type=BigInteger)  # highest change stamp held from this laptop
    first_seen: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HubMembership(SQLModel, table=True):
    __tablename__ = "hub_membership"

    hub_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=80)
    hub_age: str = Field(max_length=100)
    hub_sign: str = Field(max_length=64)
    recovery_age: str = Field(max_length=100)
    device_id: str = Field(max_length=32)
    device_age: str = Field(max_length=100)
    device_sign: str = Field(max_length=64)
    status: str = Field(default=HUB_PENDING, max_length=10)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


HUB_TABLES = (HubSelf, HubLead, HubOrigin, HubMembership)
