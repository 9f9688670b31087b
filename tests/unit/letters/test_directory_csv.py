"""The service directory as a spreadsheet people open in Excel and send back."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from outreach.domain.errors import OutreachError
from outreach.services.directory_csv import export_providers_csv, import_providers_csv
from outreach.services.providers import create_provider, list_providers
from outreach.storage.tables import ChangeLog, Provider

BOM = b"\xef\xbb\xbf"


def _seed(store):
    create_provider(store, name="青山镇卫生院", category="clinic", services="门诊、慢病随访、上门巡诊",
                    contact_person="张医生", phone="0871-6120120", address="青山镇卫生路 3 号",
                    areas_served="522731100200,522731100201", hours="周一至周六 8:00-17:30",
                    notes="高血压药品可代配\n周日急诊")
    create_provider(store, name="县妇女联合会", category="womens_federation", phone="+86 871 6123000")
    create_provider(store, name="=HYPERLINK(\"x\")慈善会", category="charity")


def _count(store) -> int:
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(Provider.__table__)).scalar_one()


def test_export_is_excel_friendly_and_round_trips_into_an_empty_store(store, tmp_path):
    from outreach.storage.store import Store

    _seed(store)
    path = tmp_path / "资源库.csv"
    assert export_providers_csv(store, path) == 3
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert b"\r\n" in raw
    rows = list(csv.reader(raw[len(BOM):].decode("utf-8").splitlines(keepends=True)))
    assert rows[0][:3] == ["编号(勿改)", "机构名称", "类别"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["青山镇卫生院"][2] == "卫生院/医院"  # labels, not codes
    assert by_name["县妇女联合会"][5] == "+86 871 6123000"  # phone numbers are left alone
    assert "'=HYPERLINK(\"x\")慈善会" in by_name  # a formula is defused for Excel

    other = Store.in_memory()
    try:
        result = import_providers_csv(other, path)
        assert (result.added, result.updated, result.unchanged) == (3, 0, 0)
        before = {p.id: p for p in list_providers(store)}
        after = {p.id: p for p in list_providers(other)}
        assert before == after  # same ids, every field intact (Chinese, commas, line breaks)
        again = import_providers_csv(other, path)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    finally:
        other.close()


def test_edited_rows_update_and_new_rows_add(store, tmp_path):
    _seed(store)
    path = tmp_path / "p.csv"
    export_providers_csv(store, path, lang="en")
    text = path.read_text(encoding="utf-8-sig")
    assert text.startswith("ID (do not edit),Name,Category")
    text = text.replace("0871-6120120", "0871-6120999")
    text += ",青山镇司法所,Justice office / legal aid,法律咨询,,,,,,\r\n"
    path.write_text(text, encoding="utf-8-sig", newline="")
    result = import_providers_csv(store, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 2)
    providers = {p.name: p for p in list_providers(store)}
    assert providers["青山镇卫生院"].phone == "0871-6120999"
    assert providers["青山镇司法所"].category == "legal_aid"


def test_a_file_saved_by_excel_in_gbk_with_semicolons_imports(store, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("机构名称;类别;电话\r\n石门村委会;村委会/居委会;0871-6000001\r\n".encode("gb18030"))
    assert import_providers_csv(store, path).added == 1
    [p] = list_providers(store)
    assert (p.name, p.category, p.phone) == ("石门村委会", "village_committee", "0871-6000001")


def test_rows_without_id_match_existing_providers_by_name(store, tmp_path):
    _seed(store)
    path = tmp_path / "names.csv"
    path.write_text("name,category,hours\n青山镇卫生院,clinic,全天\n", encoding="utf-8")
    result = import_providers_csv(store, path)
    assert (result.added, result.updated) == (0, 1)
    assert _count(store) == 3


@pytest.mark.parametrize(("content", "line", "fragment"), [
    ("机构名称,类别\n卫生院,clinic\n,clinic\n", 3, "机构名称"),
    ("机构名称,类别\n卫生院,clinic\n残联,bakery\n", 3, "bakery"),
    ("机构名称,类别\n卫生院,clinic\n\n卫生院,clinic\n", 4, "第 2 行"),
    ("机构名称,类别\n卫生院,clinic,多余,多余\n", 2, "2"),
])
def test_a_bad_row_names_its_line_and_nothing_is_imported(store, tmp_path, content, line, fragment):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8-sig")
    with store.connect() as conn:
        log_before = conn.execute(select(func.count()).select_from(ChangeLog.__table__)).scalar_one()
    with pytest.raises(OutreachError) as err:
        import_providers_csv(store, path)
    message = err.value.message()
    assert f"第 {line} 行" in message and "bad.csv" in message and fragment in message
    assert "未导入任何数据" in message
    assert _count(store) == 0
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ChangeLog.__table__)).scalar_one() == log_before


def test_missing_columns_and_unreadable_files(store, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("电话,地址\n1,2\n", encoding="utf-8")
    with pytest.raises(OutreachError) as err:
        import_providers_csv(store, path)
    assert err.value.key == "letters.csv.missing_columns" and "机构名称" in err.value.message()
    with pytest.raises(OutreachError) as err:
        import_providers_csv(store, tmp_path / "absent.csv")
    assert err.value.key == "letters.csv.unreadable"
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(OutreachError):
        import_providers_csv(store, empty)


def test_export_to_an_unwritable_place_leaves_nothing(store, tmp_path):
    _seed(store)
    with pytest.raises(OutreachError) as err:
        export_providers_csv(store, tmp_path / "no" / "such" / "dir.csv")
    assert err.value.key == "error.file.unwritable"
    assert list(tmp_path.iterdir()) == []
