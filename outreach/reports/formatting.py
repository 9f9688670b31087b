"""Showing indicator values: counts, shares and days, the same way in the PDF and on the dashboard.

Values stay exact (ints and ``Fraction``) until here; rounding is half-up on exact arithmetic.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from outreach.domain.enums import (
    NeedDomain,
    Priority,
    ReferralStatus,
    VisitOutcome,
    VisitType,
    Vulnerability,
)
from outreach.i18n import tr

DASH = "—"

# indicator key prefix → the enum whose labels name its codes
ENUM_OF = {
    "visits.type": VisitType, "visits.outcome": VisitOutcome, "people.vulnerability": Vulnerability,
    "needs.domain": NeedDomain, "needs.open_domain": NeedDomain, "needs.priority": Priority,
    "assessments.priority": Priority, "referrals.status": ReferralStatus,
}


def count(n: int | None) -> str:
    return DASH if n is None else f"{n:,}"


def percent(share: Fraction | None, digits: int = 1) -> str:
    """Fraction(5, 6) → "83.3%"; None (nothing to divide by) → "—"."""
    if share is None:
        return DASH
    scale = 10 ** digits
    q = floor(share * 100 * scale + Fraction(1, 2))
    whole, part = divmod(q, scale)
    return f"{whole}.{part:0{digits}d}%" if digits else f"{whole}%"


def days(value: Fraction | None, lang: str | None = None) -> str:
    """Fraction(5, 2) → "2.5 天" / "2.5 days"."""
    if value is None:
        return DASH
    tenths = floor(value * 10 + Fraction(1, 2))
    text = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return tr("reports.unit.days", lang, n=text, count=text)   # "1 day", "1.5 days"


def tally_label(key: str, code: str, label: str = "", lang: str | None = None) -> str:
    """The display name of one tally: a translated enum label, or the stored name (village, provider,
    worker)."""
    if label:
        return label
    prefix = key.rsplit(".", 1)[0]
    enum = ENUM_OF.get(prefix)
    if key.startswith("people.age."):
        return tr(f"papers.age.{code}", lang)   # the report's civil-affairs groups, boundaries included
    if enum is not None:
        return enum.label_of(code, lang)
    return code
