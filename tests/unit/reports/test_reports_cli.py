"""`outreach report` and `outreach export`: the exact command lines of the issue, and their errors."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from outreach.cli.main import main

from .dataset import T


def run(data_dir, *args) -> int:
    return main(["--data-dir", str(data_dir), *args])


def test_report_command(data_dir, tmp_path, capsys):
    out = tmp_path / "may.pdf"
    assert run(data_dir, "report", "--month", "2024-05", "--area", T, "-o", str(out)) == 0
    assert out.read_bytes().startswith(b"%PDF") and "石门镇" in capsys.readouterr().out
    en = tmp_path / "may-en.pdf"
    assert run(data_dir, "report", "--month", "2024-05", "--lang", "en", "-o", str(en)) == 0
    assert "Wrote the report" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "words"), [
    (["report", "--month", "2024-13"], "2024-13"),
    (["report", "--month", "May"], "YYYY-MM"),
    (["report", "--month", "2024-05", "--area", "000000"], "000000"),
])
def test_report_errors_are_one_line_and_leave_nothing(data_dir, tmp_path, capsys, args, words):
    out = tmp_path / "out" / "x.pdf"
    out.parent.mkdir()
    assert run(data_dir, *args, "-o", str(out)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert list(out.parent.iterdir()) == []


def test_unwritable_path(data_dir, tmp_path, capsys):
    assert run(data_dir, "report", "--month", "2024-05", "-o", str(tmp_path / "nowhere" / "x.pdf")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nowhere" in err
    assert run(data_dir, "export", "--format", "xlsx", "-o", str(tmp_path / "nowhere" / "x.xlsx")) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_export_commands(data_dir, tmp_path, capsys):
    folder = tmp_path / "csv"
    assert run(data_dir, "export", "--format", "csv", "-o", str(folder)) == 0
    with (folder / "households.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + 8
    assert "户 8" in capsys.readouterr().out
    book = tmp_path / "county.xlsx"
    assert run(data_dir, "export", "--format", "xlsx", "--redact", "-o", str(book)) == 0
    assert "已脱敏" in capsys.readouterr().out
    people = load_workbook(book)["人员"]
    names = [row[2] for row in people.iter_rows(min_row=2, values_only=True)]
    assert "王**" in names and "王秀英" not in names


def test_export_rejects_unknown_format(data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run(data_dir, "export", "--format", "pdf", "-o", str(tmp_path / "x"))
    assert exc.value.code == 2
