"""What the household list asks for and shows (``HouseholdQuery``, ``HouseholdRow``), without the
database: the GUI's first page is read before SQLAlchemy is loaded (issue 14, ``ui.first_page``);
``services.households`` runs these queries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True)
class HouseholdQuery:
    """What the household list shows: text search plus filters. Every field is optional."""

    text: str = ""
    village_ids: tuple[str, ...] | None = None   # None = all villages
    group_ids: tuple[str, ...] | None = None     # village groups (组); None = any
    flags: tuple[str, ...] = ()                  # households with a member having ALL these flags
    benefit_status: str | None = None
    priority: str | None = None                  # latest assessment priority
    not_visited_days: int | None = None          # no visit in this many days (or never)
    today: date | None = None
    include_archived: bool = False
    sort: str = "code"                           # code | village | head | last_visit | priority | address
    descending: bool = False

    def with_text(self, text: str) -> HouseholdQuery:
        return replace(self, text=text)


@dataclass(frozen=True)
class HouseholdRow:
    id: str
    code: str
    village_id: str
    village_name: str
    address: str
    head_name: str
    phone: str
    benefit_status: str
    member_count: int
    last_visit: date | None
    priority: str | None
    archived: bool
