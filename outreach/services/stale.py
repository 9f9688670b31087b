"""A save that would overwrite what someone else changed meanwhile is refused (issue 15: two county
staff editing the same household on one PostgreSQL database; also two windows or a merge on SQLite).

An editor (a form) passes the values it showed when it opened the record (``expected``); inside the
writing transaction — which holds the store's write lock, so nothing changes under it — a field whose
stored value is neither what the editor saw nor what it now saves was changed by someone else: the save
is refused with ``RecordChanged`` naming the fields and who changed them, and nothing is written. Fields
the other person did not touch are saved as usual (the same per-field rule as sync's merge)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from outreach.domain.errors import OutreachError, field_label
from outreach.i18n import tr
from outreach.storage.tables import ChangeLog


class RecordChanged(OutreachError):
    """Someone else changed these fields after the editor read them; nothing was saved."""

    def __init__(self, fields: Iterable[str], who: str) -> None:
        self.fields = tuple(fields)
        super().__init__("pg.record_changed", who=who or "?", count=len(self.fields))

    def message(self, lang: str | None = None) -> str:
        sep = ", " if (lang or "").startswith("en") else "、"
        names = sep.join(field_label(f, lang) or f for f in self.fields)
        return tr(self.key, lang, fields=names, **self.params)


def check_unchanged(conn: Connection, entity: str, current: Mapping[str, Any],
                    expected: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
    """Raise ``RecordChanged`` when a field being saved was changed since the editor read it (inside
    the writing transaction); it names the fields and the worker of the latest change to them."""
    if not expected:
        return
    stale = [k for k in new if k in expected and k in current
             and not _same(current[k], expected[k]) and not _same(current[k], new[k])]
    if stale:
        raise RecordChanged(stale, _last_editor(conn, entity, str(current["id"]), stale))


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: a form shows an empty field as "" where the row holds NULL."""
    return a == b or (a in (None, "") and b in (None, ""))


def _last_editor(conn: Connection, entity: str, row_id: str, fields: list[str]) -> str:
    log = ChangeLog.__table__
    who = conn.execute(
        select(log.c.worker).where(log.c.entity == entity, log.c.row_id == row_id, log.c.field.in_(fields))
        .order_by(log.c.hlc.desc(), log.c.device_id.desc()).limit(1)).scalar_one_or_none()
    return who or ""
