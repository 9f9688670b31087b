"""The letter commands as a worker types them: one clear line and a non-zero exit on every mistake,
and never a half-written file."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date

import pytest

from outreach.cli.main import main
from outreach.storage.store import Store
from tests.unit.letters.conftest import FULL_ID
from tests.unit.letters.pdftools import all_text, page_texts


@pytest.fixture
def data_dir(tmp_path, seeded, store):
    """The seeded rows, copied into an on-disk store the CLI opens."""
    folder = tmp_path / "data"
    folder.mkdir()
    with store.engine.connect() as src:   # a plain copy, encrypted when first opened (issue 13)
        dst = sqlite3.connect(folder / "outreach.sqlite3")
        src.connection.driver_connection.backup(dst)
        dst.close()
    Store.open(folder).close()
    return folder


def run(data_dir, *args) -> int:
    return main(["--data-dir", str(data_dir), *args])


def test_letter_command_writes_the_pdf(data_dir, tmp_path, capsys):
    out = tmp_path / "王秀英.pdf"
    assert run(data_dir, "letter", "ZJ-TEST-000001", "-o", str(out)) == 0
    assert "ZJ-TEST-000001" in capsys.readouterr().out
    text = all_text(out)
    assert "转介函" in text and "522731********0026" in text and FULL_ID not in text
    en = tmp_path / "en.pdf"
    assert run(data_dir, "letter", "ZJ-TEST-000001", "-o", str(en), "--lang", "en") == 0
    assert "Referral Letter" in " ".join(page_texts(en))


def test_letters_of_a_day_into_one_pdf(data_dir, tmp_path, capsys):
    out = tmp_path / "day.pdf"
    assert run(data_dir, "letters", "--date", "2025-03-10", "-o", str(out)) == 0
    texts = page_texts(out)
    assert len(texts) == 2 and "ZJ-TEST-000001" in texts[0] and "ZJ-TEST-000002" in texts[1]
    assert "2" in capsys.readouterr().out


def test_register_command(data_dir, tmp_path):
    out = tmp_path / "reg.pdf"
    assert run(data_dir, "register", "--village", "522731100200", "--month", "2025-03", "-o", str(out)) == 0
    text = all_text(out)
    assert "东坪村入户走访台账" in text and "本月共走访2次" in text
    form = tmp_path / "form.pdf"
    assert run(data_dir, "visit-form", "-o", str(form)) == 0
    assert "入户走访记录表" in all_text(form)


@pytest.mark.parametrize(("args", "message"), [
    (["letter", "ZJ-NOPE-000009"], "找不到转介单 ZJ-NOPE-000009"),
    (["letter", "ZJ-TEST-000003"], "尚未开具"),
    (["letters", "--date", "2025-02-30"], "日期格式不对：2025-02-30"),
    (["letters", "--date", "2025-03-11"], "2025-03-11 没有开具的转介"),
    (["register", "--village", "522731100200", "--month", "2025-3-1"], "月份格式不对"),
    (["register", "--village", "无此村", "--month", "2025-03"], "找不到村（社区）：无此村"),
])
def test_user_errors_are_one_line_and_write_nothing(data_dir, tmp_path, capsys, args, message):
    out = tmp_path / "out" / "x.pdf"
    out.parent.mkdir()
    assert run(data_dir, *args, "-o", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and "Traceback" not in err
    assert list(out.parent.iterdir()) == []


def test_unwritable_path_is_one_clear_line(data_dir, tmp_path, capsys):
    assert run(data_dir, "letter", "ZJ-TEST-000001", "-o", str(tmp_path / "missing" / "x.pdf")) == 2
    err = capsys.readouterr().err.strip()
    assert "无法写入文件" in err and "文件夹不存在" in err and err.count("\n") == 0
    assert run(data_dir, "letter", "ZJ-TEST-000001", "-o", str(tmp_path)) == 2
    assert "是一个文件夹" in capsys.readouterr().err
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert run(data_dir, "letter", "ZJ-TEST-000001", "-o", str(locked / "x.pdf")) == 2
        assert "没有写入权限" in capsys.readouterr().err


def test_a_failed_run_keeps_the_previous_file(data_dir, tmp_path):
    out = tmp_path / "keep.pdf"
    out.write_bytes(b"%PDF-previous")
    assert run(data_dir, "letter", "ZJ-TEST-000004", "-o", str(out)) == 2  # cancelled: refused
    assert out.read_bytes() == b"%PDF-previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_providers_export_import_and_list(data_dir, tmp_path, capsys):
    csv_path = tmp_path / "providers.csv"
    assert run(data_dir, "providers", "export", str(csv_path)) == 0
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert run(data_dir, "providers", "import", str(csv_path)) == 0
    assert "未变 1" in capsys.readouterr().out
    assert run(data_dir, "providers", "list", "--json") == 0
    assert [p["name"] for p in json.loads(capsys.readouterr().out)] == ["青山镇卫生院"]
    bad = tmp_path / "bad.csv"
    bad.write_text("机构名称,类别\n卫生院,not-a-category\n", encoding="utf-8")
    assert run(data_dir, "providers", "import", str(bad)) == 2
    assert "bad.csv 第 2 行有误" in capsys.readouterr().err


def test_referrals_list_json_and_overdue(data_dir, capsys):
    assert run(data_dir, "referrals", "list", "--json") == 0
    items = json.loads(capsys.readouterr().out)
    by_ref = {i["reference"]: i for i in items}
    first = by_ref["ZJ-TEST-000001"]
    assert {k: first[k] for k in ("status", "provider", "person", "overdue", "issued_on", "expected_reply_on")} == {
        "status": "issued", "provider": "青山镇卫生院", "person": "王秀英",
        "overdue": date.today() > date(2025, 3, 24), "issued_on": "2025-03-10", "expected_reply_on": "2025-03-24"}
    assert by_ref["ZJ-TEST-000003"]["overdue"] is False  # drafts are never overdue
    assert run(data_dir, "referrals", "list", "--status", "draft", "--json") == 0
    assert [i["reference"] for i in json.loads(capsys.readouterr().out)] == ["ZJ-TEST-000003"]
    assert run(data_dir, "referrals", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("ZJ-TEST-000001" in line and "逾期" in line for line in lines)


def test_recording_a_reply_slip_by_reference(data_dir, capsys):
    assert run(data_dir, "referrals", "reply", "zj-test-000001", "--result", "served", "--date", "2025-03-13",
               "--services", "上门评估，开具降压药") == 0
    assert "ZJ-TEST-000001" in capsys.readouterr().out
    assert run(data_dir, "referrals", "list", "--status", "served", "--json") == 0
    assert [i["reference"] for i in json.loads(capsys.readouterr().out)] == ["ZJ-TEST-000001"]
    assert run(data_dir, "referrals", "reply", "ZJ-TEST-000003", "--result", "accepted") == 2
    assert "尚未开具" in capsys.readouterr().err
