"""The service directory (资源库): clinics, civil affairs, federations, schools, legal aid, NGOs …"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from outreach.domain.enums import ProviderCategory
from outreach.domain.errors import FieldError, NotFound, OutreachError
from outreach.domain.validation import check_choice, check_length, check_required, raise_if
from outreach.services.team_data import require_team_data_editor
from outreach.storage.store import Store
from outreach.storage.tables import Provider
from outreach.storage.team_tables import (
    SUGGESTION_ACCEPTED,
    SUGGESTION_DISMISSED,
    SUGGESTION_OPEN,
    ProviderSuggestion,
)

PROVIDER = Provider.__table__
SUGGESTION = ProviderSuggestion.__table__
FIELDS = ("name", "category", "services", "contact_person", "phone", "address", "areas_served", "hours", "notes")


@dataclass(frozen=True)
class _ProviderFields:
    """What a provider and a suggested one both say (``id`` and ``FIELDS``)."""

    id: str
    name: str
    category: str
    services: str
    contact_person: str
    phone: str
    address: str
    areas_served: str
    hours: str
    notes: str


@dataclass(frozen=True)
class ProviderInfo(_ProviderFields):
    archived: bool


def _info(r) -> ProviderInfo:
    return ProviderInfo(**{k: r._mapping[k] for k in ("id", *FIELDS, "archived")})


def validate_provider(values: dict[str, Any], *, creating: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if creating or "name" in values:
        errors += check_required("name", values.get("name")) + check_length("name", values.get("name"), 120)
    if creating or "category" in values:
        errors += check_choice("category", values.get("category"), ProviderCategory)
    if values.get("phone"):
        errors += check_length("phone", values.get("phone"), 32)
    for key, maximum in (("contact_person", 64), ("address", 200), ("hours", 120)):
        errors += check_length(key, values.get(key), maximum)
    return errors


def create_provider(store: Store, **fields: Any) -> str:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    require_team_data_editor(store, "providers")
    raise_if(validate_provider(values, creating=True))
    with store.transaction() as w:
        return w.insert(Provider, values)


def update_provider(store: Store, provider_id: str, **changes: Any) -> dict:
    unknown = set(changes) - set(FIELDS) - {"archived"}
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    require_team_data_editor(store, "providers")
    raise_if(validate_provider(values, creating=False))
    with store.transaction() as w:
        return w.update(Provider, provider_id, values)


def archive_provider(store: Store, provider_id: str, archived: bool = True) -> dict:
    """Take a provider out of the directory (or back); it stays in the history and old referrals."""
    get_provider(store, provider_id)
    return update_provider(store, provider_id, archived=bool(archived))


def get_provider(store: Store, provider_id: str) -> ProviderInfo:
    with store.connect() as conn:
        r = conn.execute(select(PROVIDER).where(PROVIDER.c.id == provider_id)).first()
    if r is None:
        raise NotFound("error.provider.not_found", id=provider_id)
    return _info(r)


def list_providers(store: Store, *, text: str = "", category: str | None = None,
                   include_archived: bool = False) -> list[ProviderInfo]:
    stmt = select(PROVIDER)
    if not include_archived:
        stmt = stmt.where(PROVIDER.c.archived.is_(False))
    if category:
        stmt = stmt.where(PROVIDER.c.category == category)
    text = text.strip()
    if text:
        stmt = stmt.where(or_(*[PROVIDER.c[k].contains(text, autoescape=True)
                                for k in ("name", "services", "contact_person", "address", "phone")]))
    with store.connect() as conn:
        return [_info(r) for r in conn.execute(stmt.order_by(PROVIDER.c.category, PROVIDER.c.name))]


# ============================================================================ suggestions
@dataclass(frozen=True)
class ProviderSuggestionInfo(_ProviderFields):
    status: str              # open | accepted | dismissed
    provider_id: str | None  # the provider made from it, once accepted
    suggested_by: str        # the worker who suggested it
    suggested_on: str        # ISO date


def _suggestion(r) -> ProviderSuggestionInfo:
    m = r._mapping
    return ProviderSuggestionInfo(**{k: m[k] for k in ("id", *FIELDS, "status", "provider_id")},
                                  suggested_by=m["created_by"], suggested_on=m["created_at"].date().isoformat())


def suggest_provider(store: Store, **fields: Any) -> str:
    """A worker proposes a provider for the team's directory (same fields as ``create_provider``).
    The proposal is a synced row that reaches the lead with the next uplink. Returns its id."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    raise_if(validate_provider(values, creating=True))
    with store.transaction() as w:
        return w.insert(ProviderSuggestion, {**values, "status": SUGGESTION_OPEN})


def list_provider_suggestions(store: Store, *, include_decided: bool = False) -> list[ProviderSuggestionInfo]:
    """Suggestions waiting for the lead (with ``include_decided``, accepted and dismissed ones too)."""
    stmt = select(SUGGESTION).where(SUGGESTION.c.archived.is_(False))
    if not include_decided:
        stmt = stmt.where(SUGGESTION.c.status == SUGGESTION_OPEN)
    with store.connect() as conn:
        return [_suggestion(r) for r in conn.execute(stmt.order_by(SUGGESTION.c.created_at, SUGGESTION.c.id))]


def _open_suggestion(conn, suggestion_id: str):
    row = conn.execute(select(SUGGESTION).where(SUGGESTION.c.id == suggestion_id)).first()
    if row is None:
        raise NotFound("teamdata.error.suggestion_not_found", id=suggestion_id)
    if row.status != SUGGESTION_OPEN:
        raise OutreachError("teamdata.error.suggestion_decided", name=row.name)
    return row


def accept_provider_suggestion(store: Store, suggestion_id: str, **overrides: Any) -> str:
    """On the lead's laptop: add the suggested provider to the directory (fields may be corrected
    with ``overrides``) and mark the suggestion accepted, in one transaction. Returns the provider id."""
    require_team_data_editor(store, "providers")
    with store.transaction() as w:
        row = _open_suggestion(w.conn, suggestion_id)
        values = {k: row._mapping[k] for k in FIELDS}
        values.update({k: (v.strip() if isinstance(v, str) else v) for k, v in overrides.items() if k in FIELDS})
        raise_if(validate_provider(values, creating=True))
        provider_id = w.insert(Provider, values)
        w.update(ProviderSuggestion, suggestion_id, {"status": SUGGESTION_ACCEPTED, "provider_id": provider_id})
        return provider_id


def dismiss_provider_suggestion(store: Store, suggestion_id: str) -> None:
    """On the lead's laptop: decline a suggestion (it stays, marked dismissed)."""
    require_team_data_editor(store, "providers")
    with store.transaction() as w:
        _open_suggestion(w.conn, suggestion_id)
        w.update(ProviderSuggestion, suggestion_id, {"status": SUGGESTION_DISMISSED})
