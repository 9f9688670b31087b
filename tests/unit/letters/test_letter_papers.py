"""The referral letter an office accepts: contact details, reply-to, 落款, no internal scoring, no
duplicated reason, the needs in the letter's language; the reply slip below the cut line."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from outreach.services import letter_sources
from outreach.services.team_profile import update_team_profile
from outreach.storage.tables import Need
from tests.unit.letters.pdftools import all_text, page_texts, words

CJK = re.compile(r"[\u3400-\u9fff]")


def _letter(store, tmp_path: Path, lang: str = "zh_CN", reference: str = "ZJ-TEST-000001") -> Path:
    path = tmp_path / f"letter-{lang}.pdf"
    path.write_bytes(letter_sources.letters_pdf(store, [reference], lang=lang))
    return path


def _score_the_need(store, need_id: str) -> None:
    """The need as an assessment records it: its description is the scoring of the answers."""
    with store.transaction() as w:
        w.update(Need, need_id, {"description": "降压药即将用完；自评健康：2（1–5）", "domain": "health"})


def test_chinese_letter_has_contacts_reply_to_and_a_closing_block_and_no_scores(store, seeded, tmp_path):
    update_team_profile(store, reply_to="青山镇社工站转介组（人民路 18 号二楼）")
    _score_the_need(store, seeded["need"])
    path = _letter(store, tmp_path)
    text = all_text(path)
    assert len(page_texts(path)) == 1
    for expected in ("经办社工：李娜", "联系电话：13900001111",               # the worker and their phone
                     "地址：青山县青山镇人民路18号", "电话：0871-6123456",     # the team's address and phone
                     "回执请交回：青山镇社工站转介组（人民路18号二楼）",
                     "主要需求：健康（高）"):
        assert expected in text, expected
    assert "1–5" not in text and "自评健康" not in text
    # The reason is printed once: the need's description does not repeat it.
    assert text.count("降压药即将用完") == 1
    # 落款: the issuing unit and the date at the lower right, with the stamp, above the cut line.
    boxes, (width, _height) = words(path)
    stamp = next(w for w in boxes if "（盖章）" in w.text)
    date_box = next(w for w in boxes if w.text == "2025年3月10日" and w.y0 < stamp.y0)
    unit = [w for w in boxes if w.text == "青山镇社会工作服务站" and w.y0 < date_box.y0 and w.x0 > width / 2]
    cut = next(w for w in boxes if w.text == "沿此线剪下")
    assert unit and date_box.x0 > width / 2 and stamp.y1 < cut.y0
    slip = next(w for w in boxes if w.text.startswith("回") and w.y0 > cut.y1)
    assert slip.page == cut.page == stamp.page == 0


def test_a_letter_printed_without_the_workers_phone_leaves_a_line_to_write_it(store, seeded, tmp_path):
    store.set_setting("worker_phone", "")
    text = all_text(_letter(store, tmp_path))
    assert re.search(r"联系电话：_{6,}", text)


def test_english_letter_lists_needs_in_english(store, seeded, tmp_path):
    _score_the_need(store, seeded["need"])
    path = _letter(store, tmp_path, lang="en")
    lines = "\n".join(page_texts(path)).splitlines()
    needs = next(line for line in lines if line.startswith("Main needs:"))
    assert needs.strip() == "Main needs: Health (High)"
    assert not CJK.search(needs)
    text = all_text(path)
    assert "Phone:13900001111" in text and "Pleasereturnthereplyslipto:" in text
    assert "1–5" not in text and "(stamp)" in text and "2025-03-10" in text


def test_the_team_profile_gives_the_letterhead_and_the_slips_return_address(store, seeded, tmp_path):
    update_team_profile(store, org_name="石门镇社工站", org_address="石门镇政府院内", org_phone="0851-1234567")
    text = all_text(_letter(store, tmp_path))
    assert "石门镇社工站" in text and "地址：石门镇政府院内" in text
    # No separate reply-to: slips go back to the team itself, address and phone included.
    assert "回执请交回：石门镇社工站·石门镇政府院内·0851-1234567" in text


# ---------------------------------------------------------------------------- the village register
LONG_NOTE = ("王秀英血压药快吃完了，儿子刘建军在东莞务工，一年回来一次；老人腿脚不便，上下楼困难，"
             "洗澡需要有人协助，已联系镇卫生院。")


def _register_pdf(store, tmp_path: Path, lang: str = "zh_CN") -> Path:
    from outreach.letters.registers import render_visit_register

    path = tmp_path / f"register-{lang}.pdf"
    with path.open("wb") as fh:
        render_visit_register(letter_sources.visit_register_data(store, "东坪村", 2025, 3, lang=lang), fh, lang=lang)
    return path


def test_register_shows_head_address_and_the_visits_note(store, seeded, tmp_path):
    from outreach.storage.tables import Visit

    visits = Visit.__table__
    with store.transaction() as w:   # the 10 March visit gets a long note, the others a short one
        for vid, visit_date in w.conn.execute(select(visits.c.id, visits.c.visit_date)).all():
            note = LONG_NOTE if visit_date == date(2025, 3, 10) else "家中无人，已留联系卡"
            w.update(Visit, vid, {"notes": note})
    data = letter_sources.visit_register_data(store, "东坪村", 2025, 3)
    assert [(r.head_name, r.address) for r in data.rows] == [("王秀英", "东坪村三组 15 号")] * 2
    path = _register_pdf(store, tmp_path)
    text = all_text(path)
    lines = "\n".join(page_texts(path))
    assert "户主" in lines and "住址" in lines
    assert "东坪村三组15号" in text and "王秀英" in text
    assert "家中无人，已留联系卡" in text                      # a short note whole
    assert LONG_NOTE[:20] in text and LONG_NOTE.replace(" ", "") not in text and "…" in text   # cut, with "…"
    en = "\n".join(page_texts(_register_pdf(store, tmp_path, "en")))
    assert "Head of" in en and "household" in en and "Address" in en and "Remarks" in en


def test_register_never_leaves_a_row_or_two_alone_on_a_page(tmp_path):
    from datetime import timedelta

    from outreach.letters.data import VisitRegisterData, VisitRow
    from outreach.letters.layout import write_pdf
    from outreach.letters.registers import KEEP_ROWS, render_visit_register
    from tests.unit.letters.conftest import ORG

    def rows(n: int) -> tuple[VisitRow, ...]:
        return tuple(VisitRow(date(2025, 3, 1) + timedelta(days=i % 28), f"东坪-{i:04d}", "王秀英", "routine", "met",
                              "李娜", notes=LONG_NOTE if i % 3 == 0 else "", head_name="王秀英",
                              address=f"东坪村三组 {i} 号") for i in range(n))

    split_seen = False
    for n in range(9, 30):
        path = tmp_path / f"register-{n}.pdf"
        write_pdf(path, lambda fh, n=n: render_visit_register(
            VisitRegisterData(ORG, "东坪村", "522731100200", 2025, 3, "", rows(n)), fh))
        per_page = [len(re.findall(r"东坪-\d{4}", t)) for t in page_texts(path)]
        assert sum(per_page) == n
        split_seen |= len([c for c in per_page if c]) > 1
        assert all(c == 0 or c >= KEEP_ROWS for c in per_page), (n, per_page)
    assert split_seen          # some of these registers did run over a page
