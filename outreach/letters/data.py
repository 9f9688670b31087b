"""Plain values the renderers take. Built from the store by ``outreach.services.letter_sources``;
tests and benchmarks build them directly. Codes (sex, urgency, consent method, visit type and
outcome) are the stable enum values; the renderers translate them into the letter's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Organisation:
    """The letterhead: the social-work station that issues the letters (the team profile)."""

    name: str
    address: str = ""
    phone: str = ""
    logo_path: str = ""  # optional image file (PNG/JPEG); missing files are left out
    reply_to: str = ""   # where reply slips go back, when not the organisation itself

    @property
    def return_address(self) -> str:
        """Where a reply slip goes: the team's reply-to, else its name, address and phone."""
        return self.reply_to or " · ".join(x for x in (self.name, self.address, self.phone) if x)


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    category: str = ""  # ProviderCategory value
    contact_person: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class PersonInfo:
    """The person referred. ``id_number`` may be given in full: the renderers only ever print it
    masked (110105********002X)."""

    name: str
    sex: str = ""  # Sex value
    age: int | None = None
    id_number: str = ""
    address: str = ""
    phone: str = ""
    household_code: str = ""


@dataclass(frozen=True)
class ConsentInfo:
    given: bool
    on: date | None = None
    method: str = ""  # ConsentMethod value
    by: str = ""  # who agreed (the person or a guardian)
    witness: str = ""


@dataclass(frozen=True)
class ReferralLetterData:
    reference: str
    issued_on: date
    organisation: Organisation
    provider: ProviderInfo
    person: PersonInfo
    reason: str
    needs: tuple[str, ...] = ()  # one per need domain, in the letter's language ("健康（高）")
    urgency: str = "routine"  # Urgency value
    consent: ConsentInfo = field(default_factory=lambda: ConsentInfo(given=False))
    worker_name: str = ""
    worker_phone: str = ""
    expected_reply_on: date | None = None


@dataclass(frozen=True)
class VisitRow:
    visit_date: date
    household_code: str
    people_met: str  # names, already joined
    visit_type: str  # VisitType value
    outcome: str  # VisitOutcome value
    worker: str
    notes: str = ""
    head_name: str = ""  # the head of household (本人/户主)
    address: str = ""    # the household's address


@dataclass(frozen=True)
class VisitRegisterData:
    """The monthly visit register (走访台账) of one village."""

    organisation: Organisation
    village_name: str
    village_code: str
    year: int
    month: int
    team: str = ""
    rows: tuple[VisitRow, ...] = ()
