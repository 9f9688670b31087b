import json

import pytest

from outreach.domain.errors import OutreachError
from outreach.services import areas, demo, households, people, search, stats


def test_search_by_name_pinyin_initials_id_phone_and_code(store, family):
    hid = family["household"]
    people.add_person(store, household_id=hid, name="张三", id_number="11010519491231002X", phone="13655556666")
    code = households.get_household(store, hid).row.code
    names = lambda q: sorted(h.name for h in search.search_people(store, q))  # noqa: E731
    assert names("zs") == ["张三"]
    assert names("zhangsan") == ["张三"]
    assert names("ZhangS") == ["张三"]
    assert names("秀英") == ["王秀英"]
    assert names("110105194912") == ["张三"]
    assert names("5556666") == ["张三"]
    assert set(names(code)) == {"王秀英", "李国强", "张三"}
    hit = search.search_people(store, "zs")[0]
    assert hit.masked_id == "110105********002X" and hit.household_code == code
    assert "11010519491231002X" not in json.dumps(hit.as_json())


def test_traditional_characters_find_simplified_names(store, family):
    people.add_person(store, household_id=family["household"], name="张建国")
    assert [h.name for h in search.search_people(store, "zhangjianguo")] == ["张建国"]


def test_demo_is_deterministic_and_covers_every_vulnerable_group(tmp_path):
    from outreach.storage.store import Store

    a, b = Store.open(tmp_path / "a"), Store.open(tmp_path / "b")
    demo.build_demo(a, households=120, seed=7)
    demo.build_demo(b, households=120, seed=7)
    rows = lambda s: [(h.code, h.head_name, h.address) for h in households.query_households(  # noqa: E731
        s, households.HouseholdQuery(), limit=1000)]
    assert rows(a) == rows(b)
    assert stats.counts(a) == stats.counts(b)
    with a.connect() as conn:
        from sqlalchemy import text

        for flag in ("left_behind_child", "left_behind_elder", "elder_alone", "disability", "migrant_worker",
                     "chronic_illness", "left_behind_woman"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM person WHERE flag_{flag}")).scalar() > 0, flag
    c = Store.open(tmp_path / "c")
    demo.build_demo(c, households=120, seed=8)
    assert rows(a) != rows(c)


def test_demo_batches_made_in_a_worker_process_are_deterministic(tmp_path):
    from outreach.storage.store import Store

    stores = [Store.open(tmp_path / name) for name in ("a", "b")]
    for s in stores:
        summary = demo.build_demo(s, households=250, seed=3, batch=100)  # three batches, two in a worker
    assert summary.households == 250
    dump = lambda s: [(h.code, h.head_name, h.member_count, h.last_visit) for h in households.query_households(  # noqa: E731
        s, households.HouseholdQuery(), limit=1000)]
    assert dump(stores[0]) == dump(stores[1])
    refs = [r.reference for r in __import__("outreach.services.referrals", fromlist=["x"]).list_referrals(stores[0])]
    assert len(refs) == len(set(refs)) == summary.referrals


def test_area_csv_import_all_or_nothing(store, tmp_path):
    good = tmp_path / "areas.csv"
    good.write_text("区划代码,名称,级别,上级代码\n522731,青山县,县,\n522731100,青山镇,乡镇,522731\n"
                    "522731100200,东坪村,村,522731100\n", encoding="utf-8-sig")
    assert areas.import_areas_csv(store, good) == 3
    assert areas.villages_under(store, "522731") == ["522731100200"]
    assert [a.name for a in areas.area_path(store, "522731100200")] == ["青山县", "青山镇", "东坪村"]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n522731100201,石门村,village,522731100\n5227x,坏,village,522731\n",
                   encoding="utf-8")
    with pytest.raises(OutreachError) as exc:
        areas.import_areas_csv(store, bad)
    assert "3" in exc.value.message() and exc.value.key == "error.csv.row"
    assert len(areas.all_areas(store)) == 3
