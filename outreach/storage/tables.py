"""The tables. Synced tables share ``SyncedBase``: a UUID made on the creating device, who/when/which
device created and last changed the row, the row's latest hybrid-logical-clock stamp, and an archive
flag (nothing is ever deleted). No float columns in synced data.

Columns listed in a table's ``__local_columns__`` are derived on each device (search keys, the
current referral status) and never travel in the change log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import BigInteger, Column, Index, Integer, Text
from sqlmodel import Field, SQLModel

from outreach.storage.types import UTCDateTime, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


class SyncedBase(SQLModel):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=64)
    created_device: str = Field(default="", max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str = Field(default="", max_length=64)
    updated_device: str = Field(default="", max_length=32)
    hlc: int = Field(default=0, sa_type=BigInteger)
    archived: bool = Field(default=False)

    # Columns kept by the writer itself; never set from a form or a bundle field.
    BOOKKEEPING: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "created_by", "created_device", "updated_at", "updated_by",
         "updated_device", "hlc"}
    )
    __local_columns__: ClassVar[frozenset[str]] = frozenset()


class Area(SyncedBase, table=True):
    """省›市›县›乡›村›组. ``id`` is the national area code (GB/T 2260 / statistics code)."""

    name: str = Field(max_length=64)
    level: str = Field(max_length=16, index=True)
    parent_id: str | None = Field(default=None, max_length=32, index=True)
    short_name: str = Field(default="", max_length=16)


class Household(SyncedBase, table=True):
    # a scope's households counted per village from the index alone (migration 9; it replaces
    # ix_household_village_id)
    __table_args__ = (Index("ix_household_scope", "village_id", "archived", "created_at", "id"),)

    code: str = Field(max_length=40, unique=True)
    village_id: str = Field(foreign_key="area.id", max_length=32)
    group_id: str | None = Field(default=None, max_length=32)
    address: str = Field(default="", max_length=200)
    head_person_id: str | None = Field(default=None, max_length=32)
    phone: str = Field(default="", max_length=20)
    benefit_status: str = Field(default="none", max_length=20, index=True)
    tags: str = Field(default="", max_length=200)
    notes: str = Field(default="", sa_type=Text)
    consent_given: bool = Field(default=False)
    consent_by: str = Field(default="", max_length=64)
    consent_on: date | None = None
    consent_method: str = Field(default="", max_length=20)


class Person(SyncedBase, table=True):
    __local_columns__: ClassVar[frozenset[str]] = frozenset({"search_pinyin", "search_initials"})

    household_id: str = Field(foreign_key="household.id", max_length=32, index=True)
    name: str = Field(max_length=64, index=True)
    sex: str = Field(default="", max_length=8)
    birth_date: date | None = None
    id_number: str | None = Field(default=None, max_length=18, index=True)
    relation: str = Field(default="other", max_length=16)
    phone: str = Field(default="", max_length=20, index=True)
    status: str = Field(default="present", max_length=16)
    flag_left_behind_child: bool = False
    flag_left_behind_elder: bool = False
    flag_left_behind_woman: bool = False
    flag_elder_alone: bool = False
    flag_disability: bool = False
    flag_chronic_illness: bool = False
    flag_pregnant: bool = False
    flag_migrant_worker: bool = False
    flag_child_in_difficulty: bool = False
    disability_type: str = Field(default="", max_length=16)
    disability_grade: int | None = None
    notes: str = Field(default="", sa_type=Text)
    merged_into: str | None = Field(default=None, max_length=32, index=True)
    search_pinyin: str = Field(default="", max_length=200, index=True)
    search_initials: str = Field(default="", max_length=64, index=True)


class Visit(SyncedBase, table=True):
    """Append-only: a visit is recorded once (corrections are new changes to its fields)."""

    # covering index for the dashboard and indicators (migration 9; it replaces ix_visit_household_id)
    __table_args__ = (Index("ix_visit_household_state", "household_id", "archived", "visit_date", "outcome"),)

    household_id: str = Field(foreign_key="household.id", max_length=32)
    visit_date: date = Field(index=True)
    visit_type: str = Field(max_length=20)
    outcome: str = Field(max_length=20)
    people_met: str = Field(default="[]", sa_type=Text)  # JSON list of person ids
    notes: str = Field(default="", sa_type=Text)
    next_due: date | None = Field(default=None, index=True)


class AssessmentTemplate(SyncedBase, table=True):
    """A snapshot of every template version used, so old answer sets stay readable."""

    template_key: str = Field(max_length=64)
    version: int
    body: str = Field(sa_type=Text)  # the template JSON exactly as used


class Assessment(SyncedBase, table=True):
    household_id: str = Field(foreign_key="household.id", max_length=32, index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=32, index=True)
    template_id: str = Field(foreign_key="assessmenttemplate.id", max_length=32)
    assessed_on: date = Field(index=True)
    answers: str = Field(default="{}", sa_type=Text)          # JSON {question_id: answer}
    score: int = 0
    priority: str = Field(default="low", max_length=10, index=True)
    domain_priorities: str = Field(default="{}", sa_type=Text)  # JSON {domain: priority}
    notes: str = Field(default="", sa_type=Text)
    complete: bool = Field(default=True)  # False: saved half-done, not counted until finished (v4)


class Need(SyncedBase, table=True):
    household_id: str = Field(foreign_key="household.id", max_length=32, index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=32, index=True)
    assessment_id: str | None = Field(default=None, foreign_key="assessment.id", max_length=32)
    domain: str = Field(max_length=20, index=True)
    priority: str = Field(default="medium", max_length=10, index=True)
    description: str = Field(default="", sa_type=Text)
    status: str = Field(default="open", max_length=12, index=True)


class Provider(SyncedBase, table=True):
    """The service directory (资源库)."""

    name: str = Field(max_length=120, index=True)
    category: str = Field(max_length=32, index=True)
    services: str = Field(default="", sa_type=Text)
    contact_person: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=200)
    areas_served: str = Field(default="", sa_type=Text)  # comma-separated area codes
    hours: str = Field(default="", max_length=120)
    notes: str = Field(default="", sa_type=Text)


class Referral(SyncedBase, table=True):
    __local_columns__: ClassVar[frozenset[str]] = frozenset({"status"})

    reference: str = Field(max_length=40, unique=True)
    person_id: str = Field(foreign_key="person.id", max_length=32, index=True)
    household_id: str = Field(foreign_key="household.id", max_length=32, index=True)
    provider_id: str = Field(foreign_key="provider.id", max_length=32, index=True)
    need_ids: str = Field(default="[]", sa_type=Text)  # JSON list of need ids
    reason: str = Field(default="", sa_type=Text)
    urgency: str = Field(default="routine", max_length=10)
    status: str = Field(default="draft", max_length=12, index=True)  # derived from events
    consent_given: bool = False
    consent_by: str = Field(default="", max_length=64)
    consent_on: date | None = None
    consent_method: str = Field(default="", max_length=20)
    consent_witness: str = Field(default="", max_length=64)
    issued_on: date | None = Field(default=None, index=True)
    expected_reply_on: date | None = Field(default=None, index=True)
    services_provided: str = Field(default="", sa_type=Text)


class ReferralEvent(SyncedBase, table=True):
    """Append-only status history of a referral."""

    referral_id: str = Field(foreign_key="referral.id", max_length=32, index=True)
    status: str = Field(max_length=12)
    event_date: date
    note: str = Field(default="", sa_type=Text)


class ChangeLog(SQLModel, table=True):
    """Every write, field by field, in the same transaction as the write. ``field='*'`` records a
    row's creation with all its fields as a JSON object. Feeds the audit view and sync."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_row", "entity", "row_id", "field"),
        Index("ix_change_log_origin", "device_id", "hlc"),
    )

    # 64-bit on PostgreSQL too (BIGSERIAL): a county hub's log outgrows a 32-bit serial
    seq: int | None = Field(default=None, sa_column=Column(Integer().with_variant(BigInteger(), "postgresql"),
                                                           primary_key=True, autoincrement=True))
    entity: str = Field(max_length=32)
    row_id: str = Field(max_length=32)
    field: str = Field(max_length=40)
    value: str = Field(sa_type=Text)  # JSON
    hlc: int = Field(sa_type=BigInteger)
    device_id: str = Field(max_length=32)
    worker: str = Field(default="", max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Setting(SQLModel, table=True):
    """Local settings of this installation (device identity, worker, language, clock). Not synced."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", sa_type=Text)


class FormDraft(SQLModel, table=True):
    """A form left open (autosaved every few seconds): offered back after a crash or a closed window.
    Local to this installation, never synced (version 4)."""

    __tablename__ = "form_draft"

    key: str = Field(primary_key=True, max_length=120)   # which form: "member:<household>:new" …
    kind: str = Field(max_length=20)
    params: str = Field(default="{}", sa_type=Text)      # JSON: what opens the form again
    state: str = Field(default="{}", sa_type=Text)       # JSON: the fields as left
    summary: str = Field(default="", max_length=200)
    worker: str = Field(default="", max_length=64)
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Counter(SQLModel, table=True):
    """Local sequences behind human-readable numbers (prefixed with this device's code)."""

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class SchemaVersion(SQLModel, table=True):
    __tablename__ = "schema_version"

    version: int = Field(primary_key=True)
    name: str = Field(max_length=80)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The team's reference data beyond areas/providers/templates (issue 9), defined in their own module.
from outreach.storage.team_tables import ProviderSuggestion, TeamProfileRow  # noqa: E402

SYNCED_TABLES: dict[str, type[SyncedBase]] = {
    cls.__tablename__: cls  # type: ignore[misc]
    for cls in (Area, Household, Person, Visit, AssessmentTemplate, Assessment, Need, Provider,
                Referral, ReferralEvent, TeamProfileRow, ProviderSuggestion)
}
# Rows of these entities are never edited after creation; sync treats them as append-only.
APPEND_ONLY = frozenset({"visit", "assessment", "assessmenttemplate", "referralevent"})
