"""Tables of merge review: the conflict queue, duplicate-person proposals, person merges, and the
merge engine's own bookkeeping. All of them are LOCAL to one store (never in the change log, never
synced): what travels is the ordinary change a decision makes (a field edit, ``Person.merged_into``).

- ``merge_conflict``: one row per detected problem with a field or row — two concurrent edits of the
  same field (``kind='concurrent'``), a change stamped far in the future (``'future_stamp'``), or a row
  that cannot be inserted because a unique value (household code, referral reference) is taken
  (``'unique'``). Side ``a`` is the older change, side ``b`` the newer one (the LWW winner when found).
- ``change_base``: for a received field edit, the (hlc, device) of the value it replaced on the device
  that wrote it (its "base"). Used to tell a true conflict (neither writer had seen the other's
  change) from an ordinary overwrite. Own edits need no row: their base is read from the change log
  order.
- ``merge_clock``: the merge engine's per-field clocks (issue 14): for every (entity, row, field)
  edited, the edit that wins it now — stamp, who, its base and its JSON value. A pure function of
  the change log (it only grows), so a received change is compared with its field's winner in one
  indexed lookup instead of re-folding the row's whole history. A row's creations are read from the
  change log's own index, not kept here (since version 7). Created by migration m0006.
- ``merge_pending``: rows whose received state could not be written yet (parent row missing, unique
  value taken); retried after every import.
- ``duplicate_proposal``: a pair of people that may be the same person; the lead's decision
  (merged / not a duplicate) is remembered so a pair is never proposed twice.
- ``person_merge``: who merged whom, when, and whether it was undone (the merge itself is the synced
  ``Person.merged_into`` pointer).

Created by ``SQLModel.metadata.create_all`` on new databases and by migration m0002 on old ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from outreach.storage.types import UTCDateTime, utcnow


class MergeConflict(SQLModel, table=True):
    __tablename__ = "merge_conflict"
    __table_args__ = (
        UniqueConstraint("kind", "entity", "row_id", "field", "a_hlc", "a_device", "b_hlc", "b_device",
                         name="uq_merge_conflict_pair"),
        Index("ix_merge_conflict_field", "entity", "row_id", "field", "status"),
        Index("ix_merge_conflict_status", "status", "detected_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    kind: str = Field(default="concurrent", max_length=16)   # concurrent | future_stamp | unique
    entity: str = Field(max_length=32)
    row_id: str = Field(max_length=32)
    field: str = Field(max_length=40)
    a_value: str = Field(default="null")                      # JSON
    a_hlc: int = Field(default=0, sa_type=BigInteger)
    a_device: str = Field(default="", max_length=32)
    a_worker: str = Field(default="", max_length=64)
    b_value: str = Field(default="null")                      # JSON
    b_hlc: int = Field(default=0, sa_type=BigInteger)
    b_device: str = Field(default="", max_length=32)
    b_worker: str = Field(default="", max_length=64)
    source: str = Field(default="", max_length=200)           # bundle / file it came from
    detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=12)        # open | resolved
    resolution: str = Field(default="", max_length=12)        # keep | take | edit | superseded | dismissed
    resolved_value: str | None = None                         # JSON
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str = Field(default="", max_length=64)


class ChangeBase(SQLModel, table=True):
    __tablename__ = "change_base"

    entity: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=32)
    field: str = Field(primary_key=True, max_length=40)
    hlc: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    device_id: str = Field(primary_key=True, max_length=32)
    base_hlc: int = Field(default=0, sa_type=BigInteger)
    base_device: str = Field(default="", max_length=32)


class MergeClock(SQLModel, table=True):
    __tablename__ = "merge_clock"
    __table_args__ = {"sqlite_with_rowid": False}   # one b-tree: the key is the lookup

    entity: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=32)
    field: str = Field(primary_key=True, max_length=40)      # a field (no '*' rows since version 7)
    hlc: int = Field(sa_type=BigInteger)
    device_id: str = Field(max_length=32)
    worker: str = Field(default="", max_length=64)
    base_hlc: int | None = Field(default=None, sa_type=BigInteger)   # NULL: base unknown
    base_device: str | None = Field(default=None, max_length=32)
    value: str | None = None                                  # JSON of a field winner


class MergePending(SQLModel, table=True):
    __tablename__ = "merge_pending"

    entity: str = Field(primary_key=True, max_length=32)
    row_id: str = Field(primary_key=True, max_length=32)
    reason: str = Field(default="parent", max_length=16)      # parent | unique
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DuplicateProposal(SQLModel, table=True):
    __tablename__ = "duplicate_proposal"
    __table_args__ = (
        UniqueConstraint("person_a", "person_b", name="uq_duplicate_pair"),
        Index("ix_duplicate_status", "status"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    person_a: str = Field(max_length=32)                      # person_a < person_b
    person_b: str = Field(max_length=32)
    reason: str = Field(max_length=24)                        # id_number | name_birth_village
    found_at: str = Field(default="import", max_length=12)    # entry | import | scan
    status: str = Field(default="open", max_length=16)        # open | merged | not_duplicate
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=64)


class PersonMerge(SQLModel, table=True):
    __tablename__ = "person_merge"
    __table_args__ = (Index("ix_person_merge_pair", "keep_id", "merged_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    keep_id: str = Field(max_length=32)
    merged_id: str = Field(max_length=32)
    merged_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    merged_by: str = Field(default="", max_length=64)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by: str = Field(default="", max_length=64)


# For migration m0002 (owned by the sync transport): create exactly these tables, e.g.
#   for table in MERGE_TABLES: table.create(conn, checkfirst=True)
MERGE_TABLES = [MergeConflict.__table__, ChangeBase.__table__, MergePending.__table__,
                DuplicateProposal.__table__, PersonMerge.__table__]
