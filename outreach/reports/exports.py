"""Spreadsheet exports: households, people, visits, assessments and referrals.

    write_csv(store, "out/", ExportOptions(redact=True))     # out/households.csv … (UTF-8 with BOM)
    write_xlsx(store, "team.xlsx", ExportOptions())          # one sheet per entity

Headers, sheet names and coded values (visit type, outcome, status …) are translated into
``options.lang``. Archived rows and people merged into another record are left out unless asked
(``include_archived``, ``include_merged``). ``redact=True`` applies ``outreach.reports.redaction``:
names masked, ID numbers and phones masked, birth dates cut to the year, addresses and free text left
out. Files are written to a temporary name and moved into place only when complete.

Cells that a spreadsheet would run as a formula (text starting with ``=``, ``@``, or ``+``/``-``
followed by something other than a number) get a leading apostrophe in CSV and are stored as plain
text in XLSX, so a note typed as ``=HYPERLINK(…)`` stays a note.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from outreach.domain.ages import age_group, age_on
from outreach.domain.enums import (
    AgeGroup,
    BenefitStatus,
    ConsentMethod,
    DisabilityType,
    Labelled,
    NeedDomain,
    PersonStatus,
    Priority,
    ProviderCategory,
    ReferralStatus,
    Relation,
    Sex,
    Urgency,
    VisitOutcome,
    VisitType,
    Vulnerability,
)
from outreach.i18n import tr
from outreach.reports import redaction as rd
from outreach.reports.files import atomic_file, atomic_folder, check_target
from outreach.reports.queries import A, AreaTree, E, H, P, R, V
from outreach.reports.referral_cohort import REPLY_STATUSES
from outreach.reports.scope import local_date
from outreach.storage.store import Store
from outreach.storage.tables import Provider

PROVIDER = Provider.__table__
ENTITIES = ("households", "people", "visits", "assessments", "referrals")
_FORMULA = re.compile(r"^(=|@|[+\-](?![\d\s.()]*$)|\t|\r)")


@dataclass(frozen=True)
class ExportOptions:
    redact: bool = False
    include_archived: bool = False
    include_merged: bool = False
    area_id: str | None = None          # an area code: only households in its subtree (None: all)
    lang: str | None = None
    today: date | None = None           # for ages (default: today)


@dataclass(frozen=True)
class Sheet:
    entity: str
    columns: list[str]                  # column keys (``reports.col.<key>`` in the catalog)
    rows: Iterable[list[Any]]


def export_sheets(store: Store, options: ExportOptions) -> Iterator[Sheet]:
    """The five tables, one after another (rows are produced lazily, from one read connection)."""
    with store.connect() as conn:
        ctx = _Context(conn, options)
        yield _households(ctx)
        yield _people(ctx)
        yield _visits(ctx)
        yield _assessments(ctx)
        yield _referrals(ctx)


def write_csv(store: Store, folder: str | Path, options: ExportOptions | None = None, *,
              progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """One ``<entity>.csv`` per entity in ``folder`` (created if missing). Returns rows per entity."""
    options = options or ExportOptions()
    yes_text = tr("reports.value.yes", options.lang)
    check_target(folder, folder=True)
    counts: dict[str, int] = {}
    with atomic_folder(folder) as tmp:
        for i, sheet in enumerate(export_sheets(store, options)):
            with (tmp / f"{sheet.entity}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([_header(c, options.lang) for c in sheet.columns])
                n = 0
                for row in sheet.rows:
                    writer.writerow([_csv_cell(v, yes_text) for v in row])
                    n += 1
            counts[sheet.entity] = n
            if progress:
                progress(i + 1, len(ENTITIES))
    return counts


def write_xlsx(store: Store, path: str | Path, options: ExportOptions | None = None, *,
               progress: Callable[[int, int], None] | None = None, zip_passphrase: str | None = None) -> dict[str, int]:
    """One workbook, one sheet per entity, translated headers, real date cells. Returns rows per entity.
    With ``zip_passphrase`` the file is an AES-256 zip holding the workbook (``reports/sealed.py``).

    Streamed row by row into the zipped sheets (``xlsx_stream``; issue 14: the whole 50k team took
    208 s with openpyxl's write-only mode). Text is always written as text, never as a formula."""
    from outreach.reports.xlsx_stream import XlsxStream

    options = options or ExportOptions()
    yes_text = tr("reports.value.yes", options.lang)
    check_target(path)
    counts: dict[str, int] = {}
    # Zipped in memory, then written: a disk that fills up fails our write, not zipfile's, which
    # would report the same failure again when it is garbage-collected (a traceback at exit).
    buffer = io.BytesIO()
    with XlsxStream(buffer) as book:
        for i, sheet in enumerate(export_sheets(store, options)):
            ws = book.sheet(tr(f"reports.sheet.{sheet.entity}", options.lang),
                            [_WIDTHS.get(key, 12) for key in sheet.columns])
            ws.header([_xlsx_text(_header(key, options.lang)) for key in sheet.columns])
            n = 0
            write = ws.row
            for row in sheet.rows:
                write([_xlsx_cell(v, yes_text) for v in row])
                n += 1
            counts[sheet.entity] = n
            if progress:
                progress(i + 1, len(ENTITIES))
    data = buffer.getvalue()
    if zip_passphrase is not None:   # issue 13: only the encrypted zip reaches the disk
        from outreach.reports.sealed import aes_zip, member_name

        data = aes_zip(member_name(path), data, zip_passphrase)
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    return counts


# --------------------------------------------------------------------------- cells
class _Flag:
    """A boolean cell: shown as 是/yes when true and left empty when false."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value


YES, NO = _Flag(True), _Flag(False)


def yes(value: bool) -> _Flag:
    return YES if value else NO


def _header(key: str, lang: str | None) -> str:
    if key.startswith("flag_"):
        return Vulnerability(key.removeprefix("flag_")).label(lang)
    return tr(f"reports.col.{key}", lang)


_RISKY = frozenset("=@+-\t\r")


def _csv_cell(value: Any, yes_text: str) -> str:
    kind = type(value)
    if kind is str:
        return "'" + value if value and value[0] in _RISKY and _FORMULA.match(value) else value
    if value is None or value is NO:
        return ""
    if value is YES:
        return yes_text
    if kind is date or kind is datetime:
        return value.isoformat()
    return str(value)


_ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _xlsx_text(text: str) -> str:
    """Without the control characters XML cannot hold (line breaks and tabs stay)."""
    if text.isprintable():
        return text
    return _ILLEGAL_XML.sub("", text)


def _xlsx_cell(value: Any, yes_text: str) -> Any:
    kind = type(value)
    if kind is str:
        return _xlsx_text(value)  # written as text whatever it looks like (never a formula)
    if value is NO:
        return None
    if value is YES:
        return yes_text
    return value


_WIDTHS = {"household": 14, "village": 12, "name": 10, "address": 28, "id_number": 21, "phone": 14,
           "notes": 40, "reason": 36, "provider": 20, "reference": 20, "people_met": 18, "domains": 30,
           "services_provided": 30}


# --------------------------------------------------------------------------- shared context
class _Context:
    def __init__(self, conn: Connection, options: ExportOptions) -> None:
        self.conn = conn
        self.o = options
        self.lang = options.lang
        self.today = options.today or date.today()
        self.tree = AreaTree(conn)
        self.area_ids = None if options.area_id is None else self.tree.subtree(self.tree.resolve(options.area_id))
        self._labels: dict[tuple[type, str], str] = {}
        hh = select(H.c.id, H.c.code, H.c.village_id).where(*self.household_conditions())
        self.households = {r.id: (r.code, r.village_id) for r in conn.execute(hh)}
        self.names = dict(conn.execute(select(P.c.id, P.c.name)).all())

    def household_conditions(self) -> list:
        cond = [] if self.o.include_archived else [H.c.archived.is_(False)]
        if self.area_ids is not None:
            cond.append(H.c.village_id.in_(self.area_ids) | H.c.group_id.in_(self.area_ids))
        return cond

    def live(self, table) -> list:
        """Rows of ``table`` that belong in the export (by archive flag and household)."""
        cond = [] if self.o.include_archived else [table.c.archived.is_(False)]
        if self.area_ids is not None or not self.o.include_archived:
            cond.append(table.c.household_id.in_(select(H.c.id).where(*self.household_conditions())))
        return cond

    def label(self, enum: type[Labelled], code: str | None) -> str:
        if not code:
            return ""
        key = (enum, code)
        if key not in self._labels:
            self._labels[key] = enum.label_of(code, self.lang)
        return self._labels[key]

    def area(self, area_id: str | None) -> str:
        return self.tree.name.get(area_id or "", area_id or "")

    def name(self, text: str | None) -> str:
        return rd.mask_name(text) if self.o.redact else (text or "")

    def phone(self, text: str | None) -> str:
        return rd.mask_phone(text) if self.o.redact else (text or "")

    def id_number(self, text: str | None) -> str:
        return rd.mask_id(text) if self.o.redact else (text or "")

    def free(self, columns: list[str]) -> list[str]:
        """Free-text and address columns are left out of a redacted export."""
        return [c for c in columns if not (self.o.redact and c in _FREE_TEXT)]

    def archived(self, columns: list[str]) -> list[str]:
        return [*columns, "archived"] if self.o.include_archived else columns


_FREE_TEXT = {"address", "notes", "reason", "services_provided"}


def _pick(columns: list[str], values: dict[str, Any]) -> list[Any]:
    return [values.get(c) for c in columns]


# --------------------------------------------------------------------------- the five tables
def _households(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(["household", "village", "group", "address", "head", "phone", "benefit_status",
                                  "members", "consent_given", "consent_by", "consent_on", "consent_method",
                                  "registered_on", "registered_by", "notes"]))
    members = dict(ctx.conn.execute(
        select(P.c.household_id, func.count()).where(P.c.archived.is_(False), P.c.merged_into.is_(None),
                                                     P.c.status.not_in(("moved", "deceased")))
        .group_by(P.c.household_id)).all())

    def rows() -> Iterator[list[Any]]:
        stmt = select(*_cols(H, "id code village_id group_id address head_person_id phone benefit_status "
                                "consent_given consent_by consent_on consent_method created_at created_by notes archived")
                      ).where(*ctx.household_conditions()).order_by(H.c.code)
        for (hid, code, village_id, group_id, address, head_person_id, phone, benefit_status, consent_given,
             consent_by, consent_on, consent_method, created_at, created_by, notes, archived) in ctx.conn.execute(stmt):
            yield _pick(cols, {
                "household": code, "village": ctx.area(village_id), "group": ctx.area(group_id),
                "address": address, "head": ctx.name(ctx.names.get(head_person_id or "")),
                "phone": ctx.phone(phone), "benefit_status": ctx.label(BenefitStatus, benefit_status),
                "members": members.get(hid, 0), "consent_given": yes(consent_given),
                "consent_by": ctx.name(consent_by), "consent_on": consent_on,
                "consent_method": ctx.label(ConsentMethod, consent_method),
                "registered_on": local_date(created_at), "registered_by": created_by, "notes": notes,
                "archived": yes(archived)})

    return Sheet("households", cols, rows())


def _people(ctx: _Context) -> Sheet:
    flags = [f"flag_{v.value}" for v in Vulnerability]
    base = ["household", "village", "name", "sex", "birth_date", "age", "age_group", "id_number", "relation",
            "phone", "status", *flags, "disability_type", "disability_grade", "notes"]
    if ctx.o.include_merged:
        base.append("merged_into")
    cols = ctx.archived(ctx.free(base))
    cond = ctx.live(P)
    if not ctx.o.include_merged:
        cond.append(P.c.merged_into.is_(None))

    def rows() -> Iterator[list[Any]]:
        stmt = (select(*_cols(P, "household_id name sex birth_date id_number relation phone status disability_type "
                              "disability_grade notes merged_into archived"), *[P.c[f] for f in flags])
                .join(H, H.c.id == P.c.household_id).where(*cond)
                .order_by(H.c.code, P.c.created_at, P.c.id))
        households, label, today, redact = ctx.households, ctx.label, ctx.today, ctx.o.redact
        # positional unpacking: a Row's attributes cost more than the rest of the row (issue 14, CSV)
        for (household_id, name, sex, birth, id_number, relation, phone, status, disability_type,
             disability_grade, notes, merged_into, archived, *flag_values) in ctx.conn.execute(stmt):
            code, village = households.get(household_id, ("", ""))
            group = age_group(birth, today) if birth else None
            values = {
                "household": code, "village": ctx.area(village), "name": ctx.name(name),
                "sex": label(Sex, sex),
                "birth_date": (birth.year if redact else birth) if birth else None,
                "age": age_on(birth, today) if birth else None,
                "age_group": label(AgeGroup, group.value) if group else "",
                "id_number": ctx.id_number(id_number), "relation": label(Relation, relation),
                "phone": ctx.phone(phone), "status": label(PersonStatus, status),
                "disability_type": label(DisabilityType, disability_type),
                "disability_grade": disability_grade, "notes": notes,
                "merged_into": ctx.name(ctx.names.get(merged_into or "")), "archived": yes(archived)}
            values.update(zip(flags, map(yes, flag_values), strict=True))
            yield _pick(cols, values)

    return Sheet("people", cols, rows())


def _visits(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(["household", "village", "visit_date", "visit_type", "outcome", "people_met",
                                  "next_due", "worker", "notes"]))

    def rows() -> Iterator[list[Any]]:
        stmt = select(*_cols(V, "household_id visit_date visit_type outcome people_met next_due created_by notes "
                                "archived")).where(*ctx.live(V)).order_by(V.c.visit_date, V.c.household_id)
        for (household_id, visit_date, visit_type, outcome, people_met, next_due, created_by, notes,
             archived) in ctx.conn.execute(stmt):
            code, village = ctx.households.get(household_id, ("", ""))
            met = [ctx.name(ctx.names.get(pid, "")) for pid in _json_list(people_met)]
            yield _pick(cols, {
                "household": code, "village": ctx.area(village), "visit_date": visit_date,
                "visit_type": ctx.label(VisitType, visit_type), "outcome": ctx.label(VisitOutcome, outcome),
                "people_met": "、".join(m for m in met if m), "next_due": next_due, "worker": created_by,
                "notes": notes, "archived": yes(archived)})

    return Sheet("visits", cols, rows())


def _assessments(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(["household", "village", "person", "assessed_on", "score", "priority", "domains",
                                  "worker", "notes"]))

    def rows() -> Iterator[list[Any]]:
        stmt = select(*_cols(A, "household_id person_id assessed_on score priority domain_priorities created_by "
                                "notes archived")).where(*ctx.live(A)).order_by(A.c.assessed_on, A.c.household_id)
        for a in ctx.conn.execute(stmt):
            code, village = ctx.households.get(a.household_id, ("", ""))
            domains = _json_dict(a.domain_priorities)
            text = "; ".join(f"{ctx.label(NeedDomain, d)}: {ctx.label(Priority, p)}" for d, p in domains.items())
            yield _pick(cols, {
                "household": code, "village": ctx.area(village), "person": ctx.name(ctx.names.get(a.person_id or "")),
                "assessed_on": a.assessed_on, "score": a.score, "priority": ctx.label(Priority, a.priority),
                "domains": text, "worker": a.created_by, "notes": a.notes, "archived": yes(a.archived)})

    return Sheet("assessments", cols, rows())


def _referrals(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(["reference", "household", "village", "person", "provider", "provider_category",
                                  "urgency", "referral_status", "issued_on", "expected_reply_on", "replied_on",
                                  "consent_given", "consent_by", "consent_on", "consent_method", "consent_witness",
                                  "reason", "services_provided", "worker"]))
    providers = {r.id: (r.name, r.category) for r in ctx.conn.execute(select(PROVIDER.c.id, PROVIDER.c.name,
                                                                               PROVIDER.c.category))}
    replied = dict(ctx.conn.execute(
        select(E.c.referral_id, func.min(E.c.event_date)).where(E.c.archived.is_(False),
                                                                E.c.status.in_(sorted(REPLY_STATUSES)))
        .group_by(E.c.referral_id)).all())

    def rows() -> Iterator[list[Any]]:
        stmt = select(R).where(*ctx.live(R)).order_by(R.c.reference)
        for r in ctx.conn.execute(stmt):
            code, village = ctx.households.get(r.household_id, ("", ""))
            pname, pcat = providers.get(r.provider_id, ("", ""))
            yield _pick(cols, {
                "reference": r.reference, "household": code, "village": ctx.area(village),
                "person": ctx.name(ctx.names.get(r.person_id)), "provider": pname,
                "provider_category": ctx.label(ProviderCategory, pcat), "urgency": ctx.label(Urgency, r.urgency),
                "referral_status": ctx.label(ReferralStatus, r.status), "issued_on": r.issued_on,
                "expected_reply_on": r.expected_reply_on, "replied_on": replied.get(r.id),
                "consent_given": yes(r.consent_given), "consent_by": ctx.name(r.consent_by),
                "consent_on": r.consent_on, "consent_method": ctx.label(ConsentMethod, r.consent_method),
                "consent_witness": ctx.name(r.consent_witness), "reason": r.reason,
                "services_provided": r.services_provided, "worker": r.created_by, "archived": yes(r.archived)})

    return Sheet("referrals", cols, rows())


def _cols(table, names: str) -> list:
    return [table.c[n] for n in names.split()]


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _json_dict(text: str | None) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


__all__ = ["ENTITIES", "ExportOptions", "Sheet", "export_sheets", "write_csv", "write_xlsx"]
