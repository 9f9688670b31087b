"""Chinese papers never start a line with closing punctuation (，；：！？” …): a printed letter whose
line begins with “；权益保障” looks careless to the office receiving it. The mark stays at the end of the
line before (it hangs in the margin, as reportlab already does for 。、）)."""

from __future__ import annotations

import pytest
from reportlab.lib.styles import ParagraphStyle

from outreach.letters.fonts import register_fonts
from outreach.letters.layout import Para, para

NEEDS = ("主要需求：基本生活（紧急）；心理情绪（紧急）；住房与安全（紧急）；健康（紧急）；保护（紧急）；"
         "权益保障（高）；就业（高）；教育（高）；照料（高）；社会支持（中）")
REASON = ("王秀英，82岁，独居，儿子在东莞打工！高血压药物即将用完？行动不便，无法自行前往卫生院取药：请贵院安排"
          "上门随访、送药，并评估其“慢性病管理”需要。邻居张阿姨可协助联系，电话13800001111。")
NO_LINE_START = "，；：！？”’》〉…"


def _line_texts(p) -> list[str]:
    lines = p.blPara.lines
    if p.blPara.kind == 0:
        return ["".join(words) for _space, words in lines]
    return ["".join(getattr(f, "text", "") for f in line.words) for line in lines]


@pytest.mark.parametrize("text", [NEEDS, REASON], ids=["needs", "reason"])
@pytest.mark.parametrize("markup", [False, True], ids=["plain", "markup"])
def test_no_wrapped_line_starts_with_closing_punctuation(text, markup):
    """Both of reportlab's breakers: one style (kind 0) and several (kind 1, as with a bold label or
    a worker's typed line break)."""
    font = register_fonts()
    style = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    bad = []
    for width in range(60, 480, 2):   # every place a mark can fall at a line's end
        p = Para(f"<b>{text[:4]}</b>{text[4:]}", style) if markup else para(text, style)
        p.wrap(width, 10_000)
        lines = _line_texts(p)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), "nothing lost or repeated"
        bad += [(width, line) for line in lines[1:] if line[:1] in NO_LINE_START]
    assert not bad, f"{len(bad)} lines start with punctuation, e.g. {bad[0]}"


def test_a_typed_line_break_is_kept_and_marks_after_it_stay():
    font = register_fonts()
    style = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    text = "第一行写完了\n：第二行由冒号开始（照录入原样）"
    p = para(text, style)
    p.wrap(400, 10_000)
    assert _line_texts(p) == ["第一行写完了", "：第二行由冒号开始（照录入原样）"]
