"""The one way rows are written: every insert and update is stamped (who, when, which device, HLC)
and appended to the change log in the same transaction.

Change-log records (the contract with sync):
- a creation is one record with ``field='*'`` whose value is a JSON object of the row's synced
  fields plus ``created_at``, WITHOUT the other bookkeeping columns (id, created_by/device,
  updated_*, hlc): those are the record's own ``row_id``, ``hlc``, ``device_id``, ``worker`` and
  ``recorded_at``;
- an update is one record per changed field, value = the new value as JSON;
- device-local columns (``__local_columns__``: search keys, derived status) are never logged.

A ``Writer`` lives for one transaction; services get it from ``Store.transaction()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from outreach.domain.errors import NotFound
from outreach.domain.hlc import HybridClock
from outreach.storage import codec
from outreach.storage.tables import SYNCED_TABLES, ChangeLog, SyncedBase, new_id
from outreach.storage.types import utcnow

CHANGE_LOG = ChangeLog.__table__
# Bookkeeping a creation record need not repeat (the record's own row_id, hlc, device and worker say
# it); created_at is kept, since it is the row's real creation time on the device that made it.
CREATION_OMITS = SyncedBase.BOOKKEEPING - {"created_at"}


@dataclass(frozen=True)
class Actor:
    """Who is writing: the worker's name and this device's id."""

    worker: str
    device_id: str


class Writer:
    def __init__(self, conn: Connection, clock: HybridClock, actor: Actor) -> None:
        self.conn = conn
        self.clock = clock
        self.actor = actor

    def _stamp(self, values: dict[str, Any], *, creating: bool) -> int:
        hlc = self.clock.tick()
        now = utcnow()
        values["updated_at"] = now
        values["updated_by"] = self.actor.worker
        values["updated_device"] = self.actor.device_id
        values["hlc"] = hlc
        if creating:
            values.setdefault("created_at", now)
            values["created_by"] = self.actor.worker
            values["created_device"] = self.actor.device_id
        return hlc

    def insert(self, model: type[SyncedBase], values: dict[str, Any], *, log: bool = True) -> str:
        """Insert a new row (validated by the caller) and log its creation. Returns its id."""
        return self.insert_many(model, [values], log=log)[0]

    def insert_many(self, model: type[SyncedBase], rows: list[dict[str, Any]], *, log: bool = True) -> list[str]:
        """Insert many rows in one executemany, each logged as a '*' (creation) change.

        The bulk path: the Core INSERT is compiled once per table and values are converted by
        per-column converters, so 200k rows take seconds (SQLAlchemy's per-row parameter processing
        would take ten times as long)."""
        if not rows:
            return []
        table = model.__table__
        defaults = _defaults(model)
        now = codec.db_timestamp(utcnow())  # one ISO string for the whole batch, as the DB stores it
        local = model.__local_columns__
        full_rows = []
        log_rows = []
        for values in rows:
            row = {**defaults, **values}
            if "id" not in row:
                row["id"] = new_id()
            hlc = self.clock.tick()
            row.update(updated_at=now, updated_by=self.actor.worker, updated_device=self.actor.device_id,
                       hlc=hlc, created_by=self.actor.worker, created_device=self.actor.device_id)
            row.setdefault("created_at", now)
            full_rows.append(row)
            if log:
                synced = {k: v for k, v in row.items() if k not in local and k not in CREATION_OMITS}
                log_rows.append({"entity": table.name, "row_id": row["id"], "field": "*",
                                 "value": codec.dumps_row(synced), "hlc": hlc,
                                 "device_id": self.actor.device_id, "worker": self.actor.worker,
                                 "recorded_at": now})
        bulk_insert(self.conn, table, full_rows)
        if log_rows:
            bulk_insert(self.conn, CHANGE_LOG, log_rows)
        return [r["id"] for r in full_rows]

    def update(self, model: type[SyncedBase], row_id: str, changes: dict[str, Any], *,
               force: bool = False) -> dict[str, Any]:
        """Change some fields of a row; only fields whose value really changes are written and logged
        (with ``force``, every given field is logged even when unchanged: a reviewer's decision to keep
        a value must itself travel and win). Returns {field: (old, new)} of what was written."""
        table = model.__table__
        current = self.conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
        if current is None:
            raise NotFound("error.not_found", entity=table.name, id=row_id)
        bad = set(changes) - set(table.c.keys())
        if bad or set(changes) & SyncedBase.BOOKKEEPING:
            raise ValueError(f"cannot write fields {sorted(bad | (set(changes) & SyncedBase.BOOKKEEPING))}")
        diff = {k: (current[k], v) for k, v in changes.items() if force or current[k] != v}
        if not diff:
            return {}
        values = {k: new for k, (_old, new) in diff.items()}
        hlc = self._stamp(values, creating=False)
        self.conn.execute(update(table).where(table.c.id == row_id).values(**values))
        logged = [
            self._log_row(table.name, row_id, k, codec.to_json_value(new), hlc)
            for k, (_old, new) in diff.items()
            if k not in model.__local_columns__
        ]
        if logged:
            self.conn.execute(insert(CHANGE_LOG), logged)
        return diff

    def archive(self, model: type[SyncedBase], row_id: str, archived: bool = True) -> dict[str, Any]:
        return self.update(model, row_id, {"archived": archived})

    def set_local(self, model: type[SyncedBase], row_id: str, values: dict[str, Any]) -> None:
        """Write derived, device-local columns (never logged, never synced)."""
        assert set(values) <= model.__local_columns__, "only local columns may be written unlogged"
        table = model.__table__
        self.conn.execute(update(table).where(table.c.id == row_id).values(**values))

    def _log_row(self, entity: str, row_id: str, field: str, value: Any, hlc: int) -> dict[str, Any]:
        return {
            "entity": entity,
            "row_id": row_id,
            "field": field,
            "value": codec.dumps(value),
            "hlc": hlc,
            "device_id": self.actor.device_id,
            "worker": self.actor.worker,
            "recorded_at": utcnow(),
        }


def _defaults(model: type[SyncedBase]) -> dict[str, Any]:
    """Python-side defaults of a model's columns (SQLModel keeps them on the pydantic fields)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in SyncedBase.BOOKKEEPING:
            continue
        if info.default_factory is not None:
            out[name] = info.default_factory()
        elif info.default is not None and repr(info.default) != "PydanticUndefined":
            out[name] = info.default
        elif not info.is_required():
            out[name] = None
    return out


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany of a compiled Core INSERT, values converted column by column.

    Only the few date/time columns need converting (in place); the tuples themselves are built by
    ``operator.itemgetter`` in C, which is what makes 200k-row imports take seconds."""
    columns = list(rows[0].keys())
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no columns {unknown}")
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=columns)
    converted = [(c, conv) for c in columns if (conv := codec.db_converter(table.c[c].type))]
    if converted:
        rows = [dict(r) for r in rows]  # the caller's rows stay as they were
        for r in rows:
            for c, conv in converted:
                r[c] = conv(r[c])
    if compiled.positional:
        order = compiled.positiontup
        getter = itemgetter(*order) if len(order) > 1 else (lambda r: (r[order[0]],))
        params = list(map(getter, rows))
    else:
        params = rows
    conn.exec_driver_sql(compiled.string, params)


def entity_model(entity: str) -> type[SyncedBase]:
    return SYNCED_TABLES[entity]
