"""Replies overdue, visits due and urgent needs: Today, the referral list, the dashboard and the monthly
report (PDF and ``--json``) give the same figures, because they count with one definition
(``outreach.services.followups``)."""

from __future__ import annotations

import json
import re
from datetime import date

from pypdf import PdfReader

from outreach.cli.main import main
from outreach.reports.indicators import compute_indicators
from outreach.reports.report_pdf import write_monthly_report
from outreach.reports.scope import Scope
from outreach.reports.summary import report_json
from outreach.services import followups, referrals, visits
from outreach.services.demo import build_demo
from outreach.storage.store import Store


def four_surfaces(store: Store, *, today: date, month: str, tmp_path) -> dict[str, tuple[int, int, int]]:
    """(replies overdue, visits due, urgent needs) as each surface shows them, looking at ``month`` on
    ``today``."""
    t = followups.today_list(store, today=today)
    listed, overdue_ids = followups.referral_list(store, today, overdue_only=True)
    ind = compute_indicators(store, Scope.for_month(month, today=today))        # what the dashboard shows
    pdf = tmp_path / f"{month}-{today}.pdf"
    write_monthly_report(store, pdf, month=month, today=today)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(pdf).pages))
    printed = [int(re.search(label + r"(\d+)", text).group(1))
               for label in ("逾期未回复转介（含往月）", "到期未回访户数", "紧急需求待转介")]
    figures = report_json(ind)
    return {
        "today": (len(t.overdue_referrals), len(t.due_visits), len(t.urgent_needs)),
        "referral list": (len(listed), len(overdue_ids), len(overdue_ids)),
        "dashboard": (ind.referrals.overdue_replies.count, ind.overdue_followups.count, ind.needs.urgent_waiting.count),
        "report pdf": tuple(printed),
        "report json": (figures["replies_overdue"], figures["visits_due"], figures["urgent_needs"]),
    }


def test_the_four_surfaces_agree_on_the_demo_data(tmp_path):
    store = Store.in_memory()
    store.set_setting("worker_name", "李娜")
    today = date(2026, 12, 10)
    build_demo(store, households=150, seed=3, today=today)
    seen = four_surfaces(store, today=today, month="2026-12", tmp_path=tmp_path)
    replies = {name: figures[0] for name, figures in seen.items()}
    assert len(set(replies.values())) == 1 and replies["today"] > 0, replies
    others = {name: figures[1:] for name, figures in seen.items() if name != "referral list"}
    assert len(set(others.values())) == 1, others
    assert others["today"][0] > 0
    store.close()


def test_a_reply_overdue_in_november_and_answered_in_december(store, family, clinic, tmp_path):
    today = date(2026, 12, 10)
    # Issued in October, never answered: overdue in November's report and still today.
    old = referrals.create_referral(store, person_id=family["mother"], provider_id=clinic, reason="慢病随访",
                                    consent_given=True, consent_by="王秀英", consent_on=date(2026, 10, 1),
                                    consent_method="verbal", issue_on=date(2026, 10, 1),
                                    expected_reply_on=date(2026, 10, 15), today=today)
    # Issued 2 November, reply expected by the 16th, answered on 3 December.
    late = referrals.create_referral(store, person_id=family["mother"], provider_id=clinic, reason="送药上门",
                                     consent_given=True, consent_by="王秀英", consent_on=date(2026, 11, 2),
                                     consent_method="verbal", issue_on=date(2026, 11, 2),
                                     expected_reply_on=date(2026, 11, 16), today=today)
    referrals.record_reply(store, late.reference, status="accepted", on=date(2026, 12, 3), today=today)

    november = four_surfaces(store, today=today, month="2026-11", tmp_path=tmp_path)
    assert {name: f[0] for name, f in november.items() if name not in ("today", "referral list")} == {
        "dashboard": 2, "report pdf": 2, "report json": 2}
    december = four_surfaces(store, today=today, month="2026-12", tmp_path=tmp_path)
    assert {name: f[0] for name, f in december.items()} == {
        "today": 1, "referral list": 1, "dashboard": 1, "report pdf": 1, "report json": 1}
    assert [r.id for r in followups.today_list(store, today=today).overdue_referrals] == [old.id]
    # Looked at on 30 November itself, Today and the referral list agree with November's report.
    on_30th = four_surfaces(store, today=date(2026, 11, 30), month="2026-11", tmp_path=tmp_path)
    assert {f[0] for f in on_30th.values()} == {2}


def test_a_visit_due_today_is_due_everywhere_and_a_later_visit_settles_it(store, family, tmp_path):
    today = date(2026, 12, 10)
    visits.record_visit(store, household_id=family["household"], visit_date=date(2026, 11, 20), visit_type="routine",
                        outcome="met", next_due=today, today=today)
    seen = four_surfaces(store, today=today, month="2026-12", tmp_path=tmp_path)
    assert {name: f[1] for name, f in seen.items() if name != "referral list"} == {
        "today": 1, "dashboard": 1, "report pdf": 1, "report json": 1}
    visits.record_visit(store, household_id=family["household"], visit_date=today, visit_type="follow_up",
                        outcome="met", today=today)
    seen = four_surfaces(store, today=today, month="2026-12", tmp_path=tmp_path)
    assert {f[1] for name, f in seen.items() if name != "referral list"} == {0}


def test_today_and_report_json_on_the_command_line(tmp_path, capsys):
    data = tmp_path / "data"
    store = Store.open(data)
    store.set_setting("worker_name", "李娜")
    build_demo(store, households=80, seed=5, today=date.today())
    expected = followups.today_list(store, today=date.today())
    month = f"{date.today():%Y-%m}"
    ind = compute_indicators(store, Scope.for_month(month))
    store.close()

    assert main(["--data-dir", str(data), "today", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [v["household_code"] for v in got["visits_due"]] == [d.code for d in expected.due_visits]
    assert [r["reference"] for r in got["replies_overdue"]] == [r.reference for r in expected.overdue_referrals]
    assert all(r["household_code"] for r in got["replies_overdue"])
    assert [n["household_code"] for n in got["urgent_needs"]] == [n.household_code for n in expected.urgent_needs]

    before = set(tmp_path.rglob("*.pdf"))
    assert main(["--data-dir", str(data), "report", "--month", month, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(tmp_path.rglob("*.pdf")) == before                      # no PDF written
    assert figures["replies_overdue"] == len(got["replies_overdue"]) == ind.referrals.overdue_replies.count
    assert figures["visits_due"] == len(got["visits_due"])
    assert (figures["households_visited"], figures["visits"], figures["referrals_issued"]) == (
        ind.households.visited.count, ind.visits.total.count, ind.referrals.issued.count)

    assert main(["--data-dir", str(data), "--lang", "en", "report", "--month", "2026-13", "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['outreach: Bad month "2026-13": use YYYY-MM (for example 2024-05)']
