"""Letters at scale: 1,000 referral letters into one PDF and as 1,000 separate files, next to a bare
reportlab baseline (raw canvas drawing of the same page: same font, text, boxes and two QR codes) in
the same run. Prints seconds and the ratio to the baseline.

    .venv/bin/python benchmarks/bench_letters.py [--count 1000] [--out DIR]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics.barcode import qrencoder  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from outreach.domain import idnumber  # noqa: E402
from outreach.letters.batch import write_letter_files, write_letters_pdf  # noqa: E402
from outreach.letters.data import (  # noqa: E402
    ConsentInfo,
    Organisation,
    PersonInfo,
    ProviderInfo,
    ReferralLetterData,
)
from outreach.letters.fonts import register_fonts  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "建国", "小雨", "桂兰", "志强", "丽娟", "德明", "海燕", "春花", "国庆"]
REASONS = [
    "独居老人，儿子外出务工。无法爬楼梯，洗澡需要协助；降压药即将用完，需要卫生院上门评估并开具药品。",
    "留守儿童，父母均在外务工，由祖父母照顾。近期学习成绩下降，情绪低落，需要学校和心理咨询跟进。",
    "房屋在暴雨中部分倒塌，一家四口暂住邻居家，需要民政临时救助和住房安全评估。",
]


def make_letters(count: int) -> list[ReferralLetterData]:
    org = Organisation("青山镇社会工作服务站", "青山县青山镇人民路 18 号", "0871-6123456")
    provider = ProviderInfo("青山镇卫生院", "clinic", "张医生", "0871-6120120", "青山镇卫生路 3 号")
    out = []
    for i in range(count):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)]
        issued = date(2025, 3, 10)
        out.append(ReferralLetterData(
            reference=f"ZJ-BNCH-{i + 1:06d}", issued_on=issued, organisation=org, provider=provider,
            person=PersonInfo(name, "female" if i % 2 else "male", 40 + i % 50,
                              idnumber.make("522731", date(1940 + i % 60, 1 + i % 12, 1 + i % 28), i % 999),
                              f"青山县青山镇东坪村{1 + i % 5}组 {i % 90 + 1} 号", f"138{i:08d}", f"东坪-{i:04d}"),
            reason=REASONS[i % len(REASONS)], needs=("健康：降压药即将用完（高）",), urgency="soon",
            consent=ConsentInfo(True, issued, "verbal_witnessed", name, "邻居"),
            worker_name="李娜", worker_phone="13900001111", expected_reply_on=issued + timedelta(days=14)))
    return out


# ---------------------------------------------------------------------------- raw baseline
def _encode(value: str) -> list:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.make()
    return code.modules


def _qr(c: Canvas, modules: list, x: float, y: float, size: float) -> None:
    box = size / (len(modules) + 8)
    path = c.beginPath()
    for r, row in enumerate(modules):
        col = 0
        for dark, run in itertools.groupby(bool(m) for m in row):
            k = len(list(run))
            if dark:
                path.rect(x + (col + 4) * box, y + size - (r + 5) * box, k * box, box)
            col += k
    c.drawPath(path, stroke=0, fill=1)


def raw_page(c: Canvas, d: ReferralLetterData, font: str) -> None:
    """The same letter drawn at fixed positions with no layout engine (text pre-wrapped)."""
    w, h = A4
    left, right = 18 * mm, w - 18 * mm
    c.setFont(font, 15)
    c.drawCentredString(w / 2, h - 22 * mm, d.organisation.name)
    c.setFont(font, 9)
    c.drawCentredString(w / 2, h - 28 * mm, f"地址：{d.organisation.address}　电话：{d.organisation.phone}")
    c.setFont(font, 20)
    c.drawCentredString(w / 2, h - 38 * mm, "转介函")
    modules = _encode(d.reference)  # encoded once, drawn twice (as the letters do)
    _qr(c, modules, right - 22 * mm, h - 40 * mm, 22 * mm)
    c.line(left, h - 44 * mm, right, h - 44 * mm)
    c.setFont(font, 10.5)
    y = h - 50 * mm
    for text in (f"编号：{d.reference}", "开具日期：2025年3月10日", "紧急程度：尽快", f"致：{d.provider.name}",
                 "兹有我站服务对象一名，经入户走访和需求评估，需要贵单位提供相关服务，特此转介。"):
        c.drawString(left, y, text)
        y -= 6 * mm
    p = d.person
    cells = [("姓名", p.name, "性别", "女"), ("年龄", f"{p.age}岁", "身份证号", idnumber.mask(p.id_number)),
             ("联系电话", p.phone, "户编号", p.household_code), ("家庭住址", p.address, "", "")]
    col_x = [left, left + 24 * mm, left + 87 * mm, left + 111 * mm]
    for row in cells:
        c.rect(left, y - 2 * mm, right - left, 7 * mm)
        for x, text in zip(col_x, row, strict=True):
            c.drawString(x + 2, y, text)
        y -= 7 * mm
    y -= 4 * mm
    text = c.beginText(left, y)
    text.setFont(font, 10.5, 16)
    reason = d.reason
    for i in range(0, len(reason), 44):
        text.textLine(reason[i:i + 44])
    for need in d.needs:
        text.textLine("· " + need)
    text.textLine(f"{p.name}已于2025年3月10日以“口头同意(有见证人)”方式同意本机构将上述个人信息提供给贵单位。")
    text.textLine(f"经办社工：{d.worker_name}　电话：{d.worker_phone}")
    text.textLine("社工签名：__________　　机构（盖章）：　　　日期：______年____月____日")
    c.drawText(text)
    c.setDash(4, 3)
    c.line(left, 110 * mm, right, 110 * mm)
    c.setDash()
    c.drawString(left, 100 * mm, f"回　执　　编号：{d.reference}")
    c.drawString(left, 93 * mm, f"致 {d.organisation.name}：")
    c.drawString(left, 86 * mm, f"贵机构转介的服务对象 {p.name}（编号 {d.reference}）已收到，处理情况如下：")
    for i, label in enumerate(("已接收", "不予接收", "已提供服务")):
        c.rect(left + i * 45 * mm, 78 * mm, 3.6 * mm, 3.6 * mm)
        c.drawString(left + i * 45 * mm + 6 * mm, 78.5 * mm, label)
    _qr(c, modules, right - 22 * mm, 82 * mm, 22 * mm)
    c.drawString(left, 70 * mm, "提供的服务 / 不予接收的原因：")
    c.line(left, 62 * mm, right, 62 * mm)
    c.line(left, 55 * mm, right, 55 * mm)
    c.drawString(left, 45 * mm, "服务机构（盖章）：　　　经办人签名：__________　日期：______年____月____日")
    c.setFont(font, 8)
    c.drawString(left, 10 * mm, f"转介函 {d.reference} · {d.organisation.name}")
    c.drawRightString(right, 10 * mm, "第 1 页 共 1 页")
    c.showPage()


def raw_one_pdf(letters, path: Path, font: str) -> None:
    c = Canvas(str(path), pagesize=A4, initialFontName=font)
    for d in letters:
        raw_page(c, d, font)
    c.save()


def raw_files(letters, folder: Path, font: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for d in letters:
        c = Canvas(str(folder / f"{d.reference}.pdf"), pagesize=A4, initialFontName=font)
        raw_page(c, d, font)
        c.save()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--out", type=Path, help="keep the PDFs here (default: a temporary folder)")
    args = parser.parse_args()
    font = register_fonts()
    letters = make_letters(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        # warm-up (font parsing, imports) so neither side pays it inside the measurement
        write_letters_pdf(out / "warm.pdf", letters[:2])
        raw_one_pdf(letters[:2], out / "warm-raw.pdf", font)

        results = {
            "raw_one_pdf": timed(lambda: raw_one_pdf(letters, out / "raw-all.pdf", font)),
            "letters_one_pdf": timed(lambda: write_letters_pdf(out / "letters-all.pdf", letters)),
            "raw_files": timed(lambda: raw_files(letters, out / "raw-files", font)),
            "letters_files": timed(lambda: write_letter_files(out / "letter-files", letters)),
        }
        sizes = {
            "raw_one_pdf": (out / "raw-all.pdf").stat().st_size,
            "letters_one_pdf": (out / "letters-all.pdf").stat().st_size,
        }
    n = args.count
    print(f"{n} referral letters (A4, CJK font embedded, two QR codes each)")
    print(f"  one PDF   : outreach {results['letters_one_pdf']:.2f} s ({n / results['letters_one_pdf']:.0f} letters/s,"
          f" {sizes['letters_one_pdf'] / 1e6:.1f} MB)  raw canvas {results['raw_one_pdf']:.2f} s"
          f" ({sizes['raw_one_pdf'] / 1e6:.1f} MB)  ratio {results['letters_one_pdf'] / results['raw_one_pdf']:.1f}x")
    print(f"  {n} files : outreach {results['letters_files']:.2f} s ({n / results['letters_files']:.0f} letters/s)"
          f"  raw canvas {results['raw_files']:.2f} s  ratio {results['letters_files'] / results['raw_files']:.1f}x")


if __name__ == "__main__":
    main()
