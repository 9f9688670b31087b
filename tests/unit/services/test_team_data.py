"""Team reference data through the services (issue 9): the team profile as a synced row, areas
(add with the next free code, rename, move, archive, statistical-code and GBK CSV import) and the
service directory (archive, suggestions), on a laptop that is its own lead."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from outreach.domain.errors import OutreachError, ValidationError
from outreach.services import areas, providers, team_data, team_profile
from outreach.services.letter_sources import organisation
from outreach.storage.store import Store
from outreach.storage.writer import CHANGE_LOG


def log_count(store, entity: str | None = None) -> int:
    stmt = select(func.count()).select_from(CHANGE_LOG)
    if entity:
        stmt = stmt.where(CHANGE_LOG.c.entity == entity)
    with store.connect() as conn:
        return conn.execute(stmt).scalar_one()


def rows(store, table: str) -> list[tuple]:
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


# ============================================================================ the team profile
def test_a_laptop_in_no_team_is_its_own_lead(store):
    assert team_data.can_edit_team_data(store)
    assert team_data.team_data_maintainer(store) == ""


def test_the_profile_is_a_synced_row_with_history_and_prints_on_letters(store):
    profile = team_profile.update_team_profile(store, org_name="青山镇社会工作服务站", org_address="青山镇人民路 18 号",
                                               org_phone="0871-6123456", reply_to="青山镇社工站 陈静 收",
                                               reply_days="10")
    assert profile.reply_days == 10 and profile.org_phone == "0871-6123456"
    team_profile.update_team_profile(store, org_phone="13800138000")
    with store.connect() as conn:
        history = conn.execute(select(CHANGE_LOG.c.field, CHANGE_LOG.c.value, CHANGE_LOG.c.worker)
                               .where(CHANGE_LOG.c.entity == "teamprofile").order_by(CHANGE_LOG.c.seq)).all()
    assert [h.field for h in history] == ["*", "org_phone"] and history[1].worker == "李娜"
    org = organisation(store, "zh_CN")
    assert (org.name, org.address, org.phone) == ("青山镇社会工作服务站", "青山镇人民路 18 号", "13800138000")


def test_team_data_history_says_who_changed_what(store):
    clinic = providers.create_provider(store, name="青山镇卫生院", category="clinic")
    providers.update_provider(store, clinic, phone="0854-1234567")
    team_profile.update_team_profile(store, org_name="青山镇社工站")
    entries = team_data.team_data_history(store)
    assert [(e.entity, e.field, e.worker) for e in entries] == [
        ("teamprofile", "*", "李娜"), ("provider", "phone", "李娜"), ("provider", "*", "李娜")]
    only = team_data.team_data_history(store, entity="provider", row_id=clinic)
    assert [e.value for e in only][0] == "0854-1234567"


@pytest.mark.parametrize("changes, field", [
    ({"org_phone": "12"}, "org_phone"),
    ({"reply_days": 0}, "reply_days"),
    ({"reply_days": "366"}, "reply_days"),
    ({"reply_days": "两周"}, "reply_days"),
    ({"org_name": "站" * 121}, "org_name"),
])
def test_bad_profile_input_is_refused_and_nothing_is_written(store, changes, field):
    team_profile.update_team_profile(store, org_name="青山镇社工站")
    before = rows(store, "teamprofile"), log_count(store)
    with pytest.raises(ValidationError) as exc:
        team_profile.update_team_profile(store, org_address="新地址", **changes)
    assert [e.field for e in exc.value.errors] == [field]
    assert exc.value.message("en") != exc.value.message("zh_CN")
    assert (rows(store, "teamprofile"), log_count(store)) == before


def test_an_old_installation_keeps_its_organisation_from_local_settings(tmp_path):
    s = Store.open(tmp_path)
    try:
        for key, value in (("org_name", "老机构"), ("org_address", "老地址"), ("org_phone", "0871-6000000")):
            s.set_setting(key, value)
        assert rows(s, "teamprofile") == []
        assert team_profile.get_team_profile(s).org_name == "老机构"      # shown before anything is saved
        assert team_profile.ensure_team_profile(s)
        assert not team_profile.ensure_team_profile(s)                    # once
        profile = team_profile.update_team_profile(s, reply_days=7)
        assert (profile.org_name, profile.org_address, profile.org_phone, profile.reply_days) == \
            ("老机构", "老地址", "0871-6000000", 7)
        s.set_setting("org_name", "改过的本地设置")                        # the row wins from now on
        assert team_profile.get_team_profile(s).org_name == "老机构"
    finally:
        s.close()


# ============================================================================ areas
@pytest.fixture
def county(store):
    areas.add_area(store, code="522731", name="青山县", level="county")
    town = areas.add_area(store, name="青山镇", level="township", parent_id="522731")
    other = areas.add_area(store, name="石门乡", level="township", parent_id="522731")
    village = areas.add_area(store, name="东坪村", level="village", parent_id=town)
    return {"town": town, "other": other, "village": village}


def test_new_areas_get_the_next_free_code_under_their_parent(store, county):
    assert (county["town"], county["other"], county["village"]) == ("522731100000", "522731101000", "522731100201")
    assert areas.add_area(store, name="石门村", level="village", parent_id=county["town"]) == "522731100202"
    assert areas.add_area(store, name="一组", level="group", parent_id=county["village"]) == "522731100201001"
    assert areas.add_area(store, name="河口村", level="village", parent_id=county["town"], code="522731100299") \
        == "522731100299"


def test_rename_move_and_archive(store, county):
    areas.rename_area(store, county["village"], "东坪新村")
    areas.move_area(store, county["village"], county["other"])
    village = areas.get_area(store, county["village"])
    assert (village.name, village.parent_id) == ("东坪新村", county["other"])
    assert areas.villages_under(store, county["other"]) == [county["village"]]
    areas.archive_area(store, county["village"])
    assert county["village"] not in {a.id for a in areas.all_areas(store)}
    assert areas.get_area(store, county["village"]).archived
    assert county["village"] in {a.id for a in areas.all_areas(store, include_archived=True)}
    areas.archive_area(store, county["village"], archived=False)
    assert county["village"] in {a.id for a in areas.all_areas(store)}


def test_moves_into_a_cycle_or_under_a_lower_level_and_bad_archives_are_refused(store, county):
    group = areas.add_area(store, name="一组", level="group", parent_id=county["village"])
    shimen = areas.add_area(store, name="石门村", level="village", parent_id=county["other"])
    before = rows(store, "area"), log_count(store)
    for area, parent, key in ((county["town"], county["village"], "teamdata.error.area_cycle"),
                              (county["town"], county["town"], "teamdata.error.area_cycle"),
                              (county["village"], group, "teamdata.error.area_cycle"),
                              (county["village"], shimen, "teamdata.error.area_level"),
                              (county["town"], county["other"], "teamdata.error.area_level"),
                              (county["village"], "999", "error.area.unknown_parent")):
        with pytest.raises(ValidationError) as exc:
            areas.move_area(store, area, parent)
        assert exc.value.errors[0].key == key, (area, parent)
    with pytest.raises(ValidationError) as exc:
        areas.add_area(store, name="错村", level="village", parent_id=group)
    assert exc.value.errors[0].key == "teamdata.error.area_level"
    with pytest.raises(OutreachError) as exc:
        areas.archive_area(store, county["town"])
    assert exc.value.key == "teamdata.error.area_has_children" and "东坪村" in exc.value.message()
    with pytest.raises(ValidationError):
        areas.rename_area(store, county["village"], "  ")
    assert (rows(store, "area"), log_count(store)) == before


STAT_CSV = """统计用区划代码,城乡分类代码,名称
522700000000,,黔南布依族苗族自治州
522731000000,,青山县
522731100000,,青山镇
522731100201,220,东坪村
522731100202,220,石门村
522731101000,,石门乡
522731101203,210,河口村
"""


def test_national_statistical_codes_import_with_levels_and_parents_from_the_code(store, tmp_path):
    path = tmp_path / "统计用区划代码.csv"
    path.write_text(STAT_CSV, encoding="utf-8")
    assert areas.import_areas_csv(store, path) == 7
    by_id = {a.id: a for a in areas.all_areas(store)}
    assert (by_id["522700"].level, by_id["522700"].parent_id) == ("city", None)     # its province is not in the file
    assert (by_id["522731"].level, by_id["522731"].parent_id) == ("county", "522700")
    assert (by_id["522731100000"].level, by_id["522731100000"].parent_id) == ("township", "522731")
    assert (by_id["522731101203"].level, by_id["522731101203"].parent_id) == ("village", "522731101000")
    assert [a.name for a in areas.area_path(store, "522731100201")] == ["黔南布依族苗族自治州", "青山县", "青山镇", "东坪村"]


def test_a_cancelled_import_leaves_nothing(store, tmp_path):
    path = tmp_path / "county.csv"
    lines = ["统计用区划代码,名称", "522731000000,青山县"]
    for t in range(100, 140):
        lines.append(f"522731{t}000,第{t}乡")
        lines.extend(f"522731{t}{v},第{t}乡{v}村" for v in range(201, 301))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = []

    def cancel_midway(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2000:
            raise OutreachError("ui.job.cancelled")

    with pytest.raises(OutreachError):
        areas.import_areas_csv(store, path, progress=cancel_midway)
    assert seen == [(0, 4041), (2000, 4041)]
    assert rows(store, "area") == [] and log_count(store) == 0
    assert areas.import_areas_csv(store, path, progress=lambda done, total: seen.append((done, total))) == 4041
    assert seen[-1] == (4041, 4041)


def test_statistical_codes_without_a_header_in_gbk_from_excel(store, tmp_path):
    path = tmp_path / "villages.csv"
    lines = ["522731000000,青山县", "522731100000,青山镇", "522731100201,220,东坪村"]
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    assert areas.import_areas_csv(store, path) == 3
    assert areas.get_area(store, "522731100201").name == "东坪村"


def test_a_simple_area_list_saved_as_gbk_by_excel_opens(store, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes("区划代码,名称,级别,上级代码\r\n522731,青山县,县,\r\n522731100,青山镇,乡镇,522731\r\n"
                     "522731100200,东坪村,村,522731100\r\n".encode("gb18030"))
    assert areas.import_areas_csv(store, path) == 3
    assert areas.villages_under(store, "522731") == ["522731100200"]


@pytest.mark.parametrize("content, line, words", [
    ("统计用区划代码,名称\n522731000000,青山县\n52273110000,青山镇\n", 3, "12"),                 # 11 digits
    ("统计用区划代码,名称\n522731000000,青山县\n522731100000," + "镇" * 300 + "\n", 3, "200"),  # oversized cell
    ("code,name,level,parent_code\n522731,青山县,county,\n" + "9" * 3000 + "\n", 3, "2000"),    # oversized line
    ("统计用区划代码,名称\n522731100201,东坪村\n", 2, "522731100000"),                        # no township
])
def test_bad_rows_are_refused_with_their_line_number_and_nothing_is_imported(store, tmp_path, content, line, words):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OutreachError) as exc:
        areas.import_areas_csv(store, path)
    assert exc.value.key == "error.csv.row" and exc.value.params["line"] == line
    assert words in exc.value.message("en")
    assert rows(store, "area") == [] and log_count(store) == 0


def test_a_file_in_neither_utf8_nor_gbk_is_refused_in_the_users_language(store, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(b"\xff\xfe\x00\x00" + "区划代码".encode("utf-16-le") + b"\x80\xff")
    with pytest.raises(OutreachError) as exc:
        areas.import_areas_csv(store, path)
    assert exc.value.key == "teamdata.error.encoding" and "GBK" in exc.value.message("en")


# ============================================================================ providers
def test_archive_and_suggestions_on_the_leads_laptop(store):
    clinic = providers.create_provider(store, name="青山镇卫生院", category="clinic")
    providers.archive_provider(store, clinic)
    assert providers.list_providers(store) == []
    assert providers.get_provider(store, clinic).archived
    providers.archive_provider(store, clinic, archived=False)
    a = providers.suggest_provider(store, name="老年协会", category="ngo", phone="13900001111")
    b = providers.suggest_provider(store, name="重复的卫生院", category="clinic")
    assert [s.name for s in providers.list_provider_suggestions(store)] == ["老年协会", "重复的卫生院"]
    provider_id = providers.accept_provider_suggestion(store, a)
    providers.dismiss_provider_suggestion(store, b)
    assert providers.list_provider_suggestions(store) == []
    assert {s.status for s in providers.list_provider_suggestions(store, include_decided=True)} == {"accepted", "dismissed"}
    assert providers.get_provider(store, provider_id).phone == "13900001111"
    with pytest.raises(ValidationError):
        providers.suggest_provider(store, name="", category="clinic")
