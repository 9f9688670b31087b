"""What the printed letters and registers need, read from the store as plain values
(``outreach.letters.data``). The renderers never touch the database.

The organisation (name, address, phone, reply-to) comes from the team profile
(``services.team_profile.get_team_profile``). Local settings used: ``org_logo`` (letterhead),
``worker_name`` / ``worker_phone`` (the worker's phone is printed on letters this worker issued),
``team_name`` (register header; else the sync team's name, else the organisation's name).
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from outreach.domain.enums import AreaLevel, NeedDomain, Priority, ReferralStatus, Relation
from outreach.domain.errors import NotFound, OutreachError
from outreach.i18n import tr
from outreach.letters.data import (
    ConsentInfo,
    Organisation,
    PersonInfo,
    ProviderInfo,
    ReferralLetterData,
    VisitRegisterData,
    VisitRow,
)
from outreach.services import referrals as referral_service
from outreach.services.team_profile import get_team_profile
from outreach.storage.store import Store
from outreach.storage.tables import Area, Household, Need, Person, Provider, Referral, Visit

AREA = Area.__table__
HOUSEHOLD = Household.__table__
NEED = Need.__table__
PERSON = Person.__table__
PROVIDER = Provider.__table__
REFERRAL = Referral.__table__
VISIT = Visit.__table__

PRINTABLE = {ReferralStatus.ISSUED, ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.SERVED,
             ReferralStatus.NO_SHOW}


def organisation(store: Store, lang: str | None = None) -> Organisation:
    profile = get_team_profile(store)
    return Organisation(
        name=profile.org_name or tr("letters.org.unnamed", lang),
        address=profile.org_address,
        phone=profile.org_phone,
        logo_path=profile.logo_path,
        reply_to=profile.reply_to,
    )


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))



def _need_lines(needs, lang: str) -> tuple[str, ...]:
    """One line per need domain, most pressing first: the domain and its priority, in the letter's
    language. The stored description is the recorder's working text (in the language it was typed in,
    often the assessment's scoring, e.g. "自评健康：2（1–5）", and usually what the reason already says):
    it stays out of the letter."""
    best: dict[str, str] = {}
    for need in needs:
        current = best.get(need.domain)
        if current is None or _rank(need.priority) > _rank(current):
            best[need.domain] = need.priority
    order = sorted(best, key=lambda d: -_rank(best[d]))
    return tuple(NeedDomain.label_of(d, lang) + tr("letters.need.priority", lang,
                                                    priority=Priority.label_of(best[d], lang)) for d in order)


def _rank(priority: str) -> int:
    try:
        return Priority(priority).rank
    except ValueError:
        return -1


def referral_letter_data(store: Store, reference: str, *, lang: str = "zh_CN") -> ReferralLetterData:
    """The letter of one issued referral (by reference number or id). Drafts and cancelled
    referrals have no letter: issue the draft first."""
    rid = referral_service.find_referral_id(store, reference)
    return _letters_for(store, [rid], lang=lang)[0]


def letters_issued_on(store: Store, day: date, *, lang: str = "zh_CN") -> list[ReferralLetterData]:
    """Every printable referral issued on ``day``, by reference (cancelled ones are left out)."""
    with store.connect() as conn:
        ids = list(conn.execute(
            select(REFERRAL.c.id).where(REFERRAL.c.issued_on == day, REFERRAL.c.archived.is_(False),
                                        REFERRAL.c.status.in_([s.value for s in PRINTABLE]))
            .order_by(REFERRAL.c.reference)).scalars())
    return _letters_for(store, ids, lang=lang) if ids else []


def letters_for(store: Store, references: list[str], *, lang: str = "zh_CN") -> list[ReferralLetterData]:
    """Letters for the referrals chosen in a list (references or ids), in the order given."""
    ids = [referral_service.find_referral_id(store, r) for r in references]
    return _letters_for(store, ids, lang=lang)


def _letters_for(store: Store, ids: list[str], *, lang: str) -> list[ReferralLetterData]:
    org = organisation(store, lang)
    settings = store.settings()
    me, my_phone = settings.get("worker_name", ""), settings.get("worker_phone", "")
    with store.connect() as conn:
        refs = {r.id: r for r in conn.execute(select(REFERRAL).where(REFERRAL.c.id.in_(ids)))}
        people = {r.id: r for r in conn.execute(
            select(PERSON).where(PERSON.c.id.in_({r.person_id for r in refs.values()})))}
        households = {r.id: r for r in conn.execute(
            select(HOUSEHOLD).where(HOUSEHOLD.c.id.in_({r.household_id for r in refs.values()})))}
        providers = {r.id: r for r in conn.execute(
            select(PROVIDER).where(PROVIDER.c.id.in_({r.provider_id for r in refs.values()})))}
        need_ids = {n for r in refs.values() for n in json.loads(r.need_ids or "[]")}
        needs = {r.id: r for r in conn.execute(select(NEED).where(NEED.c.id.in_(need_ids)))} if need_ids else {}
    out = []
    for rid in ids:
        ref = refs[rid]
        if ref.status not in PRINTABLE or ref.issued_on is None:
            key = "letters.error.cancelled" if ref.status == ReferralStatus.CANCELLED else "letters.error.not_issued"
            raise OutreachError(key, reference=ref.reference)
        person, household, provider = people[ref.person_id], households[ref.household_id], providers[ref.provider_id]
        need_lines = _need_lines([needs[n] for n in json.loads(ref.need_ids or "[]") if n in needs], lang)
        worker = ref.created_by
        out.append(ReferralLetterData(
            reference=ref.reference,
            issued_on=ref.issued_on,
            organisation=org,
            provider=ProviderInfo(name=provider.name, category=provider.category,
                                  contact_person=provider.contact_person, phone=provider.phone,
                                  address=provider.address),
            person=PersonInfo(name=person.name, sex=person.sex, age=_age(person.birth_date, ref.issued_on),
                              id_number=person.id_number or "", address=household.address,
                              phone=person.phone or household.phone, household_code=household.code),
            reason=ref.reason,
            needs=tuple(need_lines),
            urgency=ref.urgency,
            consent=ConsentInfo(given=ref.consent_given, on=ref.consent_on, method=ref.consent_method,
                                by=ref.consent_by, witness=ref.consent_witness),
            worker_name=worker,
            worker_phone=my_phone if worker and worker == me else "",
            expected_reply_on=ref.expected_reply_on,
        ))
    return out


# ---------------------------------------------------------------------------- visit register
def parse_month(text: str) -> tuple[int, int]:
    """'2025-03' → (2025, 3); anything else is a user error."""
    try:
        year_s, month_s = text.strip().split("-")
        year, month = int(year_s), int(month_s)
        date(year, month, 1)
    except ValueError as exc:
        raise OutreachError("letters.error.bad_month", value=text) from exc
    return year, month


def find_village(store: Store, village: str) -> tuple[str, str]:
    """A village by area code, name or short name → (code, name)."""
    key = village.strip()
    with store.connect() as conn:
        row = conn.execute(select(AREA.c.id, AREA.c.name).where(AREA.c.id == key)).first()
        if row is None:
            row = conn.execute(
                select(AREA.c.id, AREA.c.name).where(
                    AREA.c.level == AreaLevel.VILLAGE.value, AREA.c.archived.is_(False),
                    (AREA.c.name == key) | (AREA.c.short_name == key)).order_by(AREA.c.id)).first()
    if row is None:
        raise NotFound("letters.error.unknown_village", village=key)
    return row.id, row.name


def visit_register_data(store: Store, village: str, year: int, month: int,
                        *, lang: str = "zh_CN") -> VisitRegisterData:
    """The month's visits in one village, by date then household, with the names of people met."""
    code, name = find_village(store, village)
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    with store.connect() as conn:
        rows = conn.execute(
            select(VISIT, HOUSEHOLD.c.code.label("household_code"), HOUSEHOLD.c.address.label("household_address"))
            .join(HOUSEHOLD, HOUSEHOLD.c.id == VISIT.c.household_id)
            .where(HOUSEHOLD.c.village_id == code, VISIT.c.archived.is_(False),
                   VISIT.c.visit_date >= start, VISIT.c.visit_date < end)
            .order_by(VISIT.c.visit_date, HOUSEHOLD.c.code, VISIT.c.hlc)).all()
        met_ids = {p for r in rows for p in json.loads(r.people_met or "[]")}
        names = dict(conn.execute(select(PERSON.c.id, PERSON.c.name).where(PERSON.c.id.in_(met_ids))).all()) \
            if met_ids else {}
        heads = _heads(conn, {r.household_id for r in rows})
    sep = ", " if lang == "en" else "、"
    visits = tuple(
        VisitRow(visit_date=r.visit_date, household_code=r.household_code,
                 people_met=sep.join(names.get(p, "?") for p in json.loads(r.people_met or "[]")),
                 visit_type=r.visit_type, outcome=r.outcome, worker=r.created_by, notes=r.notes or "",
                 head_name=heads.get(r.household_id, ""), address=r.household_address or "")
        for r in rows
    )
    org = organisation(store, lang)
    team = store.get_setting("team_name").strip() or _sync_team_name(store) or org.name
    return VisitRegisterData(organisation=org, village_name=name, village_code=code, year=year, month=month,
                             team=team, rows=visits)


