"""Field rules shared by every form and service. Each returns FieldErrors; empty means valid."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from outreach.domain import idnumber
from outreach.domain.enums import Labelled
from outreach.domain.errors import FieldError, ValidationError

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only (\d would accept any script's)
# Landlines as written in the countryside: 0871-1234567, (0871)1234567, 12345678.
_LANDLINE = re.compile(r"^(\(?0[0-9]{2,3}\)?[- ]?)?[0-9]{7,8}$")


def normalize_digits(raw: str) -> str:
    """Full-width and other compatibility forms made plain (NFKC: １３８ → 138, （ → (, － → -),
    surrounding space trimmed. Digits of other scripts stay, so the rules refuse them."""
    return unicodedata.normalize("NFKC", raw).strip() if raw else ""


def normalize_phone(raw: str) -> str:
    """A phone number as stored: NFKC, without spaces and dashes."""
    return "".join(ch for ch in normalize_digits(raw) if ch not in " -\u00a0") if raw else ""


def check_required(field: str, value) -> list[FieldError]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return [FieldError(field, "error.required")]
    return []


def check_mobile(field: str, value: str | None, *, allow_landline: bool = True) -> list[FieldError]:
    """Empty is fine (not everyone has a phone); otherwise an 11-digit mobile (1[3-9]…) or a landline."""
    if not value:
        return []
    v = normalize_digits(value)
    if _MOBILE.match(normalize_phone(v)):
        return []
    if allow_landline and _LANDLINE.match(v):
        return []
    return [FieldError(field, "error.phone.invalid", {"value": v})]


def check_not_future(field: str, value: date | None, *, today: date | None = None) -> list[FieldError]:
    if value is not None and value > (today or date.today()):
        return [FieldError(field, "error.date.future", {"date": value.isoformat()})]
    return []


def check_id_number(field: str, value: str | None, *, birth_date: date | None = None,
                    today: date | None = None) -> list[FieldError]:
    """A resident ID, if given, must be valid and agree with the birth date field."""
    if not value:
        return []
    found = [FieldError(field, p.key, p.params) for p in idnumber.problems(value, today=today)]
    if found:
        return found
    info = idnumber.parse(value, today=today)
    if info and birth_date and info.birth_date != birth_date:
        return [FieldError(field, "error.id.birth_date_mismatch",
                           {"id_date": info.birth_date.isoformat(), "field_date": birth_date.isoformat()})]
    return []


def check_choice(field: str, value: str | None, enum: type[Labelled], *, required: bool = True) -> list[FieldError]:
    if value in (None, ""):
        return [FieldError(field, "error.required")] if required else []
    if value not in {m.value for m in enum}:
        return [FieldError(field, "error.choice.invalid", {"value": value})]
    return []


def check_length(field: str, value: str | None, maximum: int) -> list[FieldError]:
    if value and len(value) > maximum:
        return [FieldError(field, "error.too_long", {"max": maximum})]
    return []


def raise_if(errors: Iterable[FieldError]) -> None:
    errs = list(errors)
    if errs:
        raise ValidationError(errs)
