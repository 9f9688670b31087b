"""The service directory as a spreadsheet: CSV in UTF-8 with a BOM (so Excel shows the Chinese
correctly), CRLF line ends, headers in the user's language.

Import reads what Excel writes back: UTF-8 (with or without BOM) or GB18030 (Excel's "CSV" on a
Chinese Windows), comma, semicolon or tab separated; headers in Chinese, English or as field codes;
categories as codes or labels. Import is all or nothing: the first bad row stops it with the line
number, and nothing is written. Rows match existing providers by id (the export's first column), then
by name; a row that changes nothing is left alone.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from outreach.domain.enums import ProviderCategory
from outreach.domain.errors import OutreachError
from outreach.i18n import LANGUAGES, tr
from outreach.inputfiles import read_capped
from outreach.safefiles import atomic_output
from outreach.services.providers import FIELDS, validate_provider
from outreach.storage.store import Store
from outreach.storage.tables import Provider

PROVIDER = Provider.__table__
COLUMNS = ("id", *FIELDS)
REQUIRED = ("name", "category")
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
_PHONE_LIKE = re.compile(r"^[+\-]?[\d\s()\-]+$")
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def _header(field: str, lang: str) -> str:
    return tr(f"letters.csv.col.{field}", lang)


def _cell_out(value: str) -> str:
    """Keep Excel from running a cell as a formula (=, @, and + or - unless it is a phone number)."""
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def _cell_in(value: str) -> str:
    value = value.strip()
    if value.startswith("'") and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


def export_providers_csv(store: Store, path: str | Path, *, lang: str | None = None) -> int:
    """Write the directory (archived providers left out) to ``path``; returns the row count."""
    with store.connect() as conn:
        rows = conn.execute(select(PROVIDER).where(PROVIDER.c.archived.is_(False))
                            .order_by(PROVIDER.c.category, PROVIDER.c.name)).all()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_header(c, lang) for c in COLUMNS])
    for r in rows:
        values = []
        for c in COLUMNS:
            v = r._mapping[c] or ""
            if c == "category":
                v = ProviderCategory.label_of(v, lang)
            values.append(_cell_out(str(v)))
        writer.writerow(values)
    data = buf.getvalue().encode("utf-8-sig")
    with atomic_output(path) as fh:
        fh.write(data)
    return len(rows)


def _category_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for cat in ProviderCategory:
        lookup[cat.value] = cat.value
        for lang in LANGUAGES:
            lookup[cat.label(lang).strip().lower()] = cat.value
    return lookup


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for c in COLUMNS:
        lookup[c] = c
        for lang in LANGUAGES:
            lookup[_header(c, lang).strip().lower()] = c
    return lookup


MAX_CSV_BYTES = 16 * 2**20   # a county's directory is a few hundred rows


def _read_text(path: Path) -> str:
    try:   # a regular file only, read no further than the cap (a FIFO or a device cannot stall us)
        raw = read_capped(path, MAX_CSV_BYTES, what="csv")
    except OutreachError as exc:
        if exc.key != "error.file.unreadable":
            raise
        raise OutreachError("letters.csv.unreadable", path=str(path), reason=exc.params["reason"]) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OutreachError("letters.csv.encoding", path=path.name)


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return type("Sniffed", (csv.excel,), {"delimiter": delimiter})


def read_providers_csv(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a directory CSV as (line number, {field: value}), checked for shape only."""
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        header = next(reader)
    except StopIteration:
        raise OutreachError("letters.csv.empty", path=path.name) from None
    lookup = _header_lookup()
    columns = [lookup.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise OutreachError("letters.csv.missing_columns", path=path.name,
                            columns="、".join(_header(c, None) for c in missing))
    rows = []
    line = reader.line_num
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
                raise OutreachError("letters.csv.bad_row", path=path.name, line=start,
                                    details=tr("letters.csv.too_many_cells", count=len(record), expected=len(header)))
            values = {c: _cell_in(v) for c, v in zip(columns, record, strict=False) if c}
            rows.append((start, values))
    except csv.Error as exc:
        raise OutreachError("letters.csv.bad_row", path=path.name, line=reader.line_num, details=str(exc)) from exc
    return rows


def import_providers_csv(store: Store, path: str | Path) -> ImportResult:
    """Add or update providers from a CSV; all rows or none."""
    from outreach.services.team_data import require_team_data_editor

    require_team_data_editor(store, "providers")  # a worker's laptop: the directory is the lead's
    path = Path(path)
    rows = read_providers_csv(path)
    categories = _category_lookup()
    with store.transaction() as w:
        existing = {r.id: r for r in w.conn.execute(select(PROVIDER))}
        by_name = {r.name: r.id for r in existing.values() if not r.archived}
        seen_names: dict[str, int] = {}
        inserts, updates = [], []
        unchanged = 0
        for line, raw in rows:
            values = {k: raw.get(k, "") for k in FIELDS if k in raw}
            cat = raw.get("category", "")
            values["category"] = categories.get(cat.strip().lower(), cat)
            errors = validate_provider(values, creating=True)
            if errors:
                raise OutreachError("letters.csv.bad_row", path=path.name, line=line,
                                    details="; ".join(f"{tr('letters.csv.col.' + e.field)}: {e.message()}"
                                                      for e in errors))
            name = values["name"]
            if name in seen_names:
                raise OutreachError("letters.csv.bad_row", path=path.name, line=line,
                                    details=tr("letters.csv.duplicate_name", name=name, other=seen_names[name]))
            seen_names[name] = line
            row_id = raw.get("id", "").strip().lower()
            target = row_id if row_id in existing else by_name.get(name)
            if target is None:
                if row_id and _HEX_ID.match(row_id):
                    values["id"] = row_id  # the same provider as on the laptop that exported it
                inserts.append(values)
                continue
            current = existing[target]
            changes = {k: v for k, v in values.items() if (current._mapping[k] or "") != v}
            if current.archived:
                changes["archived"] = False
            if changes:
                updates.append((target, changes))
            else:
                unchanged += 1
        for target, changes in updates:
            w.update(Provider, target, changes)
        w.insert_many(Provider, inserts)
    return ImportResult(added=len(inserts), updated=len(updates), unchanged=unchanged)
