"""Referrals (转介) and their lifecycle.

    draft ──issue──▶ issued ──▶ accepted ──▶ served
                       │  └────▶ declined      └──▶ no_show
                       ├────▶ served (the slip ticks 'served' straight away)
                       └────▶ no_show
    draft / issued / accepted ──cancel──▶ cancelled

Every change is an append-only ReferralEvent (date, who, note). The referral's ``status`` column is
derived from its events on each device: the most recently *recorded* event by (HLC, device) — not by
its stated date, since workers often enter a reply slip days after the fact — so every device that
holds the same events derives the same status.
No referral is issued without recorded consent; no reply is recorded before the referral is issued.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from outreach.domain.enums import ConsentMethod, NeedStatus, ReferralStatus, Urgency
from outreach.domain.errors import FieldError, NotFound, OutreachError
from outreach.domain.validation import check_choice, check_not_future, check_required, raise_if
from outreach.services.people import PERSON
from outreach.services.providers import PROVIDER
from outreach.storage.store import Store
from outreach.storage.tables import Household, Need, Referral, ReferralEvent
from outreach.storage.writer import Writer

REFERRAL = Referral.__table__
EVENT = ReferralEvent.__table__
NEED = Need.__table__
HOUSEHOLD = Household.__table__

DEFAULT_REPLY_DAYS = 14
S = ReferralStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.ISSUED, S.CANCELLED},
    S.ISSUED: {S.ACCEPTED, S.DECLINED, S.SERVED, S.NO_SHOW, S.CANCELLED},
    S.ACCEPTED: {S.SERVED, S.NO_SHOW, S.CANCELLED},
    S.DECLINED: set(), S.SERVED: set(), S.NO_SHOW: set(), S.CANCELLED: set(),
}
REPLIES = {S.ACCEPTED, S.DECLINED, S.SERVED, S.NO_SHOW}


@dataclass(frozen=True)
class EventInfo:
    status: str
    event_date: date
    note: str
    by: str
    device_id: str


@dataclass(frozen=True)
class ReferralInfo:
    id: str
    reference: str
    person_id: str
    person_name: str
    household_id: str
    provider_id: str
    provider_name: str
    reason: str
    urgency: str
    status: str
    need_ids: list[str]
    consent_given: bool
    consent_by: str
    consent_on: date | None
    consent_method: str
    consent_witness: str
    issued_on: date | None
    expected_reply_on: date | None
    services_provided: str
    created_by: str
    events: list[EventInfo] = field(default_factory=list)

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status == S.ISSUED and self.expected_reply_on is not None
                and self.expected_reply_on < (today or date.today()))


def validate_consent(values: dict[str, Any], *, today: date | None = None) -> list[FieldError]:
    if not values.get("consent_given"):
        return [FieldError("consent_given", "error.referral.consent_required")]
    errors = check_required("consent_by", values.get("consent_by"))
    errors += check_required("consent_on", values.get("consent_on"))
    errors += check_choice("consent_method", values.get("consent_method"), ConsentMethod)
    errors += check_not_future("consent_on", values.get("consent_on"), today=today)
    return errors


def create_referral(store: Store, *, person_id: str, provider_id: str, reason: str,
                    urgency: str = Urgency.ROUTINE, need_ids: list[str] | tuple[str, ...] = (),
                    expected_reply_on: date | None = None, consent_given: bool = False, consent_by: str = "",
                    consent_on: date | None = None, consent_method: str = "", consent_witness: str = "",
                    issue_on: date | None = None, today: date | None = None) -> ReferralInfo:
    """Create a referral as a draft; with ``issue_on`` it is issued at once (consent required)."""
    values = {"reason": reason.strip(), "urgency": str(urgency), "need_ids": json.dumps(list(need_ids)),
              "expected_reply_on": expected_reply_on, "consent_given": consent_given,
              "consent_by": consent_by.strip(), "consent_on": consent_on, "consent_method": consent_method,
              "consent_witness": consent_witness.strip()}
    errors = check_required("reason", values["reason"]) + check_choice("urgency", values["urgency"], Urgency)
    if consent_given or issue_on:
        errors += validate_consent(values, today=today)
    raise_if(errors)
    device = store.device
    from outreach.services.team_profile import get_team_profile

    reply_days = get_team_profile(store).reply_days
    with store.transaction() as w:
        person = w.conn.execute(select(PERSON.c.household_id).where(PERSON.c.id == person_id)).first()
        if person is None:
            raise NotFound("error.person.not_found", id=person_id)
        if w.conn.execute(select(PROVIDER.c.id).where(PROVIDER.c.id == provider_id)).first() is None:
            raise NotFound("error.provider.not_found", id=provider_id)
        _check_needs(w.conn, need_ids, person.household_id)
        n = store.next_number(w.conn, "referral")
        values |= {"reference": f"ZJ-{device.code}-{n:06d}", "person_id": person_id,
                   "household_id": person.household_id, "provider_id": provider_id,
                   "status": S.DRAFT.value}
        rid = w.insert(Referral, values)
        _add_event(w, rid, S.DRAFT, min(issue_on or today or date.today(), today or date.today()), "")
        if issue_on:
            _issue(w, rid, issue_on, "", today, reply_days=reply_days)
    return get_referral(store, rid)


def _check_needs(conn: Connection, need_ids, household_id: str) -> None:
    if not need_ids:
        return
    found = set(conn.execute(select(NEED.c.id).where(NEED.c.id.in_(list(need_ids)),
                                                      NEED.c.household_id == household_id)).scalars())
    if found != set(need_ids):
        raise_if([FieldError("need_ids", "error.referral.unknown_need")])


def update_referral(store: Store, referral_id: str, **changes: Any) -> dict:
    """Edit a referral's details or consent (while it is a draft or just issued)."""
    allowed = {"reason", "urgency", "need_ids", "expected_reply_on", "consent_given", "consent_by",
               "consent_on", "consent_method", "consent_witness", "provider_id", "services_provided"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown referral fields: {sorted(unknown)}")
    if "need_ids" in changes:
        changes = {**changes, "need_ids": json.dumps(list(changes["need_ids"]))}
    with store.transaction() as w:
        current = _load(w.conn, referral_id)
        if "urgency" in changes:
            raise_if(check_choice("urgency", changes["urgency"], Urgency))
        if any(k.startswith("consent") for k in changes) and (changes.get("consent_given", current["consent_given"])):
            raise_if(validate_consent({**current, **changes}))
        return w.update(Referral, referral_id, changes)


def issue_referral(store: Store, referral_id: str, *, on: date | None = None, note: str = "",
                   today: date | None = None) -> ReferralInfo:
    from outreach.services.team_profile import get_team_profile

    reply_days = get_team_profile(store).reply_days  # the team's default reply period
    with store.transaction() as w:
        _issue(w, referral_id, on or date.today(), note, today, reply_days=reply_days)
    return get_referral(store, referral_id)


def _issue(w: Writer, referral_id: str, on: date, note: str, today: date | None, *,
           reply_days: int = DEFAULT_REPLY_DAYS) -> None:
    current = _load(w.conn, referral_id)
    _check_transition(current, S.ISSUED)
    raise_if(validate_consent(dict(current), today=today) + check_not_future("issued_on", on, today=today))
    changes: dict[str, Any] = {"issued_on": on}
    if current["expected_reply_on"] is None or current["expected_reply_on"] < on:
        changes["expected_reply_on"] = on + timedelta(days=reply_days)
    w.update(Referral, referral_id, changes)
    _add_event(w, referral_id, S.ISSUED, on, note)
    for need_id in json.loads(current["need_ids"] or "[]"):
        w.update(Need, need_id, {"status": NeedStatus.REFERRED.value})


def record_reply(store: Store, reference_or_id: str, *, status: str, on: date | None = None, note: str = "",
                 services_provided: str = "", today: date | None = None) -> ReferralInfo:
    """Record what the provider answered (typed from the returned reply slip, by reference number)."""
    status = ReferralStatus(status)
    if status not in REPLIES:
        raise OutreachError("error.referral.not_a_reply", status=status.label())
    on = on or date.today()
    with store.transaction() as w:
        rid = _resolve(w.conn, reference_or_id)
        current = _load(w.conn, rid)
        if current["status"] == S.DRAFT:
            raise OutreachError("error.referral.reply_before_issue", reference=current["reference"])
        _check_transition(current, status)
        raise_if(check_not_future("event_date", on, today=today))
        if current["issued_on"] and on < current["issued_on"]:
            raise_if([FieldError("event_date", "error.referral.reply_before_issue_date",
                                 {"issued": current["issued_on"].isoformat()})])
        if services_provided:
            w.update(Referral, rid, {"services_provided": services_provided.strip()})
        _add_event(w, rid, status, on, note)
        if status == S.SERVED:
            for need_id in json.loads(current["need_ids"] or "[]"):
                w.update(Need, need_id, {"status": NeedStatus.MET.value})
    return get_referral(store, rid)


def cancel_referral(store: Store, referral_id: str, *, on: date | None = None, note: str = "") -> ReferralInfo:
    with store.transaction() as w:
        current = _load(w.conn, referral_id)
        _check_transition(current, S.CANCELLED)
        _add_event(w, referral_id, S.CANCELLED, on or date.today(), note)
    return get_referral(store, referral_id)


def _check_transition(current, target: ReferralStatus) -> None:
    if target not in TRANSITIONS[ReferralStatus(current["status"])]:
        raise OutreachError("error.referral.bad_transition", reference=current["reference"],
                            current=ReferralStatus(current["status"]).label(), target=target.label())


def _add_event(w: Writer, referral_id: str, status: ReferralStatus, on: date, note: str) -> None:
    w.insert(ReferralEvent, {"referral_id": referral_id, "status": status.value, "event_date": on,
                             "note": note.strip()})
    refresh_status(w, referral_id)


def refresh_status(w: Writer, referral_id: str) -> str:
    """Recompute the derived status from the events (also called by sync after applying events)."""
    latest = w.conn.execute(
        select(EVENT.c.status).where(EVENT.c.referral_id == referral_id, EVENT.c.archived.is_(False))
        .order_by(EVENT.c.hlc.desc(), EVENT.c.created_device.desc()).limit(1)
    ).scalar_one_or_none()
    status = latest or S.DRAFT.value
    w.set_local(Referral, referral_id, {"status": status})
    return status


def _load(conn: Connection, referral_id: str):
    row = conn.execute(select(REFERRAL).where(REFERRAL.c.id == referral_id)).mappings().first()
    if row is None:
        raise NotFound("error.referral.not_found", reference=referral_id)
    return row


def _resolve(conn: Connection, reference_or_id: str) -> str:
    key = reference_or_id.strip()
    rid = conn.execute(select(REFERRAL.c.id).where(
        (REFERRAL.c.reference == key.upper()) | (REFERRAL.c.id == key))).scalar_one_or_none()
    if rid is None:
        raise NotFound("error.referral.not_found", reference=key)
    return rid


def find_referral_id(store: Store, reference_or_id: str) -> str:
    with store.connect() as conn:
        return _resolve(conn, reference_or_id)


def _base_select():
    return (select(REFERRAL, PERSON.c.name.label("person_name"), PROVIDER.c.name.label("provider_name"))
            .join(PERSON, PERSON.c.id == REFERRAL.c.person_id)
            .join(PROVIDER, PROVIDER.c.id == REFERRAL.c.provider_id))


def _info(r, events: list[EventInfo]) -> ReferralInfo:
    m = r._mapping
    return ReferralInfo(
        id=m["id"], reference=m["reference"], person_id=m["person_id"], person_name=m["person_name"],
        household_id=m["household_id"], provider_id=m["provider_id"], provider_name=m["provider_name"],
        reason=m["reason"], urgency=m["urgency"], status=m["status"], need_ids=json.loads(m["need_ids"] or "[]"),
        consent_given=m["consent_given"], consent_by=m["consent_by"], consent_on=m["consent_on"],
        consent_method=m["consent_method"], consent_witness=m["consent_witness"], issued_on=m["issued_on"],
        expected_reply_on=m["expected_reply_on"], services_provided=m["services_provided"],
        created_by=m["created_by"], events=events)


def get_referral(store: Store, reference_or_id: str) -> ReferralInfo:
    with store.connect() as conn:
        rid = _resolve(conn, reference_or_id)
        r = conn.execute(_base_select().where(REFERRAL.c.id == rid)).first()
        events = [EventInfo(e.status, e.event_date, e.note, e.created_by, e.created_device) for e in conn.execute(
            select(EVENT).where(EVENT.c.referral_id == rid, EVENT.c.archived.is_(False))
            .order_by(EVENT.c.hlc, EVENT.c.created_device))]
    return _info(r, events)


def list_referrals(store: Store, *, status: str | None = None, overdue_only: bool = False,
                   today: date | None = None, household_id: str | None = None, person_id: str | None = None,
                   issued_on: date | None = None, include_archived: bool = False,
                   village_ids: list[str] | None = None) -> list[ReferralInfo]:
    today = today or date.today()
    stmt = _base_select()
    if not include_archived:
        stmt = stmt.where(REFERRAL.c.archived.is_(False))
    if status:
        stmt = stmt.where(REFERRAL.c.status == ReferralStatus(status).value)
    if overdue_only:
        stmt = stmt.where(REFERRAL.c.status == S.ISSUED.value, REFERRAL.c.expected_reply_on < today)
    if household_id:
        stmt = stmt.where(REFERRAL.c.household_id == household_id)
    if person_id:
        stmt = stmt.where(REFERRAL.c.person_id == person_id)
    if issued_on:
        stmt = stmt.where(REFERRAL.c.issued_on == issued_on)
    if village_ids is not None:
        stmt = stmt.where(REFERRAL.c.household_id.in_(
            select(HOUSEHOLD.c.id).where(HOUSEHOLD.c.village_id.in_(village_ids))))
    with store.connect() as conn:
        rows = conn.execute(stmt.order_by(REFERRAL.c.reference)).all()
    return [_info(r, []) for r in rows]


@dataclass(frozen=True)
class NeedInfo:
    id: str
    household_id: str
    person_id: str | None
    person_name: str
    domain: str
    priority: str
    description: str
    status: str


def list_needs(store: Store, *, household_id: str, status: str | None = None) -> list[NeedInfo]:
    """A household's needs (newest first), e.g. to link them to a referral."""
    stmt = (select(NEED, PERSON.c.name.label("person_name"))
            .outerjoin(PERSON, PERSON.c.id == NEED.c.person_id)
            .where(NEED.c.household_id == household_id, NEED.c.archived.is_(False)))
    if status:
        stmt = stmt.where(NEED.c.status == NeedStatus(status).value)
    with store.connect() as conn:
        rows = conn.execute(stmt.order_by(NEED.c.created_at.desc(), NEED.c.hlc.desc())).all()
    return [NeedInfo(r.id, r.household_id, r.person_id, r.person_name or "", r.domain, r.priority,
                     r.description, r.status) for r in rows]
