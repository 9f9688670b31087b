"""What the exports hold, cell by cell (issue 14 rewrote how rows are read and written): the XLSX
opened with openpyxl has Chinese text as text, dates as date cells and numbers as numbers; the CSV and
the XLSX of the same options say the same thing; a full disk is one translated line and no file."""

from __future__ import annotations

import csv
import errno
import os
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from outreach import safefiles
from outreach.cli.main import main
from outreach.domain import idnumber
from outreach.i18n import tr
from outreach.reports import exports
from outreach.reports import redaction as rd
from outreach.reports.exports import ENTITIES, ExportOptions, write_csv, write_xlsx

TODAY = date(2024, 6, 15)


def rows_of(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def column(rows: list[list], key: str, lang: str = "zh_CN") -> int:
    return rows[0].index(tr(f"reports.col.{key}", lang))


def test_xlsx_cells_are_typed_chinese_text_dates_and_numbers(store, team, tmp_path):
    path = tmp_path / "队.xlsx"
    write_xlsx(store, path, ExportOptions(lang="zh_CN", today=TODAY))
    wb = load_workbook(path)
    assert wb.sheetnames == [tr(f"reports.sheet.{e}", "zh_CN") for e in ENTITIES]
    people = wb.worksheets[1]
    header = [c.value for c in people[1]]
    wang = next(r for r in people.iter_rows(min_row=2) if r[header.index("姓名")].value == "王秀英")
    name = wang[header.index("姓名")]
    assert name.data_type == "s"
    born = wang[column([header], "birth_date")]
    assert born.is_date and born.value.date() == date(1942, 3, 1), "a birth date is a date cell"
    age = wang[column([header], "age")]
    assert age.data_type == "n" and age.value == 82, "an age is a number, not text"
    assert wang[column([header], "id_number")].value.startswith("522301194203")   # text: all 18 characters

    households = rows_of(wb.worksheets[0])
    first = next(r for r in households if r[0] == "东坪-0001")
    assert first[column(households, "village")] == "东坪村"
    members = first[column(households, "members")]
    assert type(members) is int and members == 2   # 王秀英 and 李建华
    registered = first[column(households, "registered_on")]
    assert isinstance(registered, datetime) and registered.date() == date(2024, 1, 10)

    visits = rows_of(wb.worksheets[2])
    met = next(r for r in visits[1:] if r[column(visits, "visit_date")] == datetime(2024, 5, 20))
    assert met[column(visits, "people_met")] == "王秀英"


def test_redacted_xlsx_keeps_the_birth_year_as_a_number(store, team, tmp_path):
    path = tmp_path / "red.xlsx"
    write_xlsx(store, path, ExportOptions(lang="zh_CN", today=TODAY, redact=True))
    people = rows_of(load_workbook(path).worksheets[1])
    wang = next(r for r in people if r[column(people, "name")] == "王**")
    assert wang[column(people, "birth_date")] == 1942
    assert wang[column(people, "id_number")] == idnumber.mask(idnumber.make("522301", date(1942, 3, 1), 122))
    assert wang[column(people, "phone")] == "138****1234"
    with pytest.raises(ValueError):
        column(people, "notes")   # free text is left out of a redacted export


def _as_csv(value) -> str:
    """How a cell read back from the XLSX is written in the CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


@pytest.mark.parametrize(("lang", "redact"), [("zh_CN", False), ("en", True), ("en", False)])
def test_csv_and_xlsx_say_the_same(store, team, tmp_path, lang, redact):
    options = ExportOptions(lang=lang, today=TODAY, redact=redact, include_archived=True, include_merged=True)
    write_csv(store, tmp_path / "csv", options)
    write_xlsx(store, tmp_path / "team.xlsx", options)
    wb = load_workbook(tmp_path / "team.xlsx")
    quoted = 0
    for entity, sheet in zip(ENTITIES, wb.worksheets, strict=True):
        with (tmp_path / "csv" / f"{entity}.csv").open(encoding="utf-8-sig", newline="") as fh:
            from_csv = list(csv.reader(fh))
        from_xlsx = [[_as_csv(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert len(from_csv) == len(from_xlsx) > 1
        for a, b in zip(from_csv, from_xlsx, strict=True):
            b = b + [""] * (len(a) - len(b))   # a row's empty last cells are not written in XLSX
            for x, y in zip(a, b, strict=True):
                if x != y:   # only a formula-like text differs: the CSV quotes it, the XLSX keeps it as text
                    assert x == "'" + y and y.startswith("="), (entity, x, y)
                    quoted += 1
    assert quoted == (0 if redact else 1), "the =HYPERLINK note is quoted in CSV (left out when redacted)"


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(("fmt", "where"), [("csv", exports), ("xlsx", safefiles)])
def test_a_full_disk_is_one_translated_line_and_no_file(data_dir, tmp_path, monkeypatch, capsys, fmt, where):
    # the disk fills while the finished files are flushed: for CSV in the export's own background
    # flush (its error must come back from the thread), for XLSX in the safe-file step
    monkeypatch.setattr(where, "_fsync", _disk_full)
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("team" if fmt == "csv" else "team.xlsx")
    code = main(["--data-dir", str(data_dir), "--lang", "en", "export", "--format", fmt, "-o", str(target)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and tr("error.file.reason.disk_full", "en") in err
    assert "Traceback" not in err
    assert list(out.iterdir()) == [], "no half-written file and no temporary left behind"


@pytest.mark.parametrize("number", ["52230119420301122x", "52230119420301122X", "5223 0119 4203 0112 2X",
                                    "５２２３０１１９４２０３０１１２２ｘ", "522301-194203-01122X", "12345", "", None,
                                    "=HYPERLINK(1)", "abcdefghijk"])
def test_the_id_mask_fast_path_says_what_the_domain_mask_says(number):
    assert rd.mask_id(number) == idnumber.mask(number)


@pytest.mark.parametrize(("phone", "shown"), [
    ("13812341234", "138****1234"), ("138-1234-1234", "138****1234"), ("+86 138 1234 1234", "861******1234"),
    ("１３８１２３４１２３４", "１３８****１２３４"), ("12345", "*****"), ("", ""), (None, ""), ("电话", ""),
    ("(0851) 1234.5678", "085*****5678")])
def test_phone_masks(phone, shown):
    assert rd.mask_phone(phone) == shown
