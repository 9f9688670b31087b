"""The service directory (资源库): clinics, civil affairs, federations, schools, legal aid, NGOs …"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from outreach.domain.enums import ProviderCategory
from outreach.domain.errors import FieldError, NotFound
from outreach.domain.validation import check_choice, check_length, check_required, raise_if
from outreach.storage.store import Store
from outreach.storage.tables import Provider

PROVIDER = Provider.__table__
FIELDS = ("name", "category", "services", "contact_person", "phone", "address", "areas_served", "hours", "notes")


@dataclass(frozen=True)
class ProviderInfo:
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
    archived: bool


def _info(r) -> ProviderInfo:
    return ProviderInfo(**{k: r._mapping[k] for k in ("id", *FIELDS, "archived")})


def validate_provider(values: dict[str, Any], *, creating: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    if creating or "name" in values:
        errors += check_required("name", values.get("name")) + check_length("name", values.get("name"), 120)
    if creating or "category" in values:
        errors += check_choice("category", values.get("category"), ProviderCategory)
    return errors


def create_provider(store: Store, **fields: Any) -> str:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    raise_if(validate_provider(values, creating=True))
    with store.transaction() as w:
        return w.insert(Provider, values)


def update_provider(store: Store, provider_id: str, **changes: Any) -> dict:
    unknown = set(changes) - set(FIELDS) - {"archived"}
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    raise_if(validate_provider(values, creating=False))
    with store.transaction() as w:
        return w.update(Provider, provider_id, values)


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
