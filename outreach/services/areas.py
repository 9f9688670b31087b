"""The area tree: 省 › 市 › 县 › 乡 › 村 › 组, keyed by national area codes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from outreach.domain.enums import AREA_LEVEL_ORDER, AreaLevel
from outreach.domain.errors import FieldError, NotFound, OutreachError, ValidationError
from outreach.domain.validation import check_choice, check_required
from outreach.safefiles import read_reason
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

    @property
    def display_short(self) -> str:
        """A short name for codes: 东坪村 → 东坪."""
        if self.short_name:
            return self.short_name
        return self.name[:-1] if len(self.name) > 2 and self.name[-1] in "村镇乡组区县" else self.name


def _info(row) -> AreaInfo:
    return AreaInfo(row.id, row.name, row.level, row.parent_id, row.short_name)


def validate_area(values: dict, *, known_ids: set[str] | None = None) -> list[FieldError]:
    errors = check_required("code", values.get("id")) + check_required("name", values.get("name"))
    errors += check_choice("level", values.get("level"), AreaLevel)
    code = values.get("id") or ""
    if code and not code.isdigit():
        errors.append(FieldError("code", "error.area.code_digits", {"code": code}))
    parent = values.get("parent_id")
    if parent and known_ids is not None and parent not in known_ids:
        errors.append(FieldError("parent", "error.area.unknown_parent", {"code": parent}))
    return errors


def add_area(store: Store, *, code: str, name: str, level: str, parent_id: str | None = None,
             short_name: str = "") -> str:
    values = {"id": code.strip(), "name": name.strip(), "level": level, "parent_id": parent_id or None,
              "short_name": short_name.strip()}
    with store.transaction() as w:
        known = set(w.conn.execute(select(AREA.c.id)).scalars())
        errors = validate_area(values, known_ids=known)
        if values["id"] in known:
            errors.append(FieldError("code", "error.area.duplicate", {"code": values["id"]}))
        if errors:
            raise ValidationError(errors)
        return w.insert(Area, values)


# CSV headers accepted in either language.
_CSV_COLUMNS = {
    "code": {"code", "区划代码", "代码"},
    "name": {"name", "名称"},
    "level": {"level", "级别", "层级"},
    "parent_code": {"parent_code", "parent", "上级代码", "上级区划代码"},
    "short_name": {"short_name", "简称"},
}
_LEVEL_WORDS = {lvl.label("zh_CN"): lvl.value for lvl in AreaLevel} | {
    "省": "province", "市": "city", "县": "county", "区": "county", "乡": "township", "镇": "township",
    "乡镇": "township", "村": "village", "社区": "village", "组": "group",
}


def import_areas_csv(store: Store, path: str | Path) -> int:
    """Import an area list (code, name, level, parent_code[, short_name]); all rows or none.
    Rows already present (same code) are updated when their name changed. Returns rows added."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header_map = _map_headers(reader.fieldnames or [], path)
            rows = [{k: (r.get(src) or "").strip() for k, src in header_map.items()} for r in reader]
    except OSError as exc:
        raise OutreachError("error.file.unreadable", path=str(path), reason=read_reason(exc)) from exc
    except UnicodeDecodeError as exc:
        raise OutreachError("error.file.not_utf8", path=str(path)) from exc
    with store.transaction() as w:
        existing = {r.id: r for r in w.conn.execute(select(AREA))}
        known = set(existing)
        new_rows = []
        for line_no, r in enumerate(rows, start=2):
            level = _LEVEL_WORDS.get(r.get("level", ""), r.get("level", ""))
            values = {"id": r.get("code", ""), "name": r.get("name", ""), "level": level,
                      "parent_id": r.get("parent_code") or None, "short_name": r.get("short_name", "")}
            errors = validate_area(values, known_ids=known)
            if errors:
                raise OutreachError("error.csv.row", path=path.name, line=line_no,
                                    details="; ".join(e.message() for e in errors))
            if values["id"] in existing:
                old = existing[values["id"]]
                if old.name != values["name"]:
                    w.update(Area, values["id"], {"name": values["name"]})
                continue
            known.add(values["id"])
            new_rows.append(values)
        w.insert_many(Area, new_rows)
    return len(new_rows)


def _map_headers(fieldnames: list[str], path: Path) -> dict[str, str]:
    mapping = {}
    for key, names in _CSV_COLUMNS.items():
        for f in fieldnames:
            if f.strip().lower() in names:
                mapping[key] = f
    missing = [k for k in ("code", "name", "level") if k not in mapping]
    if missing:
        raise OutreachError("error.csv.missing_columns", path=path.name, columns=", ".join(missing))
    return mapping


def all_areas(store: Store) -> list[AreaInfo]:
    with store.connect() as conn:
        rows = conn.execute(select(AREA).where(AREA.c.archived.is_(False)).order_by(AREA.c.id)).all()
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
