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
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Any

import msgspec
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
from outreach.reports.queries import A, AreaTree, E, H, P, R, V, in_code_order
from outreach.reports.referral_cohort import REPLY_STATUSES
from outreach.reports.scope import local_date
from outreach.safefiles import fsync_file as _fsync
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


def export_sheets(store: Store, options: ExportOptions, *, for_csv: bool = False) -> Iterator[Sheet]:
    """The five tables, one after another (rows are produced lazily, from one read connection, in
    one read transaction). ``for_csv``: text a spreadsheet would run as a formula gets a leading
    apostrophe (the CSV writer's rule; the XLSX writer stores every text as text)."""
    with store.connect() as conn:
        ctx = _Context(conn, options, for_csv=for_csv)
        yield _households(ctx)
        yield _people(ctx)
        yield _visits(ctx)
        yield _assessments(ctx)
        yield _referrals(ctx)


def write_csv(store: Store, folder: str | Path, options: ExportOptions | None = None, *,
              progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """One ``<entity>.csv`` per entity in ``folder`` (created if missing). Returns rows per entity.

    Rows go to ``csv.writer.writerows`` in batches, as the tuples the queries produce; text that a
    spreadsheet would run as a formula was already quoted where it entered a row (``_Context.safe``),
    so no cell is looked at again here. Each finished file is flushed to disk in a background thread
    while the next one is written (the temporary folder's own flush then finds nothing to do)."""
    options = options or ExportOptions()
    check_target(folder, folder=True)
    counts: dict[str, int] = {}
    with atomic_folder(folder) as tmp, _Flusher() as flusher:
        for i, sheet in enumerate(export_sheets(store, options, for_csv=True)):
            path = tmp / f"{sheet.entity}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                # the csv module writes into memory and the file gets one string per 2,000 rows (one
                # encoding call, not one per row); cells are str, int, float, date or None (see
                # _Context): csv writes None as "" and a date as its ISO form
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow([_header(c, options.lang) for c in sheet.columns])
                counts[sheet.entity] = _write_batches(writer.writerows, sheet.rows, buffer, fh.write)
            flusher.flush(path)
            if progress:
                progress(i + 1, len(ENTITIES))
    return counts


def _write_batches(writerows: Callable[[list], Any], rows: Iterable, buffer: io.StringIO,
                   write: Callable[[str], Any]) -> int:
    n = 0
    rows = iter(rows)
    while batch := list(islice(rows, _BATCH)):
        writerows(batch)
        n += len(batch)
        write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()
    write(buffer.getvalue())   # the header of an empty table
    return n


class _Flusher:
    """``os.fsync`` of finished files in one background thread (the GIL is released while the disk
    works), so flushing one file overlaps writing the next. Errors come back at the end."""

    def __init__(self) -> None:
        self._pool: Any = None
        self._pending: list = []

    def __enter__(self) -> _Flusher:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-fsync")
        return self

    def flush(self, path: Path) -> None:
        self._pending.append(self._pool.submit(_fsync, path))

    def __exit__(self, exc_type, *_exc) -> None:
        self._pool.shutdown(wait=True)
        if exc_type is None:
            for future in self._pending:
                future.result()   # an OSError (a full disk) is reported like any other write error


def write_xlsx(store: Store, path: str | Path, options: ExportOptions | None = None, *,
               progress: Callable[[int, int], None] | None = None, zip_passphrase: str | None = None) -> dict[str, int]:
    """One workbook, one sheet per entity, translated headers, real date cells. Returns rows per entity.
    With ``zip_passphrase`` the file is an AES-256 zip holding the workbook (``reports/sealed.py``).

    Streamed row by row into the zipped sheets (``xlsx_stream``; issue 14: the whole 50k team took
    208 s with openpyxl's write-only mode). Text is always written as text, never as a formula."""
    from outreach.reports.xlsx_stream import XlsxStream

    options = options or ExportOptions()
    check_target(path)
    counts: dict[str, int] = {}
    # Zipped in memory, then written: a disk that fills up fails our write, not zipfile's, which
    # would report the same failure again when it is garbage-collected (a traceback at exit).
    buffer = io.BytesIO()
    with XlsxStream(buffer) as book:
        for i, sheet in enumerate(export_sheets(store, options)):
            ws = book.sheet(tr(f"reports.sheet.{sheet.entity}", options.lang),
                            [_WIDTHS.get(key, 12) for key in sheet.columns])
            ws.header([_header(key, options.lang) for key in sheet.columns])
            n = 0
            write = ws.row   # text is always a text cell; characters XML cannot hold are dropped there
            for row in sheet.rows:
                write(row)
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
def _header(key: str, lang: str | None) -> str:
    if key.startswith("flag_"):
        return Vulnerability(key.removeprefix("flag_")).label(lang)
    return tr(f"reports.col.{key}", lang)


_RISKY = frozenset("=@+-\t\r")


_WIDTHS = {"household": 14, "village": 12, "name": 10, "address": 28, "id_number": 21, "phone": 14,
           "notes": 40, "reason": 36, "provider": 20, "reference": 20, "people_met": 18, "domains": 30,
           "services_provided": 30}


class _Labels(dict):
    """Code → translated label of one enum, filled on first use ("" for no code)."""

    def __init__(self, enum: type[Labelled], lang: str | None, safe: Callable[[str], str] = str) -> None:
        super().__init__()
        self.enum, self.lang, self.safe = enum, lang, safe

    def __missing__(self, code: str | None) -> str:
        value = self.safe(self.enum.label_of(code, self.lang)) if code else ""
        self[code] = value
        return value


class _Memo(dict):
    """``fn(x)`` computed once per distinct x."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.fn(key)
        return value


def _projection(all_columns: list[str], columns: list[str]) -> Callable[[tuple], tuple]:
    """A function picking ``columns`` (in that order) out of a row laid out as ``all_columns``."""
    positions = [all_columns.index(c) for c in columns]
    if len(positions) == 1:
        return lambda row: (row[positions[0]],)
    return itemgetter(*positions)


# --------------------------------------------------------------------------- shared context
class _Context:
    """What every table needs, read once. Rows come out as tuples of str, int, float, date or None —
    a yes/no flag is the translated "yes" or None — so that the CSV and XLSX writers pass them on as
    they are (issue 14: a per-cell conversion was half the cost of a CSV export).

    The rows are read through the driver's own cursor (``raw``): SQLAlchemy builds each statement,
    but its per-cell result conversion (ten yes/no flags and a date per person) is not paid; dates
    arrive as ISO text from SQLite and as dates from PostgreSQL and become dates through one memo
    (``day``), flags are 0/1 or booleans and only ever tested for truth."""

    def __init__(self, conn: Connection, options: ExportOptions, *, for_csv: bool = False) -> None:
        self.conn = conn
        self.o = options
        self.lang = options.lang
        self.today = options.today or date.today()
        self.safe = _csv_safe if for_csv else _same
        self.yes = self.safe(tr("reports.value.yes", options.lang))
        # free text and addresses: left out of a redacted export, so not even looked at ({}.get: None)
        self.free_text = {}.get if options.redact else self.safe
        self.tree = AreaTree(conn)   # (the first statement begins the read transaction the rest share)
        self.area_ids = None if options.area_id is None else self.tree.subtree(self.tree.resolve(options.area_id))
        self._labels: dict[type, _Labels] = {}
        safe = self.safe
        self.area_names = {k: safe(v) for k, v in self.tree.name.items()}
        hh = select(H.c.id, H.c.code, H.c.village_id).where(*self.household_conditions())
        areas = self.area_names
        # household id → (code, village name)
        self.households = {hid: (safe(code), areas.get(v or "", safe(v or "")))
                           for hid, code, v in self.raw(hh)}
        self.names = dict(self.raw(select(P.c.id, P.c.name)))
        self.day = _Day()
        self.worker = _Memo(lambda w: safe(w or "")).__getitem__ if for_csv else _text
        redact = options.redact
        # masked names remembered for the whole export (the mask's own cache is smaller than a county)
        self.plain_name = _Memo(rd.mask_name).__getitem__ if redact else _text
        self.name = _Memo(lambda n: safe(rd.mask_name(n))).__getitem__ if redact else (
            _Memo(lambda n: safe(n or "")).__getitem__ if for_csv else _text)
        if redact:   # a masked phone is digits and stars; an ID number keeps what was typed first
            self.phone = rd.mask_phone
            self.id_number = (lambda n: _csv_safe(rd.mask_id(n))) if for_csv else rd.mask_id
        else:
            self.phone = self.id_number = _csv_text if for_csv else _text

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

    def raw(self, stmt) -> Iterator[tuple]:
        """The rows of ``stmt`` as the driver returns them (plain tuples), fetched in batches of 2,000;
        on PostgreSQL through a server-side cursor. The statement is compiled with its values written
        in (they are our own: flags, area codes, status codes) and runs in the connection's read
        transaction."""
        sql = str(stmt.compile(dialect=self.conn.dialect,
                               compile_kwargs={"literal_binds": True, "render_postcompile": True}))
        driver = self.conn.connection.driver_connection
        if self.conn.dialect.name == "postgresql":
            _Context._cursors += 1
            cur = driver.cursor(name=f"outreach_export_{_Context._cursors}")
        else:
            cur = driver.cursor()
        return chain.from_iterable(_batches(cur, sql))   # rows handed on in C, not one by one

    _cursors = 0

    def labels(self, enum: type[Labelled]) -> _Labels:
        if enum not in self._labels:
            self._labels[enum] = _Labels(enum, self.lang, self.safe)
        return self._labels[enum]

    def area(self, area_id: str | None) -> str:
        return self.area_names.get(area_id or "", self.safe(area_id or ""))

    def flag(self, value: object) -> str | None:
        return self.yes if value else None

    def free(self, columns: list[str]) -> list[str]:
        """Free-text and address columns are left out of a redacted export."""
        return [c for c in columns if not (self.o.redact and c in _FREE_TEXT)]

    def archived(self, columns: list[str]) -> list[str]:
        return [*columns, "archived"] if self.o.include_archived else columns

    def sheet(self, entity: str, all_columns: list[str], columns: list[str], rows: Iterator[tuple]) -> Sheet:
        pick = _projection(all_columns, columns)
        return Sheet(entity, columns, map(pick, rows))


_FREE_TEXT = {"address", "notes", "reason", "services_provided"}
_BATCH = 2000


def _batches(cur, sql: str) -> Iterator[list]:
    try:
        cur.execute(sql)
        fetch = cur.fetchmany
        while batch := fetch(_BATCH):
            yield batch
    finally:
        cur.close()


def _text(text: str | None) -> str:
    return text or ""


def _same(text: str) -> str:
    return text


def _csv_safe(text: str | None) -> str | None:
    """CSV: text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text and text[0] in _RISKY and _FORMULA.match(text) else text


def _csv_text(text: str | None) -> str:
    return "'" + text if text and text[0] in _RISKY and _FORMULA.match(text) else (text or "")


class _Day(dict):
    """A stored date (ISO text on SQLite, a date on PostgreSQL, or None) → a date, parsed once per
    distinct value."""

    def __missing__(self, value: Any) -> date | None:
        day = self[value] = date.fromisoformat(value) if type(value) is str else value
        return day


def _local_day(stamp: str | None) -> date | None:
    """A stored UTC timestamp (ISO text) → the local calendar day."""
    return local_date(datetime.fromisoformat(stamp)) if stamp else None


# --------------------------------------------------------------------------- the five tables
_HOUSEHOLD_COLUMNS = ["household", "village", "group", "address", "head", "phone", "benefit_status", "members",
                      "consent_given", "consent_by", "consent_on", "consent_method", "registered_on",
                      "registered_by", "notes", "archived"]


def _households(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(_HOUSEHOLD_COLUMNS[:-1]))
    members = dict(ctx.raw(
        select(P.c.household_id, func.count()).where(P.c.archived.is_(False), P.c.merged_into.is_(None),
                                                     P.c.status.not_in(("moved", "deceased")))
        .group_by(P.c.household_id)))

    def rows() -> Iterator[tuple]:
        stmt = select(*_cols(H, "id code village_id group_id address head_person_id phone benefit_status "
                                "consent_given consent_by consent_on consent_method created_at created_by notes archived")
                      ).where(*ctx.household_conditions()).order_by(in_code_order(ctx.conn, H.c.code))
        area, names, name, safe, day, yes = ctx.area, ctx.names, ctx.name, ctx.safe, ctx.day, ctx.yes
        free = ctx.free_text
        benefit, method, worker = ctx.labels(BenefitStatus), ctx.labels(ConsentMethod), ctx.worker
        for (hid, code, village_id, group_id, address, head_person_id, phone, benefit_status, consent_given,
             consent_by, consent_on, consent_method, created_at, created_by, notes, archived) in ctx.raw(stmt):
            yield (safe(code), area(village_id), area(group_id), free(address), name(names.get(head_person_id or "")),
                   ctx.phone(phone), benefit[benefit_status], members.get(hid, 0), yes if consent_given else None,
                   name(consent_by), day[consent_on], method[consent_method], _local_day(created_at),
                   worker(created_by), free(notes), yes if archived else None)

    return ctx.sheet("households", _HOUSEHOLD_COLUMNS, cols, rows())


def _people(ctx: _Context) -> Sheet:
    flags = [f"flag_{v.value}" for v in Vulnerability]
    every = ["household", "village", "name", "sex", "birth_date", "age", "age_group", "id_number", "relation",
             "phone", "status", "disability_type", "disability_grade", "notes", "merged_into", "archived", *flags]
    base = ["household", "village", "name", "sex", "birth_date", "age", "age_group", "id_number", "relation",
            "phone", "status", *flags, "disability_type", "disability_grade", "notes"]
    if ctx.o.include_merged:
        base.append("merged_into")
    cols = ctx.archived(ctx.free(base))
    cond = ctx.live(P)
    if not ctx.o.include_merged:
        cond.append(P.c.merged_into.is_(None))

    def rows() -> Iterator[tuple]:
        # one statement, already in household-code order (the join serves the ORDER BY)
        stmt = (select(*_cols(P, "household_id name sex birth_date id_number relation phone status disability_type "
                              "disability_grade notes merged_into archived"), *[P.c[f] for f in flags])
                .join(H, H.c.id == P.c.household_id).where(*cond)
                .order_by(in_code_order(ctx.conn, H.c.code), P.c.created_at, P.c.id))
        households, today, redact, yes = ctx.households, ctx.today, ctx.o.redact, ctx.yes
        names, name, phone, id_number, free = ctx.names, ctx.name, ctx.phone, ctx.id_number, ctx.free_text
        sexes, groups, relations = ctx.labels(Sex), ctx.labels(AgeGroup), ctx.labels(Relation)
        statuses, disabilities = ctx.labels(PersonStatus), ctx.labels(DisabilityType)
        # birth date → (shown, age, age group), once per distinct date
        born = _Memo(lambda text: _birth(ctx.day[text], today, redact, groups))
        nowhere = ("", "")
        # positional unpacking: a Row's attributes cost more than the rest of the row (issue 14, CSV)
        for (household_id, who, sex, birth, id_no, relation, tel, status, disability_type,
             disability_grade, notes, merged_into, archived, *flag_values) in ctx.raw(stmt):
            code, village = households.get(household_id, nowhere)
            shown_birth, age, group = born[birth]
            yield (code, village, name(who), sexes[sex], shown_birth, age, group, id_number(id_no),
                   relations[relation], phone(tel), statuses[status], disabilities[disability_type],
                   disability_grade, free(notes), name(names.get(merged_into or "")) if merged_into else "",
                   yes if archived else None, *[yes if f else None for f in flag_values])

    return ctx.sheet("people", every, cols, rows())


def _birth(birth: date | None, today: date, redact: bool, groups: _Labels) -> tuple:
    if birth is None:
        return None, None, ""
    return (birth.year if redact else birth), age_on(birth, today), groups[age_group(birth, today).value]


_VISIT_COLUMNS = ["household", "village", "visit_date", "visit_type", "outcome", "people_met", "next_due", "worker",
                  "notes", "archived"]


def _visits(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(_VISIT_COLUMNS[:-1]))

    def rows() -> Iterator[tuple]:
        stmt = select(*_cols(V, "household_id visit_date visit_type outcome people_met next_due created_by notes "
                                "archived")).where(*ctx.live(V)).order_by(V.c.visit_date, V.c.household_id)
        households, names, name, safe, day, yes = ctx.households, ctx.names, ctx.plain_name, ctx.safe, ctx.day, ctx.yes
        types, outcomes, worker, free = ctx.labels(VisitType), ctx.labels(VisitOutcome), ctx.worker, ctx.free_text
        nowhere = ("", "")
        for (household_id, visit_date, visit_type, outcome, people_met, next_due, created_by, notes,
             archived) in ctx.raw(stmt):
            code, village = households.get(household_id, nowhere)
            met = [name(names.get(pid, "")) for pid in _json_list(people_met)] if people_met else ()
            yield (code, village, day[visit_date], types[visit_type], outcomes[outcome],
                   safe("、".join(m for m in met if m)), day[next_due], worker(created_by), free(notes),
                   yes if archived else None)

    return ctx.sheet("visits", _VISIT_COLUMNS, cols, rows())


_ASSESSMENT_COLUMNS = ["household", "village", "person", "assessed_on", "score", "priority", "domains", "worker",
                       "notes", "archived"]


def _assessments(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(_ASSESSMENT_COLUMNS[:-1]))

    def rows() -> Iterator[tuple]:
        stmt = select(*_cols(A, "household_id person_id assessed_on score priority domain_priorities created_by "
                                "notes archived")).where(*ctx.live(A)).order_by(A.c.assessed_on, A.c.household_id)
        domains_of, priorities = ctx.labels(NeedDomain), ctx.labels(Priority)
        nowhere = ("", "")
        for (household_id, person_id, assessed_on, score, priority, domain_priorities, created_by, notes,
             archived) in ctx.raw(stmt):
            code, village = ctx.households.get(household_id, nowhere)
            text = "; ".join(f"{domains_of[d]}: {priorities[p]}" for d, p in _json_dict(domain_priorities).items())
            yield (code, village, ctx.name(ctx.names.get(person_id or "")), ctx.day[assessed_on], score,
                   priorities[priority], text, ctx.worker(created_by), ctx.free_text(notes), ctx.flag(archived))

    return ctx.sheet("assessments", _ASSESSMENT_COLUMNS, cols, rows())


_REFERRAL_COLUMNS = ["reference", "household", "village", "person", "provider", "provider_category", "urgency",
                     "referral_status", "issued_on", "expected_reply_on", "replied_on", "consent_given",
                     "consent_by", "consent_on", "consent_method", "consent_witness", "reason",
                     "services_provided", "worker", "archived"]


def _referrals(ctx: _Context) -> Sheet:
    cols = ctx.archived(ctx.free(_REFERRAL_COLUMNS[:-1]))
    safe = ctx.safe
    providers = {pid: (safe(pname), category) for pid, pname, category in
                 ctx.raw(select(PROVIDER.c.id, PROVIDER.c.name, PROVIDER.c.category))}
    replied = dict(ctx.raw(
        select(E.c.referral_id, func.min(E.c.event_date)).where(E.c.archived.is_(False),
                                                                E.c.status.in_(sorted(REPLY_STATUSES)))
        .group_by(E.c.referral_id)))

    def rows() -> Iterator[tuple]:
        stmt = select(*_cols(R, "id reference household_id person_id provider_id urgency status issued_on "
                                "expected_reply_on consent_given consent_by consent_on consent_method "
                                "consent_witness reason services_provided created_by archived")
                      ).where(*ctx.live(R)).order_by(in_code_order(ctx.conn, R.c.reference))
        name, flag, day = ctx.name, ctx.flag, ctx.day
        categories, urgencies = ctx.labels(ProviderCategory), ctx.labels(Urgency)
        statuses, methods = ctx.labels(ReferralStatus), ctx.labels(ConsentMethod)
        nowhere = ("", "")
        for (rid, reference, household_id, person_id, provider_id, urgency, status, issued_on, expected_reply_on,
             consent_given, consent_by, consent_on, consent_method, consent_witness, reason, services_provided,
             created_by, archived) in ctx.raw(stmt):
            code, village = ctx.households.get(household_id, nowhere)
            pname, pcat = providers.get(provider_id, nowhere)
            yield (safe(reference), code, village, name(ctx.names.get(person_id)), pname, categories[pcat],
                   urgencies[urgency], statuses[status], day[issued_on], day[expected_reply_on],
                   day[replied.get(rid)], flag(consent_given), name(consent_by), day[consent_on],
                   methods[consent_method], name(consent_witness), ctx.free_text(reason), ctx.free_text(services_provided),
                   ctx.worker(created_by), flag(archived))

    return ctx.sheet("referrals", _REFERRAL_COLUMNS, cols, rows())


def _cols(table, names: str) -> list:
    return [table.c[n] for n in names.split()]


def _json_list(text: str | None) -> list[str]:
    try:
        value = _decode(text or "[]")
    except (ValueError, msgspec.DecodeError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _json_dict(text: str | None) -> dict[str, str]:
    try:
        value = _decode(text or "{}")
    except (ValueError, msgspec.DecodeError):
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


_decode = msgspec.json.decode   # JSON in C (a visit's people met: one list per visit)


__all__ = ["ENTITIES", "ExportOptions", "Sheet", "export_sheets", "write_csv", "write_xlsx"]
