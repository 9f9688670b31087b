"""Tables of the sync transport: the team this laptop belongs to, the device registry, the log of
bundles sent and received, and what each peer is known to hold.

None of these rows is synced through the change log: they are this laptop's own book-keeping (the
lead's registry travels to workers inside signed downlink manifests). Only *public* keys are stored
here; private keys live in the passphrase-protected key file beside the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, Text
from sqlmodel import Field, SQLModel

from outreach.storage.types import UTCDateTime, utcnow

ROLE_LEAD = "lead"
ROLE_MEMBER = "member"
STATUS_PENDING = "pending"      # this laptop asked to join; not enrolled yet
STATUS_ENROLLED = "enrolled"
STATUS_REVOKED = "revoked"
DIRECTION_IN = "in"
DIRECTION_OUT = "out"


class SyncTeam(SQLModel, table=True):
    """The team of this laptop (one row) and the role this laptop has in it."""

    __tablename__ = "sync_team"

    team_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=80)
    role: str = Field(max_length=10)                   # ROLE_LEAD on the lead's laptop
    team_age: str = Field(max_length=100)               # age X25519 public key of the team
    team_sign: str = Field(max_length=64)               # base64 Ed25519 public key of the team
    recovery_age: str = Field(max_length=100)           # age public key of the offline recovery identity
    lead_device_id: str = Field(max_length=32)
    joined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SyncDevice(SQLModel, table=True):
    """The device registry: on the lead every enrolled (or revoked) laptop; on a worker the roster
    received with the last downlink (plus itself and the lead from the invite)."""

    __tablename__ = "sync_device"

    device_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(default="", max_length=80)        # "李娜的笔记本"
    worker: str = Field(default="", max_length=64)
    role: str = Field(default=ROLE_MEMBER, max_length=10)
    status: str = Field(default=STATUS_ENROLLED, max_length=10)
    villages: str = Field(default="[]", sa_type=Text)   # JSON list of area codes; [] on the lead = all
    device_age: str = Field(default="", max_length=100)
    device_sign: str = Field(default="", max_length=64)
    fingerprint: str = Field(default="", max_length=32)
    enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SyncBundle(SQLModel, table=True):
    """Every bundle this laptop made (``out``) or imported (``in``). An imported bundle id is never
    applied twice."""

    __tablename__ = "sync_bundle"
    __table_args__ = (Index("ix_sync_bundle_stream", "sender", "stream", "seq"),)

    bundle_id: str = Field(primary_key=True, max_length=32)
    direction: str = Field(max_length=3)
    kind: str = Field(max_length=10)                    # uplink | downlink
    team_id: str = Field(max_length=32)
    sender: str = Field(max_length=32)
    stream: str = Field(max_length=32)                  # the recipient: a device id, or "team"
    seq: int = Field(sa_type=Integer().with_variant(BigInteger(), "postgresql"))  # 64-bit as SQLite's INTEGER
    prev: str | None = Field(default=None, max_length=32)
    change_count: int = 0
    applied_count: int = 0
    payload_sha256: str = Field(default="", max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)   # when the sender made it (its clock)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    file_name: str = Field(default="", max_length=255)


class SyncPeerVector(SQLModel, table=True):
    """What a peer said it holds (its version vector in the last bundle it sent us): the highest
    change stamp per origin device. The next bundle to that peer carries what this lacks."""

    __tablename__ = "sync_peer_vector"

    peer: str = Field(primary_key=True, max_length=32)
    origin: str = Field(primary_key=True, max_length=32)
    hlc: int = Field(default=0, sa_type=BigInteger)


SYNC_TABLES = (SyncTeam, SyncDevice, SyncBundle, SyncPeerVector)