def _heads(conn, household_ids: set[str]) -> dict[str, str]:
    """Household id → the head's name (relation 本人): a current member first, then anyone recorded so."""
    if not household_ids:
        return {}
    rows = conn.execute(
        select(PERSON.c.household_id, PERSON.c.name, PERSON.c.status)
        .where(PERSON.c.household_id.in_(household_ids), PERSON.c.relation == Relation.SELF.value,
               PERSON.c.archived.is_(False), func.coalesce(PERSON.c.merged_into, "") == "")
        .order_by(PERSON.c.household_id, PERSON.c.name)).all()
    out: dict[str, str] = {}
    for hid, name, _status in sorted(rows, key=lambda r: (r[0], r[2] in ("moved", "deceased"))):
        out.setdefault(hid, name)
    return out


def _sync_team_name(store: Store) -> str:
    """The name the team was given when the lead created it (``outreach team``), if any."""
    from outreach.sync.team import get_team

    with store.connect() as conn:
        team = get_team(conn)
    return team.name.strip() if team else ""


# ---------------------------------------------------------------------------- ready-made PDFs
def letters_pdf(store: Store, references: list[str], *, lang: str = "zh_CN") -> bytes:
    """One PDF (bytes) with the letters of the given referrals, for preview, print or save."""
    import io

    from outreach.letters.referral_letter import render_referral_letters

    buf = io.BytesIO()
    render_referral_letters(letters_for(store, references, lang=lang), buf, lang=lang)
    return buf.getvalue()
