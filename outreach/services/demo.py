"""A realistic demo database: one mountain county's villages, households with every vulnerable group,
visits, assessments, providers and referrals. The same seed always gives the same data.

Everything goes through ``Writer.insert_many`` (SQLAlchemy Core executemany, change-logged), so 50,000
households build in seconds, not minutes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select

from outreach import testhooks
from outreach.domain import idnumber
from outreach.domain.assessment import Template, is_answered, load_template, points, score
from outreach.domain.enums import (
    BenefitStatus,
    ConsentMethod,
    DisabilityType,
    NeedDomain,
    PersonStatus,
    Relation,
    Sex,
    VisitOutcome,
    VisitType,
)
from outreach.domain.searchkeys import name_keys
from outreach.services import demo_names as W
from outreach.storage.codec import db_timestamp
from outreach.storage.store import Store
from outreach.storage.tables import (
    Area,
    Assessment,
    AssessmentTemplate,
    Household,
    Need,
    Person,
    Provider,
    Referral,
    ReferralEvent,
    Visit,
)

COUNTY_CODE = "522731"
_SURNAME_CUM = list(__import__("itertools").accumulate(W.SURNAME_WEIGHTS))  # an invented county code in a mountain prefecture
BATCH = 5000


@dataclass(frozen=True)
class DemoSummary:
    households: int
    people: int
    visits: int
    assessments: int
    referrals: int
    providers: int
    villages: int


class _Gen:
    def __init__(self, seed: int, today: date) -> None:
        self.r = random.Random(seed)
        self.today = today
        self.uuid_bits = random.Random(seed * 7919 + 1)

    def pick(self, population, cum_weights):
        return self.r.choices(population, cum_weights=cum_weights)[0]

    def uid(self) -> str:
        return f"{self.uuid_bits.getrandbits(128):032x}"

    def name(self, sex: str, surname: str | None = None) -> str:
        s = surname or self.pick(W.SURNAMES, _SURNAME_CUM)
        pool = W.GIVEN_MALE if sex == Sex.MALE else W.GIVEN_FEMALE
        given = self.r.choice(pool) + (self.r.choice(pool) if self.r.random() < 0.75 else "")
        return s + given

    def birth(self, age_min: int, age_max: int) -> date:
        age_days = self.r.randint(age_min * 365 + 1, age_max * 365 + 300)
        return self.today - timedelta(days=age_days)

    def date_within(self, days: int) -> date:
        return self.today - timedelta(days=self.r.randint(0, days))

    def phone(self) -> str:
        return "1" + self.r.choice("3578") + "".join(self.r.choice("0123456789") for _ in range(9))


def _one_at_a_time(fn):
    """Two demos into one store at once: the second is refused at once with one line ("another demo
    is building …", Store.exclusive), instead of both writing the same batches (a traceback)."""
    from functools import wraps

    @wraps(fn)
    def run(store: Store, *args, **kwargs):
        with store.exclusive("demo"):
            return fn(store, *args, **kwargs)
    return run


@_one_at_a_time
def build_demo(store: Store, *, households: int = 500, seed: int = 1, today: date | None = None,
               progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> DemoSummary:
    """Fill the store with demo data. The store should hold no households (areas already imported
    are reused).

    Households come in batches, each generated from its own seed, so the data do not depend on how
    batches are scheduled: with more than one batch, the next batch is generated in a worker process
    while this one is written (generation is about half the work). Each batch is one transaction, and
    a mark in the settings records what is being built: a demo cut short (killed, disk full) resumes
    where it stopped on the next run, with the parameters it was started with."""
    batch = int(os.environ.get("OUTREACH_TEST_DEMO_BATCH") or batch)  # small batches for the kill tests
    mark = resume_mark(store)
    if mark:
        households, seed, batch, today = mark["households"], mark["seed"], mark["batch"], date.fromisoformat(mark["today"])
    today = today or date.today()
    store.set_setting(DEMO_MARK, json.dumps({"households": households, "seed": seed, "batch": batch,
                                             "today": today.isoformat()}))
    g = _Gen(seed, today)
    if not store.worker:
        store.set_setting("worker_name", "李娜")
        store.set_setting("device_name", "李娜的笔记本")
        store.set_setting("worker_phone", "13912345678")   # printed on her letters (an invented number)
    _demo_profile(store)
    villages = _areas(store, g, max(3, min(40, households // 40 or 3)))
    providers = _providers(store, g, villages)
    template_id, _template_obj = _template(store)
    counts = _counts(store)
    done = counts["households"] // batch if batch else 0
    jobs = [(seed, i, villages, providers, start, min(batch, households - start), today)
            for i, start in enumerate(range(0, households, batch))][done:]
    device_code = store.device.code
    for rows in _batches(jobs):
        with store.transaction() as w:
            for i, ref in enumerate(rows["referral"], start=counts["referrals"] + 1):
                ref["reference"] = f"ZJ-{device_code}-{i:06d}"
            w.insert_many(Household, rows["household"])
            w.insert_many(Person, rows["person"])
            w.insert_many(Visit, rows["visit"])
            w.insert_many(Assessment, [dict(a, template_id=template_id) for a in rows["assessment"]])
            w.insert_many(Need, rows["need"])
            w.insert_many(Referral, rows["referral"])
            w.insert_many(ReferralEvent, rows["event"])
            store.raise_counter(w.conn, "referral", counts["referrals"] + len(rows["referral"]))
        for key in ("household", "person", "visit", "assessment", "referral"):
            counts[_PLURAL[key]] += len(rows[key])
        testhooks.point("demo:batch_written")
        if progress:
            progress(counts["households"], households)
    store.set_setting(DEMO_MARK, "")
    store.refresh_statistics()
    return DemoSummary(providers=len(providers), villages=len(villages), **counts)


DEMO_MARK = "demo_in_progress"


def resume_mark(store: Store) -> dict | None:
    """The parameters of a demo that was started in this store and did not finish, or None."""
    text = store.get_setting(DEMO_MARK)
    if not text:
        return None
    try:
        mark = json.loads(text)
        date.fromisoformat(mark["today"])
        usable = all(isinstance(mark[k], int) and mark[k] > 0 for k in ("households", "batch"))
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable mark: start afresh (nothing in it is needed)
    return mark if usable and isinstance(mark["seed"], int) else None


def _counts(store: Store) -> dict[str, int]:
    """Rows a demo cut short has already written (no demo batch is ever half-written)."""
    tables = {"households": Household, "people": Person, "visits": Visit, "assessments": Assessment,
              "referrals": Referral}
    with store.connect() as conn:
        return {k: conn.execute(select(func.count()).select_from(t)).scalar_one() for k, t in tables.items()}


_PLURAL = {"household": "households", "person": "people", "visit": "visits", "assessment": "assessments",
           "referral": "referrals"}


def _batches(jobs: list[tuple]) -> Iterator[dict]:
    """Generated batches in order; from the second on, made in a worker process one step ahead.
    The worker dies with us: it is a daemon, asks the kernel to kill it when we die (Linux), and is
    terminated when we stop for any reason."""
    if len(jobs) <= 1:
        yield from (_generate(*job) for job in jobs)
        return
    pool = multiprocessing.Pool(1, initializer=_die_with_parent, initargs=(os.getpid(),))
    try:
        ahead = pool.apply_async(_generate, jobs[1])
        yield _generate(*jobs[0])
        for job in jobs[2:]:
            ready = ahead.get()
            ahead = pool.apply_async(_generate, job)
            yield ready
        yield ahead.get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _die_with_parent(parent: int) -> None:
    """In the worker: be killed when the parent dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG);
    elsewhere the pool's terminate() in the parent is what ends it."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _generate(seed: int, batch_no: int, villages: list[dict], providers: list[dict], start: int, n: int,
              today: date) -> dict:
    """One batch of households with everything that belongs to them (pure: no store, no clock)."""
    g = _Gen(seed * 1_000_003 + batch_no + 1, today)
    rows = _households_batch(g, villages, start, n, load_template("needs"))
    refs = _referrals(g, rows["need"], rows.pop("person_by_hh"), providers)
    rows["referral"], rows["event"] = refs["referral"], refs["event"]
    return rows


def _demo_profile(store: Store) -> None:
    """The demo organisation, through the team profile (team data); what is set already stays."""
    from outreach.services import team_data, team_profile

    if not team_data.can_edit_team_data(store):
        return
    current = team_profile.get_team_profile(store)
    demo = {"org_name": "青山镇社会工作服务站", "org_address": "青山镇人民路 18 号", "org_phone": "0871-6123456"}
    missing = {k: v for k, v in demo.items() if not getattr(current, k)}
    if missing:
        team_profile.update_team_profile(store, **missing)


def _areas(store: Store, g: _Gen, n_villages: int) -> list[dict]:
    rows = [
        {"id": "520000", "name": "贵州省", "level": "province", "parent_id": None},
        {"id": "522700", "name": "黔南布依族苗族自治州", "level": "city", "parent_id": "520000", "short_name": "黔南州"},
        {"id": COUNTY_CODE, "name": "青山县", "level": "county", "parent_id": "522700"},
    ]
    villages = []
    for t, town in enumerate(W.TOWNSHIPS):
        town_id = f"{COUNTY_CODE}{100 + t:03d}000"
        rows.append({"id": town_id, "name": town, "level": "township", "parent_id": COUNTY_CODE,
                     "short_name": town[:-1]})
    for v in range(n_villages):
        word = W.VILLAGE_WORDS[v % len(W.VILLAGE_WORDS)] + ("" if v < len(W.VILLAGE_WORDS) else str(v // len(W.VILLAGE_WORDS)))
        town_idx = v % len(W.TOWNSHIPS)
        vid = f"{COUNTY_CODE}{100 + town_idx:03d}{200 + v:03d}"
        village = {"id": vid, "name": word + "村", "level": "village",
                   "parent_id": f"{COUNTY_CODE}{100 + town_idx:03d}000", "short_name": word,
                   "town": W.TOWNSHIPS[town_idx]}
        villages.append(village)
        rows.append({k: village[k] for k in ("id", "name", "level", "parent_id", "short_name")})
        for grp in range(1, 4):
            rows.append({"id": f"{vid}{grp:03d}", "name": f"{word}{'一二三'[grp - 1]}组", "level": "group",
                         "parent_id": vid})
    with store.transaction() as w:  # areas already there (imported, or from a demo cut short) are reused
        present = set(w.conn.execute(select(Area.id).where(Area.id.in_([r["id"] for r in rows]))).scalars())
        w.insert_many(Area, [{"short_name": "", **r} for r in rows if r["id"] not in present])
    return villages


def _providers(store: Store, g: _Gen, villages: list[dict]) -> list[dict]:
    rows = []
    for name, cat, services, hours in W.PROVIDERS:
        town = W.TOWNSHIPS[0]
        village = villages[0]
        rows.append({"id": g.uid(), "name": name.format(town=town, village=village["short_name"]), "category": cat,
                     "services": services, "contact_person": g.name(g.r.choice([Sex.MALE, Sex.FEMALE])),
                     "phone": f"0854-{g.r.randint(1000000, 9999999)}", "address": f"青山县{town}",
                     "hours": hours, "areas_served": COUNTY_CODE})
    with store.transaction() as w:
        present = set(w.conn.execute(select(Provider.id).where(Provider.id.in_([r["id"] for r in rows]))).scalars())
        w.insert_many(Provider, [r for r in rows if r["id"] not in present])
    return rows


def _template(store: Store) -> tuple[str, Template]:
    """The latest assessment template, stored as the snapshot the demo's answer sets refer to."""
    template = load_template("needs")
    with store.transaction() as w:
        tid = w.conn.execute(select(AssessmentTemplate.id).where(
            AssessmentTemplate.template_key == template.key, AssessmentTemplate.version == template.version,
            AssessmentTemplate.body == template.body)).scalars().first()
        tid = tid or w.insert(AssessmentTemplate, {"template_key": template.key, "version": template.version,
                                                   "body": template.body})
    return tid, template


@lru_cache(maxsize=2048)
def _at(day: date) -> str:
    """A record made that day, at half past nine in the morning Beijing time (as the store writes it)."""
    return db_timestamp(datetime(day.year, day.month, day.day, 1, 30, tzinfo=UTC))


_FLAG_KINDS = ("elder_alone", "left_behind_child", "disability", "migrant", "chronic", "pregnant", "ordinary")


def _households_batch(g: _Gen, villages: list[dict], start: int, n: int, template: Template) -> dict:
    out: dict[str, list] = {"household": [], "person": [], "visit": [], "assessment": [], "need": []}
    person_by_hh: dict[str, list[dict]] = {}
    for i in range(start, start + n):
        village = villages[i % len(villages)]
        hid = g.uid()
        kind = g.r.choices(_FLAG_KINDS, weights=(10, 12, 8, 15, 10, 3, 42))[0]
        members = _members(g, hid, kind, village)
        head = members[0]
        benefit = g.r.choices([b.value for b in BenefitStatus], weights=(70, 14, 4, 8, 4))[0]
        registered_days_ago = g.r.randint(0, 700)
        consent_on = g.today - timedelta(days=registered_days_ago)
        out["household"].append({
            "id": hid, "code": f"{village['short_name']}-{i // len(villages) + 1:04d}", "village_id": village["id"],
            "group_id": f"{village['id']}{g.r.randint(1, 3):03d}",
            "address": f"{village['town']}{village['name']}{g.r.randint(1, 3)}组{g.r.randint(1, 120)}号",
            "head_person_id": head["id"], "phone": head["phone"] or g.phone(), "benefit_status": benefit,
            "tags": "", "notes": "", "consent_given": True, "consent_by": head["name"], "consent_on": consent_on,
            "consent_method": g.r.choice([ConsentMethod.VERBAL.value, ConsentMethod.WRITTEN.value]),
            "created_at": _at(consent_on),
        })
        for m in members:
            m["created_at"] = _at(consent_on)
        out["person"].extend(members)
        person_by_hh[hid] = members
        _visits(g, out, hid, members, template, registered_days_ago)
    out["person_by_hh"] = person_by_hh  # type: ignore[assignment]
    return out


def _person(g: _Gen, hid: str, village: dict, *, sex: str, age: tuple[int, int], relation: str,
            surname: str | None = None, **flags) -> dict:
    name = g.name(sex, surname)
    birth = g.birth(*age)
    seq = g.r.randint(0, 499) * 2 + (1 if sex == Sex.MALE else 0)
    has_id = g.r.random() < 0.9
    pinyin, initials = name_keys(name)
    return {
        "id": g.uid(), "household_id": hid, "name": name, "sex": sex, "birth_date": birth,
        "id_number": idnumber.make(COUNTY_CODE, birth, seq % 1000) if has_id else None, "relation": relation,
        "phone": g.phone() if age[0] >= 18 and g.r.random() < 0.7 else "", "status": flags.pop("status", "present"),
        "search_pinyin": pinyin, "search_initials": initials, "notes": "", "disability_type": "",
        "disability_grade": None, **{f"flag_{k}": v for k, v in flags.items()},
    }


def _members(g: _Gen, hid: str, kind: str, village: dict) -> list[dict]:
    M, F = Sex.MALE.value, Sex.FEMALE.value
    if kind == "elder_alone":
        sex = g.r.choice([M, F])
        elder = _person(g, hid, village, sex=sex, age=(70, 92), relation=Relation.SELF, elder_alone=True,
                        chronic_illness=g.r.random() < 0.5)
        son = _person(g, hid, village, sex=M, age=(35, 55), relation=Relation.CHILD, surname=elder["name"][0],
                      status=PersonStatus.AWAY_FOR_WORK.value, migrant_worker=True)
        return [elder, son]
    head_sex = g.r.choices([M, F], weights=(85, 15))[0]
    head = _person(g, hid, village, sex=head_sex, age=(28, 70), relation=Relation.SELF)
    surname = head["name"][0]
    members = [head]
    spouse_sex = F if head_sex == M else M
    if g.r.random() < 0.85:
        members.append(_person(g, hid, village, sex=spouse_sex, age=(26, 68), relation=Relation.SPOUSE))
    if kind == "left_behind_child":
        head["status"] = PersonStatus.AWAY_FOR_WORK.value
        head["flag_migrant_worker"] = True
        if len(members) > 1:
            members[1]["status"] = PersonStatus.AWAY_FOR_WORK.value
            members[1]["flag_migrant_worker"] = True
        members.append(_person(g, hid, village, sex=M, age=(60, 78), relation=Relation.PARENT, surname=surname,
                               left_behind_elder=True))
        for _ in range(g.r.randint(1, 2)):
            members.append(_person(g, hid, village, sex=g.r.choice([M, F]), age=(4, 15), relation=Relation.CHILD,
                                   surname=surname, left_behind_child=True))
    else:
        for _ in range(g.r.randint(0, 3)):
            members.append(_person(g, hid, village, sex=g.r.choice([M, F]), age=(1, 17), relation=Relation.CHILD,
                                   surname=surname))
        if kind == "migrant":
            head["status"] = PersonStatus.AWAY_FOR_WORK.value
            head["flag_migrant_worker"] = True
            if len(members) > 1 and members[1]["sex"] == F:
                members[1]["flag_left_behind_woman"] = True
        elif kind == "disability":
            p = g.r.choice(members)
            p.update(flag_disability=True, disability_type=g.r.choice([d.value for d in DisabilityType]),
                     disability_grade=g.r.randint(1, 4))
        elif kind == "chronic":
            head["flag_chronic_illness"] = True
        elif kind == "pregnant" and len(members) > 1 and members[1]["sex"] == F:
            members[1]["flag_pregnant"] = True
    return members


def _visits(g: _Gen, out: dict, hid: str, members: list[dict], template: Template, registered_days_ago: int) -> None:
    n_visits = g.r.choices([0, 1, 2, 3, 4], weights=(12, 30, 30, 18, 10))[0]
    dates = sorted(g.date_within(min(365, registered_days_ago)) for _ in range(n_visits))
    for k, when in enumerate(dates):
        outcome = g.r.choices([VisitOutcome.MET, VisitOutcome.NOBODY_HOME, VisitOutcome.REFUSED], weights=(75, 22, 3))[0]
        vtype = g.r.choices([t.value for t in VisitType], weights=(50, 20, 10, 3, 10, 7))[0]
        met = [] if outcome != VisitOutcome.MET else [m["id"] for m in members if m["status"] == "present"][:2]
        last = k == len(dates) - 1
        out["visit"].append({
            "id": g.uid(), "household_id": hid, "visit_date": when, "visit_type": vtype, "outcome": outcome.value,
            "people_met": json.dumps(met), "notes": g.r.choice(W.NOTES) if outcome == VisitOutcome.MET else "",
            "next_due": when + timedelta(days=g.r.choice([7, 30, 60, 90])) if last else None,
            "created_at": _at(when),
        })
    if dates and g.r.random() < 0.25:
        _assessment(g, out, hid, members[0], dates[-1], template)


def _answers(g: _Gen, template: Template) -> dict:
    """A plausible answer set: most answers benign, some pointing at needs, crises rare. Skip logic
    is honoured by answering question by question and asking the template what to show next."""
    answers: dict = {}
    troubled = set(g.r.sample([d.value for d in NeedDomain], k=g.r.choice([0, 1, 1, 2, 2, 3])))
    crisis_questions = _trigger_questions(template)
    for q in template.questions:  # skip logic only looks back, so one pass in form order suffices
        if q.show_if is not None and not q.show_if.holds(answers):
            continue
        worry = q.domain in troubled and g.r.random() < 0.5
        if q.id in crisis_questions:  # violence, no food, a collapsed house: rare, as in life
            worry = worry and g.r.random() < 0.08
        answers[q.id] = _answer(g, q, worry)
    return answers


def _trigger_questions(template: Template) -> set[str]:
    found: set[str] = set()
    stack = [t.when for t in template.triggers]
    while stack:
        cond = stack.pop()
        if cond.question:
            found.add(cond.question)
        stack.extend(cond.children)
    return found


def _answer(g: _Gen, q, worry: bool):
    """A benign answer, or (worry) a troubling one — usually moderate, the worst only now and then."""
    severe = worry and g.r.random() < 0.15
    if q.type == "yesno":
        yes_is_bad = q.score_yes >= q.score_no
        return worry == yes_is_bad
    if q.type in ("single", "multi"):
        ranked = sorted(q.options, key=lambda o: o.score)
        if not worry:
            return ranked[0].value if q.type == "single" else [ranked[0].value]
        bad = [o for o in ranked if o.score > 0 and not o.exclusive] or ranked
        pick = bad[-1] if severe else bad[0]
        return pick.value if q.type == "single" else [pick.value]
    if q.type in ("scale", "number"):
        lo = q.min if q.min is not None else 0
        hi = q.max if q.max is not None else lo + 10
        if q.type == "number" and hi - lo > 5000:  # incomes: a rural range, not the whole scale
            hi = lo + 5000
        value = g.r.randint(lo, hi)
        for _ in range(20):  # draw until the answer is as troubling (or as benign) as intended
            if (points(q, value) > 0) == worry:
                break
            value = g.r.randint(lo, hi)
        return value
    return g.r.choice(W.NOTES) if worry else ""


def _assessment(g: _Gen, out: dict, hid: str, person: dict, when: date, template: Template) -> None:
    aid = g.uid()
    answers = {k: v for k, v in _answers(g, template).items() if is_answered(v)}
    result = score(template, answers, lang="zh_CN")
    out["assessment"].append({
        "id": aid, "household_id": hid, "person_id": person["id"], "assessed_on": when,
        "answers": json.dumps(answers, ensure_ascii=False), "score": result.total,
        "priority": result.priority.value, "domain_priorities": json.dumps(result.domain_priorities()), "notes": "",
    })
    for need in result.needs:
        out["need"].append({"id": g.uid(), "household_id": hid, "person_id": person["id"], "assessment_id": aid,
                            "domain": need.domain.value, "priority": need.priority.value,
                            "description": need.description, "status": "open", "_when": when,
                            "created_at": _at(when)})


_DOMAIN_PROVIDER = {"health": "clinic", "basic_living": "civil_affairs", "housing": "civil_affairs",
                    "care": "village_committee", "education": "school", "psychosocial": "counselling",
                    "social_support": "ngo", "rights": "legal_aid", "employment": "employment",
                    "protection": "womens_federation"}


def _referrals(g: _Gen, needs: list[dict], people: dict, providers: list[dict]) -> dict:
    """Referrals for about half the needs; their reference numbers are given when they are written."""
    out: dict[str, list] = {"referral": [], "event": []}
    by_cat = {}
    for p in providers:
        by_cat.setdefault(p["category"], p)
    for need in needs:
        when = need.pop("_when")
        if g.r.random() > 0.5:
            continue
        rid = g.uid()
        issued = when + timedelta(days=g.r.randint(0, 3))
        issued = min(issued, g.today)
        status = g.r.choices(["issued", "accepted", "served", "declined", "no_show"], weights=(35, 15, 35, 8, 7))[0]
        need["status"] = "met" if status == "served" else "referred"
        person = next(p for p in people[need["household_id"]] if p["id"] == need["person_id"])
        provider = by_cat.get(_DOMAIN_PROVIDER[need["domain"]], providers[0])
        out["referral"].append({
            "id": rid, "reference": "", "person_id": need["person_id"],
            "household_id": need["household_id"], "provider_id": provider["id"], "need_ids": json.dumps([need["id"]]),
            "reason": g.r.choice(W.NOTES), "urgency": "urgent" if need["priority"] == "urgent" else "routine",
            "status": status, "consent_given": True, "consent_by": person["name"], "consent_on": issued,
            "consent_method": ConsentMethod.VERBAL.value, "consent_witness": "", "issued_on": issued,
            "expected_reply_on": issued + timedelta(days=14), "services_provided": "", "created_at": _at(when),
        })
        events = [("draft", when), ("issued", issued)]
        reply = min(issued + timedelta(days=g.r.randint(2, 20)), g.today)
        if status in ("accepted", "declined", "no_show"):
            events.append((status, reply))
        elif status == "served":
            events += [("accepted", reply), ("served", min(reply + timedelta(days=g.r.randint(0, 10)), g.today))]
        for st, day in events:
            out["event"].append({"id": g.uid(), "referral_id": rid, "status": st, "event_date": day, "note": "",
                                 "created_at": _at(day)})
    return out
