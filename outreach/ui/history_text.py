"""How a change-log entry reads in the household's history: field names and enum values in the user's
language, resident IDs masked, internal ids and bookkeeping left out."""

from __future__ import annotations

from typing import Any

from outreach.domain import idnumber
from outreach.domain.enums import (
    BenefitStatus,
    ConsentMethod,
    DisabilityType,
    NeedDomain,
    NeedStatus,
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
from outreach.i18n import catalog, tr

ENUM_FIELDS = {
    "relation": Relation, "sex": Sex, "benefit_status": BenefitStatus, "visit_type": VisitType,
    "outcome": VisitOutcome, "urgency": Urgency, "consent_method": ConsentMethod, "domain": NeedDomain,
    "priority": Priority, "category": ProviderCategory, "disability_type": DisabilityType,
}
STATUS_BY_ENTITY = {"person": PersonStatus, "referral": ReferralStatus, "referralevent": ReferralStatus,
                    "need": NeedStatus}
HIDDEN = {"archived", "merged_into", "created_at", "created_by", "created_device", "updated_at", "updated_by",
          "updated_device", "hlc", "code", "answers", "domain_priorities", "people_met", "body", "template_id",
          "need_ids", "search_pinyin", "search_initials"}
MAX_TEXT = 240


def field_label(name: str) -> str:
    if name.startswith("flag_"):
        try:
            return Vulnerability(name[5:]).label()
        except ValueError:
            return name
    key = f"field.{name}"
    if key in catalog():
        return tr(key)
    for other in (f"ui.field.{name}", f"wo.field.{name}"):
        if other in catalog():
            return tr(other)
    return name


def _hidden(name: str) -> bool:
    return name in HIDDEN or name.endswith("_id") or name.endswith("_ids") or name == "id"


def value_text(entity: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if _hidden(name):
        return "…"
    if name == "id_number":
        return idnumber.mask(str(value))
    if isinstance(value, bool):
        return tr("ui.yes") if value else tr("ui.no")
    enum = STATUS_BY_ENTITY.get(entity) if name == "status" else ENUM_FIELDS.get(name)
    if enum is not None:
        return enum.label_of(str(value))
    return str(value)


def change_text(entity: str, field: str, value: Any) -> str:
    """One line for the 'new value' column: a created row lists its meaningful fields."""
    sep = tr("ui.punct.clause_sep")
    if field == "*" and isinstance(value, dict):
        parts = []
        for name, v in value.items():
            if _hidden(name) or v in (None, "", False, [], {}):
                continue
            if name.startswith("flag_"):
                parts.append(field_label(name))
            else:
                parts.append(f"{field_label(name)}={value_text(entity, name, v)}")
        return sep.join(parts)[:MAX_TEXT]
    return value_text(entity, field, value)[:MAX_TEXT]
