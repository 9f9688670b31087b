"""Drafts of open forms: what a worker has typed into a form that is not saved yet, kept so that a
crash, a power cut or a closed window loses nothing. Local to this installation (never synced, never
change-logged): one row per form, rewritten as the worker types and removed when the form is saved
or its changes are discarded.

The state is whatever the form needs to put its fields back (plain JSON values); the params are what
opens the same form again (kind + household / person / village).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from outreach.storage.store import Store
from outreach.storage.tables import FormDraft, Household
from outreach.storage.types import utcnow

D = FormDraft.__table__
KINDS = ("household", "member", "visit", "assessment", "referral", "scale",   # scale: PHQ-9, Barthel … (scale_form)
         "xlsform")                                                            # imported forms (xlsform_fill_dialog)
SUMMARY_MAX = 200


@dataclass(frozen=True)
class Draft:
    key: str
    kind: str
    params: dict[str, Any]
    state: dict[str, Any]
    summary: str
    worker: str
    saved_at: datetime


def draft_key(kind: str, **params: Any) -> str:
    """The one key of a form: its kind and what it is about, e.g. ``member:<household>:new``."""
    if kind not in KINDS:
        raise ValueError(f"unknown form kind {kind!r}")
    parts = [kind] + [str(params[k] or "new") for k in sorted(params)]
    return ":".join(parts)


def save_draft(store: Store, *, key: str, kind: str, params: dict[str, Any], state: dict[str, Any],
               summary: str = "", saved_at: datetime | None = None) -> None:
    """Write (or rewrite) the draft of one form, in one short transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown form kind {kind!r}")
    row = {"kind": kind, "params": json.dumps(params, ensure_ascii=False, sort_keys=True),
           "state": json.dumps(state, ensure_ascii=False, default=str), "summary": summary[:SUMMARY_MAX],
           "worker": store.worker, "saved_at": saved_at or utcnow()}
    with store.engine.begin() as conn:
        updated = conn.execute(D.update().where(D.c.key == key).values(**row)).rowcount
        if not updated:
            conn.execute(D.insert().values(key=key, **row))


def get_draft(store: Store, key: str) -> Draft | None:
    with store.connect() as conn:
        row = conn.execute(select(D).where(D.c.key == key)).first()
    return _draft(row) if row is not None else None


def list_drafts(store: Store) -> list[Draft]:
    """Every form left unsaved, newest first."""
    with store.connect() as conn:
        rows = conn.execute(select(D).order_by(D.c.saved_at.desc(), D.c.key)).all()
    return [_draft(r) for r in rows]


def discard_draft(store: Store, key: str) -> bool:
    """Remove a form's draft (saved, or its changes thrown away). True if there was one."""
    with store.engine.begin() as conn:
        return bool(conn.execute(delete(D).where(D.c.key == key)).rowcount)


def household_label(store: Store, household_id: str | None) -> str:
    """The household's code (what a draft's summary names), or "" for none."""
    if not household_id:
        return ""
    h = Household.__table__
    with store.connect() as conn:
        return conn.execute(select(h.c.code).where(h.c.id == household_id)).scalar_one_or_none() or ""


def _draft(row: Any) -> Draft:
    return Draft(key=row.key, kind=row.kind, params=json.loads(row.params or "{}"),
                 state=json.loads(row.state or "{}"), summary=row.summary, worker=row.worker,
                 saved_at=row.saved_at)
