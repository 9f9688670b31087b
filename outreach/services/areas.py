"""The area tree: 省 › 市 › 县 › 乡 › 村 › 组, keyed by national area codes.

Areas are team data (see ``services.team_data``): added, renamed, moved and archived on the lead's
laptop (or a laptop in no team) and carried to every worker. Codes follow the national convention
the rest of the app uses: province, city and county by their 6-digit code (GB/T 2260, ``522731``),
townships and villages by the 12-digit statistical code (``522731100000``, ``522731100201``), village
groups by the village's code and three digits.

``import_areas_csv`` reads the simple list (code, name, level, parent_code) and the national
statistical division codes (统计用区划代码: 12-digit codes and names, the level and parent read
from the code), in UTF-8 or GBK/GB18030 (Excel on a Chinese Windows); all rows or none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from outreach.domain.enums import AREA_LEVEL_ORDER, AreaLevel
from outreach.domain.errors import FieldError, NotFound, OutreachError, ValidationError
from outreach.domain.validation import check_choice, check_length, check_required, raise_if
from outreach.inputfiles import open_regular
from outreach.safefiles import read_reason
from outreach.services.team_data import require_team_data_editor
from outreach.storage.store import Store
from outreach.storage.tables import Area

AREA = Area.__table__


@dataclass(frozen=True)
class AreaInfo:
    id: str
    name: str
    level: str
    parent_id: str | None
    short_name: str
    archived: bool = False

    @property
    def display_short(self) -> str:
        """A short name for codes: 东坪村 → 东坪."""
        if self.short_name:
            return self.short_name
        return self.name[:-1] if len(self.name) > 2 and self.name[-1] in "村镇乡组区县" else self.name


def _info(row) -> AreaInfo:
    return AreaInfo(row.id, row.name, row.level, row.parent_id, row.short_name, bool(row.archived))


def validate_area(values: dict, *, known_ids: set[str] | None = None,
                  levels: dict[str, str] | None = None) -> list[FieldError]:
    """Field errors of an area; with ``levels`` ({code: level} of the known areas) a parent must be
    of a higher level than the area (a village sits in a township, a group in a village)."""
    errors = check_required("code", values.get("id")) + check_required("name", values.get("name"))
    errors += check_length("name", values.get("name"), 64) + check_length("code", values.get("id"), 32)
    errors += check_choice("level", values.get("level"), AreaLevel)
    code = values.get("id") or ""
    if code and not code.isdigit():
        errors.append(FieldError("code", "error.area.code_digits", {"code": code}))
    parent = values.get("parent_id")
    if parent and known_ids is not None and parent not in known_ids:
        errors.append(FieldError("parent", "error.area.unknown_parent", {"code": parent}))
    elif (parent and levels is not None and parent in levels and values.get("level") in _RANK
          and _RANK.get(levels[parent], 99) >= _RANK[values["level"]]):
        errors.append(FieldError("parent", "teamdata.error.area_level",
                                 {"level": AreaLevel.label_of(values["level"]),
                                  "parent_level": AreaLevel.label_of(levels[parent])}))
    return errors


_RANK = {lvl.value: i for i, lvl in enumerate(AREA_LEVEL_ORDER)}


def _next_code(known: set[str], parent_id: str | None, level: str) -> str | None:
    """A free code for a new township, village or group under ``parent_id`` (None: the user must
    give one)."""
    if not parent_id:
        return None
    if level == AreaLevel.GROUP:
        prefix, start, tail = parent_id, 1, ""
    elif level == AreaLevel.VILLAGE:
        prefix = parent_id[:9] if len(parent_id) == 12 and parent_id.endswith("000") else parent_id
        start, tail = 201, ""
    elif level == AreaLevel.TOWNSHIP:
        prefix, start, tail = parent_id, 100, ("000" if len(parent_id) == 6 else "")
    else:
        return None
    for n in range(start, 1000):
        code = f"{prefix}{n:03d}{tail}"
        if code not in known:
            return code
    return None


def add_area(store: Store, *, name: str, level: str, parent_id: str | None = None, code: str = "",
             short_name: str = "") -> str:
    """Add an area (lead's laptop or a laptop in no team). Without ``code`` a township, village or
    group gets the next free code under its parent. Returns the code."""
    require_team_data_editor(store, "areas")
    values = {"id": (code or "").strip(), "name": (name or "").strip(), "level": level,
              "parent_id": (parent_id or "").strip() or None, "short_name": (short_name or "").strip()}
    with store.transaction() as w:
        levels = dict(w.conn.execute(select(AREA.c.id, AREA.c.level)).all())
        known = set(levels)
        if not values["id"] and values["parent_id"] in known:
            values["id"] = _next_code(known, values["parent_id"], level) or ""
        errors = validate_area(values, known_ids=known, levels=levels)
        if not values["id"] and values["parent_id"] and values["parent_id"] not in known:
            errors = [e for e in errors if e.field != "code"]   # the unknown parent is the problem
        if values["id"] in known:
            errors.append(FieldError("code", "error.area.duplicate", {"code": values["id"]}))
        if errors:
            raise ValidationError(errors)
        return w.insert(Area, values)


def _existing(conn, area_id: str):
    row = conn.execute(select(AREA).where(AREA.c.id == area_id)).first()
    if row is None:
        raise NotFound("error.area.not_found", code=area_id)
    return row


def rename_area(store: Store, area_id: str, name: str, *, short_name: str | None = None) -> dict:
    """Give an area a new name (and short name); its code, households and history stay."""
    require_team_data_editor(store, "areas")
    changes = {"name": (name or "").strip()}
    if short_name is not None:
        changes["short_name"] = short_name.strip()
    raise_if(check_required("name", changes["name"]) + check_length("name", changes["name"], 64)
             + check_length("short_name", changes.get("short_name"), 16))
    with store.transaction() as w:
        _existing(w.conn, area_id)
        return w.update(Area, area_id, changes)


def move_area(store: Store, area_id: str, new_parent_id: str | None) -> dict:
    """Put an area under another parent (a village to another township …). Refused when the new
    parent is the area itself or one of its descendants, or not of a higher level."""
    require_team_data_editor(store, "areas")
    new_parent_id = (new_parent_id or "").strip() or None
    with store.transaction() as w:
        rows = {r.id: r for r in w.conn.execute(select(AREA.c.id, AREA.c.level, AREA.c.parent_id))}
        if area_id not in rows:
            raise NotFound("error.area.not_found", code=area_id)
        if new_parent_id is not None:
            if new_parent_id not in rows:
                raise ValidationError([FieldError("parent", "error.area.unknown_parent", {"code": new_parent_id})])
            current: str | None = new_parent_id
            while current is not None:
                if current == area_id:
                    raise ValidationError([FieldError("parent", "teamdata.error.area_cycle", {"code": new_parent_id})])
                current = rows[current].parent_id if current in rows else None
            level, parent_level = rows[area_id].level, rows[new_parent_id].level
            if _RANK.get(parent_level, 99) >= _RANK.get(level, -1):
                raise ValidationError([FieldError("parent", "teamdata.error.area_level", {
                    "level": AreaLevel.label_of(level), "parent_level": AreaLevel.label_of(parent_level)})])
        return w.update(Area, area_id, {"parent_id": new_parent_id})


def archive_area(store: Store, area_id: str, archived: bool = True) -> dict:
    """Archive an area (it leaves the lists; its households and history stay) or bring it back.
    An area with areas under it that are not archived is refused: archive those first."""
    require_team_data_editor(store, "areas")
    with store.transaction() as w:
        row = _existing(w.conn, area_id)
        if archived:
            live = w.conn.execute(select(AREA.c.name).where(AREA.c.parent_id == area_id,
                                                            AREA.c.archived.is_(False))).scalars().all()
            if live:
                raise OutreachError("teamdata.error.area_has_children", name=row.name, count=len(live),
                                    children="、".join(live[:3]))
        return w.update(Area, area_id, {"archived": bool(archived)})


# CSV headers accepted in either language.
_CSV_COLUMNS = {
    "code": {"code", "区划代码", "代码", "统计用区划代码", "行政区划代码"},
    "name": {"name", "名称", "区划名称"},
    "level": {"level", "级别", "层级"},
    "parent_code": {"parent_code", "parent", "上级代码", "上级区划代码"},
    "short_name": {"short_name", "简称"},
}
_LEVEL_WORDS = {lvl.label("zh_CN"): lvl.value for lvl in AreaLevel} | {
    "省": "province", "市": "city", "县": "county", "区": "county", "乡": "township", "镇": "township",
    "乡镇": "township", "村": "village", "社区": "village", "组": "group",
}
MAX_FILE_BYTES = 64 * 1024 * 1024   # the whole country's statistical list is about 40 MB
MAX_LINE_CHARS = 2000
MAX_CELL_CHARS = 200


def stat_code_area(code: str) -> tuple[str, str, str | None]:
    """(id, level, parent id) of a 12-digit statistical division code: the level and the parent
    are read from the code (2 digits province, 4 city, 6 county, 9 township, 12 village).
    Provinces, cities and counties keep their 6-digit code, as everywhere in the app."""
    if code[2:] == "0" * 10:
        return code[:6], "province", None
    if code[4:] == "0" * 8:
        return code[:6], "city", code[:2] + "0000"
    if code[6:] == "0" * 6:
        return code[:6], "county", code[:4] + "00"
    if code[9:] == "000":
        return code, "township", code[:6]
    return code, "village", code[:9] + "000"


def _is_stat_code(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text.isdigit()


def _decode(path: Path) -> str:
    try:
        with open_regular(path) as fh:   # a FIFO or a device is refused, never waited on
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise OutreachError("error.file.unreadable", path=str(path), reason=read_reason(exc)) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise OutreachError("teamdata.error.file_too_big", path=path.name, mb=MAX_FILE_BYTES // (1024 * 1024))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OutreachError("teamdata.error.encoding", path=path.name)


def read_area_csv(path: str | Path) -> tuple[bool, list[tuple[int, dict[str, str]]]]:
    """(statistical-code format?, [(line number, {code, name, level, parent_code, short_name})]).

    Checked for shape only: an oversized line or cell, a missing column, a broken quote stops it
    with the line number."""
    path = Path(path)
    text = _decode(path)
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise OutreachError("error.csv.row", path=path.name, line=number,
                                details=_msg("teamdata.error.line_too_long", maximum=MAX_LINE_CHARS))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""),
                        dialect=type("Sniffed", (csv.excel,), {"delimiter": max(",;\t", key=first.count)}))
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(c.strip() for c in record):
                continue
            for cell in record:
                if len(cell) > MAX_CELL_CHARS:
                    raise OutreachError("error.csv.row", path=path.name, line=start,
                                        details=_msg("teamdata.error.cell_too_long", maximum=MAX_CELL_CHARS))
            records.append((start, [c.strip() for c in record]))
    except csv.Error as exc:
        raise OutreachError("error.csv.row", path=path.name, line=reader.line_num + 1, details=str(exc)) from exc
    if not records:
        raise OutreachError("teamdata.error.empty_file", path=path.name)
    if _is_stat_code(records[0][1][0]):           # no header: code, [urban-rural class,] name
        return True, [(n, _headerless(r)) for n, r in records]
    header_map = _map_headers(records[0][1], path)
    rows = [(n, {k: (r[i] if i < len(r) else "") for k, i in header_map.items()}) for n, r in records[1:]]
    stat = "parent_code" not in header_map and (
        "level" not in header_map or (bool(rows) and all(_is_stat_code(r["code"]) for _n, r in rows)))
    if not stat and "level" not in header_map:
        raise OutreachError("error.csv.missing_columns", path=path.name, columns="level")
    return stat, rows


def _headerless(record: list[str]) -> dict[str, str]:
    name = next((c for c in record[1:] if c and not c.isdigit()), "")
    return {"code": record[0], "name": name}


def _msg(key: str, **params) -> str:
    from outreach.i18n import tr

    return tr(key, **params)


def import_areas_csv(store: Store, path: str | Path, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Import an area list (simple: code, name, level, parent_code[, short_name]; or the national
    statistical codes); all rows or none. Rows already present (same code) are updated when their
    name changed. Returns rows added. ``progress(done, total)`` is called every few thousand rows
    (an exception it raises — a cancelled job — rolls the whole import back)."""
    require_team_data_editor(store, "areas")
    path = Path(path)
    stat, rows = read_area_csv(path)
    with store.transaction() as w:
        existing = {r.id: r for r in w.conn.execute(select(AREA))}
        known = set(existing)
        levels = {r.id: r.level for r in existing.values()}
        candidates = []
        for line_no, r in rows:
            if stat:
                if not _is_stat_code(r.get("code", "")):
                    raise OutreachError("error.csv.row", path=path.name, line=line_no,
                                        details=_msg("teamdata.error.stat_code", code=r.get("code", "")))
                code, level, parent = stat_code_area(r["code"])
                values = {"id": code, "name": r.get("name", ""), "level": level, "parent_id": parent,
                          "short_name": r.get("short_name", "")}
            else:
                level = _LEVEL_WORDS.get(r.get("level", ""), r.get("level", "").lower())
                values = {"id": r.get("code", ""), "name": r.get("name", ""), "level": level,
                          "parent_id": r.get("parent_code") or None, "short_name": r.get("short_name", "")}
            candidates.append((line_no, values))
        # parents first, whatever the order of the file
        candidates.sort(key=lambda item: (_RANK.get(item[1]["level"], 99), item[0]))
        top = candidates[0][1]["level"] if candidates else None
        if stat and top in ("province", "city", "county"):
            # a county's (or city's) extract: its top areas hang from nothing we know, they are roots
            in_file = {v["id"] for _n, v in candidates}
            for _n, v in candidates:
                if v["level"] == top and v["parent_id"] not in known and v["parent_id"] not in in_file:
                    v["parent_id"] = None
        new_rows, seen = [], {}
        for done, (line_no, values) in enumerate(candidates):
            if progress is not None and done % 2000 == 0:
                progress(done, len(candidates))
            if values["id"] in seen:
                raise OutreachError("error.csv.row", path=path.name, line=line_no,
                                    details=_msg("teamdata.error.duplicate_code", code=values["id"], other=seen[values["id"]]))
            seen[values["id"]] = line_no
            errors = validate_area(values, known_ids=known, levels=levels)
            if errors:
                raise OutreachError("error.csv.row", path=path.name, line=line_no,
                                    details="; ".join(e.message() for e in errors))
            if values["id"] in existing:
                old = existing[values["id"]]
                if old.name != values["name"]:
                    w.update(Area, values["id"], {"name": values["name"]})
                continue
            known.add(values["id"])
            levels[values["id"]] = values["level"]
            new_rows.append(values)
        w.insert_many(Area, new_rows)
        if progress is not None:
            progress(len(candidates), len(candidates))
    return len(new_rows)


def _map_headers(fieldnames: list[str], path: Path) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for key, names in _CSV_COLUMNS.items():
        for i, f in enumerate(fieldnames):
            if f.strip().lower() in names and key not in mapping:
                mapping[key] = i
    missing = [k for k in ("code", "name") if k not in mapping]
    if missing:
        raise OutreachError("error.csv.missing_columns", path=path.name, columns=", ".join(missing))
    return mapping


def all_areas(store: Store, *, include_archived: bool = False) -> list[AreaInfo]:
    stmt = select(AREA) if include_archived else select(AREA).where(AREA.c.archived.is_(False))
    with store.connect() as conn:
        rows = conn.execute(stmt.order_by(AREA.c.id)).all()
    return [_info(r) for r in rows]


def children(store: Store, parent_id: str | None) -> list[AreaInfo]:
    cond = AREA.c.parent_id.is_(None) if parent_id is None else AREA.c.parent_id == parent_id
    with store.connect() as conn:
        rows = conn.execute(select(AREA).where(cond, AREA.c.archived.is_(False)).order_by(AREA.c.id)).all()
    return [_info(r) for r in rows]


def get_area(store: Store, area_id: str) -> AreaInfo:
    with store.connect() as conn:
        row = conn.execute(select(AREA).where(AREA.c.id == area_id)).first()
    if row is None:
        raise NotFound("error.area.not_found", code=area_id)
    return _info(row)


def villages_under(store: Store, area_id: str | None) -> list[str]:
    """Ids of the villages at or below an area (all villages when area_id is None)."""
    areas = all_areas(store)
    if area_id is None:
        return [a.id for a in areas if a.level == AreaLevel.VILLAGE]
    if not any(a.id == area_id for a in areas):
        raise NotFound("error.area.not_found", code=area_id)
    by_parent: dict[str | None, list[AreaInfo]] = {}
    for a in areas:
        by_parent.setdefault(a.parent_id, []).append(a)
    found, stack = [], [area_id]
    while stack:
        current = stack.pop()
        node = next(a for a in areas if a.id == current)
        if node.level == AreaLevel.VILLAGE:
            found.append(node.id)
            continue
        stack.extend(c.id for c in by_parent.get(current, []))
    return sorted(found)


def area_path(store: Store, area_id: str) -> list[AreaInfo]:
    """From the root down to the area: [province, city, county, township, village]."""
    by_id = {a.id: a for a in all_areas(store)}
    path, current = [], by_id.get(area_id)
    if current is None:
        raise NotFound("error.area.not_found", code=area_id)
    while current is not None:
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id else None
    return list(reversed(path))


def level_rank(level: str) -> int:
    return [lvl.value for lvl in AREA_LEVEL_ORDER].index(level)
