"""CSV and XLSX exports of the hand-built team: read back, counted, redacted, never half-written."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from outreach.domain import idnumber
from outreach.domain.enums import AgeGroup
from outreach.domain.errors import OutreachError
from outreach.reports import exports
from outreach.reports.exports import ENTITIES, ExportOptions, write_csv, write_xlsx
from outreach.storage.tables import Household, Person

from .dataset import NAMES, V2

TODAY = date(2024, 6, 15)
# households: all but archived h3; people: all but p6 (merged into p5) and p10 (archived);
# visits (v1–v13, there is no v6): all but v9 (archived household) and v10 (archived); referrals: all but archived r7.
EXPECTED = {"households": 8, "people": 10, "visits": 10, "assessments": 3, "referrals": 7}


def written(folder):
    """What a test wrote into ``folder`` (on PostgreSQL the store fixture keeps its laptop settings
    in ``store/`` there)."""
    return [p for p in folder.iterdir() if p.name != "store"]


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel and WPS open it right"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_folder_one_file_per_entity(store, team, tmp_path):
    out = tmp_path / "export"
    counts = write_csv(store, out, ExportOptions(today=TODAY))
    assert counts == EXPECTED
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{e}.csv" for e in ENTITIES)
    for entity, n in EXPECTED.items():
        assert len(read_csv(out / f"{entity}.csv")) == n + 1
    visits = read_csv(out / "visits.csv")
    assert visits[0][:5] == ["户编号", "村", "走访日期", "走访类型", "走访结果"]
    nobody = [r for r in visits if r[4] == "未遇"]
    assert len(nobody) == 2 and {r[0] for r in nobody} == {"东坪-0001", "石门-0002"}
    met = next(r for r in visits if r[2] == "2024-05-20")
    assert met[5] == "王秀英"                                  # people met, by name
    formula = next(r for r in visits if r[2] == "2024-05-07")
    assert formula[-1].startswith("'=HYPERLINK"), "a note must not become a spreadsheet formula"
    people = read_csv(out / "people.csv")
    header = people[0]
    wang = next(r for r in people if r[header.index("姓名")] == "王秀英")
    assert wang[header.index("独居老人")] == "是" and wang[header.index("年龄组")] == AgeGroup.OLDEST_OLD.label("zh_CN")
    assert wang[header.index("身份证号")].startswith("522301194203")   # full, not redacted


def test_archived_and_merged_only_when_asked(store, team, tmp_path):
    counts = write_csv(store, tmp_path / "a", ExportOptions(include_archived=True, include_merged=True))
    assert counts == {"households": 9, "people": 12, "visits": 12, "assessments": 3, "referrals": 8}
    rows = read_csv(tmp_path / "a" / "people.csv")
    assert rows[0][-1] == "已归档" and rows[0][-2] == "已合并到"
    merged = next(r for r in rows if r[2] == "張建國")
    assert merged[-2] == "张建国"


def test_area_filter(store, team, tmp_path):
    counts = write_csv(store, tmp_path / "v2", ExportOptions(area_id=V2))
    # 石门村: h4 h5 h6 h8 h9; their people p5 p7 p8 p9 p12; visits v5 v7 v8 v12 v13; a3; r3 r6 r8.
    assert counts == {"households": 5, "people": 5, "visits": 5, "assessments": 1, "referrals": 3}


def test_xlsx_sheets_match_csv_counts_and_translate(store, team, tmp_path):
    path = tmp_path / "team.xlsx"
    counts = write_xlsx(store, path, ExportOptions(lang="en", today=TODAY))
    assert counts == EXPECTED
    wb = load_workbook(path)
    assert wb.sheetnames == ["Households", "People", "Visits", "Assessments", "Referrals"]
    for entity, sheet in zip(ENTITIES, wb.worksheets, strict=True):
        assert sheet.max_row == EXPECTED[entity] + 1
    visits = wb["Visits"]
    header = [c.value for c in visits[1]]
    assert header[:5] == ["Household", "Village", "Visit date", "Visit type", "Outcome"]
    outcomes = [row[4] for row in visits.iter_rows(min_row=2, values_only=True)]
    assert outcomes.count("Nobody home") == 2
    dates = [row[2] for row in visits.iter_rows(min_row=2, values_only=True)]
    assert all(hasattr(d, "year") for d in dates), "dates are real date cells"
    note = next(row for row in visits.iter_rows(min_row=2) if str(row[-1].value).startswith("=HYPERLINK"))[-1]
    assert note.data_type == "s", "a note starting with = stays text"


def test_redacted_exports_leak_no_name_id_or_phone(store, team, tmp_path):
    with store.connect() as conn:
        people = conn.execute(Person.__table__.select()).all()
        homes = conn.execute(Household.__table__.select()).all()
    secrets = set(NAMES) | {p.id_number for p in people if p.id_number}
    secrets |= {p.phone for p in people if p.phone} | {h.phone for h in homes if h.phone}
    assert len(secrets) > 15
    write_csv(store, tmp_path / "csv", ExportOptions(redact=True, include_archived=True, include_merged=True))
    write_xlsx(store, tmp_path / "team.xlsx", ExportOptions(redact=True, include_archived=True, include_merged=True))
    texts = {p.name: p.read_bytes().decode("utf-8-sig") for p in (tmp_path / "csv").iterdir()}
    with zipfile.ZipFile(tmp_path / "team.xlsx") as z:   # the XML inside, not the compressed bytes
        texts |= {name: z.read(name).decode("utf-8") for name in z.namelist()}
    for name, text in texts.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{name} leaks {leaked}"
    everything = "".join(texts.values())
    # what is left is still useful: masked forms, not blanks
    wang_id = next(p.id_number for p in people if p.name == "王秀英")
    assert "王**" in everything and "138****1234" in everything and idnumber.mask(wang_id) in everything
    assert "血压药" not in everything, "free-text notes are left out"


def test_failure_leaves_no_partial_file(store, team, tmp_path, monkeypatch):
    def broken(ctx):
        def rows():
            yield ["x"]
            raise RuntimeError("disk pulled out")
        return exports.Sheet("visits", ["household"], rows())

    monkeypatch.setattr(exports, "_visits", broken)
    with pytest.raises(RuntimeError):
        write_csv(store, tmp_path / "csv", ExportOptions())
    with pytest.raises(RuntimeError):
        write_xlsx(store, tmp_path / "team.xlsx", ExportOptions())
    assert written(tmp_path) == [], "no partial file and no temporary left behind"


def test_unwritable_targets_are_one_clear_error(store, team, tmp_path):
    with pytest.raises(OutreachError) as err:
        write_xlsx(store, tmp_path / "missing" / "team.xlsx", ExportOptions())
    assert err.value.key == "error.file.unwritable"
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(OutreachError) as err:
        write_csv(store, tmp_path / "file.txt", ExportOptions())
    assert err.value.key == "error.file.not_a_folder"
    with pytest.raises(OutreachError) as err:
        write_xlsx(store, tmp_path, ExportOptions())
    assert err.value.key == "error.file.is_directory"


def test_existing_folder_gets_fresh_files(store, team, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "visits.csv").write_text("old")
    (out / "readme.txt").write_text("keep me")
    write_csv(store, out, ExportOptions())
    assert (out / "readme.txt").read_text() == "keep me"
    assert len(read_csv(out / "visits.csv")) == EXPECTED["visits"] + 1
    assert [p.name for p in written(tmp_path)] == ["out"]


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice is not installed (Debian/Ubuntu package libreoffice-calc-nogui)")
def test_libreoffice_opens_the_workbook(store, team, tmp_path):
    path = tmp_path / "team.xlsx"
    write_xlsx(store, path, ExportOptions())
    # A profile of its own: a LibreOffice already running for the same user (or a stale lock in
    # ~/.config) would otherwise swallow the conversion and exit 0 with no file written.
    profile = f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}"
    subprocess.run(["soffice", profile, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
                   check=True, timeout=120, capture_output=True)
    with (tmp_path / "team.csv").open(encoding="utf-8", errors="replace") as fh:
        assert len(list(csv.reader(fh))) == EXPECTED["households"] + 1   # the first sheet


def test_xlsx_writer_drops_characters_xml_cannot_hold_and_keeps_line_breaks(tmp_path):
    """A note pasted from another program can hold control characters; the workbook must still open
    (the writer drops them itself since issue 14: one translate per text cell)."""
    import io

    from outreach.reports.xlsx_stream import XlsxStream

    buffer = io.BytesIO()
    with XlsxStream(buffer) as book:
        sheet = book.sheet("走访\x07", [10, 10, 10])
        sheet.header(["备注\x0b", "日期", "数"])
        sheet.row(["响铃\x07换页\x0c<b>&\x1f", date(2024, 5, 20), None])
        sheet.row(["第一行\n第二行\t缩进", None, 3])
    path = tmp_path / "c.xlsx"
    path.write_bytes(buffer.getvalue())
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert wb.sheetnames == ["走访"]
    assert [c.value for c in ws[1]] == ["备注", "日期", "数"]
    assert ws["A2"].value == "响铃换页<b>&" and ws["B2"].value.date() == date(2024, 5, 20)
    assert ws["A3"].value == "第一行\n第二行\t缩进" and ws["C3"].value == 3
