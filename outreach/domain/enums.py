"""The field's fixed vocabularies (see shared GLOSSARY). Values are stable English codes stored in the
database and in bundles; labels come from the catalog (``enum.<kind>.<value>``)."""

from __future__ import annotations

from enum import StrEnum

from outreach.i18n import tr


class Labelled(StrEnum):
    """A StrEnum whose members have a translated label."""

    @classmethod
    def kind(cls) -> str:
        # e.g. VisitOutcome -> "visit_outcome"
        name = cls.__name__
        return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))

    def label(self, lang: str | None = None) -> str:
        return tr(f"enum.{self.kind()}.{self.value}", lang)

    @classmethod
    def label_of(cls, value: str | None, lang: str | None = None) -> str:
        """The label of a stored value. A value this version does not know (written by a newer laptop,
        or a hand-edited file) is shown as it is rather than hidden or crashing."""
        if not value:
            return ""
        try:
            return cls(value).label(lang)
        except ValueError:
            return value

    @classmethod
    def choices(cls, lang: str | None = None) -> list[tuple[str, str]]:
        return [(m.value, m.label(lang)) for m in cls]


class AreaLevel(Labelled):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GROUP = "group"


AREA_LEVEL_ORDER = [AreaLevel.PROVINCE, AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.TOWNSHIP,
                    AreaLevel.VILLAGE, AreaLevel.GROUP]


class Sex(Labelled):
    MALE = "male"
    FEMALE = "female"


class Relation(Labelled):
    SELF = "self"          # 本人 (the head)
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"


class PersonStatus(Labelled):
    PRESENT = "present"
    AWAY_FOR_WORK = "away_for_work"
    MOVED = "moved"
    DECEASED = "deceased"


class BenefitStatus(Labelled):
    NONE = "none"
    DIBAO = "dibao"              # 低保
    TEKUN = "tekun"              # 特困供养 / 五保
    MONITORED = "monitored"      # 监测户 / 防返贫监测
    LOW_INCOME = "low_income"    # 低收入户


class Vulnerability(Labelled):
    """Vulnerability flags of a person; each is a boolean column ``flag_<value>`` on Person."""

    LEFT_BEHIND_CHILD = "left_behind_child"
    LEFT_BEHIND_ELDER = "left_behind_elder"
    LEFT_BEHIND_WOMAN = "left_behind_woman"
    ELDER_ALONE = "elder_alone"
    DISABILITY = "disability"
    CHRONIC_ILLNESS = "chronic_illness"
    PREGNANT = "pregnant"
    MIGRANT_WORKER = "migrant_worker"
    CHILD_IN_DIFFICULTY = "child_in_difficulty"

    @property
    def column(self) -> str:
        return f"flag_{self.value}"


class DisabilityType(Labelled):
    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    PHYSICAL = "physical"
    INTELLECTUAL = "intellectual"
    PSYCHOSOCIAL = "psychosocial"
    MULTIPLE = "multiple"


class AgeGroup(Labelled):
    CHILD = "child"          # 0–13
    ADOLESCENT = "adolescent"  # 14–17
    ADULT = "adult"          # 18–59
    ELDER = "elder"          # 60–79
    OLDEST_OLD = "oldest_old"  # 80+


class VisitType(Labelled):
    ROUTINE = "routine"
    FOLLOW_UP = "follow_up"
    ASSESSMENT = "assessment"
    CRISIS = "crisis"
    CAMPAIGN = "campaign"
    SUPPLY_DELIVERY = "supply_delivery"


class VisitOutcome(Labelled):
    MET = "met"
    NOBODY_HOME = "nobody_home"
    REFUSED = "refused"


class Priority(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return PRIORITY_ORDER.index(self)


PRIORITY_ORDER = [Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT]


class NeedDomain(Labelled):
    BASIC_LIVING = "basic_living"
    HEALTH = "health"
    HOUSING = "housing"
    CARE = "care"
    EDUCATION = "education"
    PSYCHOSOCIAL = "psychosocial"
    SOCIAL_SUPPORT = "social_support"
    RIGHTS = "rights"
    EMPLOYMENT = "employment"
    PROTECTION = "protection"


class NeedStatus(Labelled):
    OPEN = "open"
    REFERRED = "referred"
    MET = "met"
    CLOSED = "closed"


class ProviderCategory(Labelled):
    CIVIL_AFFAIRS = "civil_affairs"
    CLINIC = "clinic"
    DISABILITY_FEDERATION = "disability_federation"
    WOMENS_FEDERATION = "womens_federation"
    YOUTH_LEAGUE = "youth_league"
    SCHOOL = "school"
    LEGAL_AID = "legal_aid"
    COUNSELLING = "counselling"
    EMPLOYMENT = "employment"
    NGO = "ngo"
    CHARITY = "charity"
    VILLAGE_COMMITTEE = "village_committee"


class ReferralStatus(Labelled):
    DRAFT = "draft"
    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SERVED = "served"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Urgency(Labelled):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class ConsentMethod(Labelled):
    VERBAL = "verbal"
    VERBAL_WITNESSED = "verbal_witnessed"
    WRITTEN = "written"
    THUMBPRINT = "thumbprint"
    GUARDIAN = "guardian"


class ConsentScope(Labelled):
    RECORD = "record"            # keep this household's data
    SHARE_REFERRAL = "share_referral"  # share a person's data with a provider in a referral
