"""Team reference data in the window (issue 9): villages and groups, the service directory and the team
profile — edited on the lead's laptop (or one in no team), read-only with a suggestion form on a
worker's laptop."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.services import areas as areas_svc
from outreach.services import providers as providers_svc
from tests.ui.conftest import on_db, type_text, wait_idle


def _close(qtbot, ctx, dialog) -> None:
    if hasattr(dialog, "ask_unsaved"):
        dialog.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    dialog.reject()
    wait_idle(qtbot, ctx)


def _village_names(store) -> set[str]:
    return {a.name for a in areas_svc.all_areas(store) if a.level == "village"}


# --------------------------------------------------------------------------- areas
def test_lead_adds_a_village_under_a_township_from_the_tree(qtbot, window, ctx):
    dialog = window.dayone.run("areas")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert dialog.can_edit and not dialog.buttons["add"].isHidden()
    dialog.select("530101100")          # 石门镇
    form = dialog.add_form()
    assert form.code.text() == "" and form.code.placeholderText()   # blank: the next free code is given
    assert form.level.value() == "village"
    type_text(form.name, "河口村")
    with qtbot.waitSignal(form.sig_saved, timeout=5000) as saved:
        form.accept()
    wait_idle(qtbot, ctx)
    area = on_db(qtbot, ctx, areas_svc.get_area, saved.args[0])
    assert (area.name, area.parent_id, area.level) == ("河口村", "530101100", "village")
    assert area.id.startswith("530101100") and area.id not in ("530101100201", "530101100202")
    qtbot.waitUntil(lambda: dialog.model.item_for(area.id) is not None, timeout=5000)
    _close(qtbot, ctx, dialog)


def test_area_form_says_what_is_wrong_while_typing_and_saves_nothing(qtbot, window, ctx):
    dialog = window.dayone.run("areas")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    dialog.select("530101100")
    form = dialog.add_form()
    form.code.setText("530101100201")   # 东坪村's code: taken
    form.code.textEdited.emit("530101100201")
    assert "530101100201" in form.error_text("code")
    before = len(on_db(qtbot, ctx, areas_svc.all_areas))
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible() and form.error_text("name")          # the name is required too
    assert len(on_db(qtbot, ctx, areas_svc.all_areas)) == before
    _close(qtbot, ctx, form)
    _close(qtbot, ctx, dialog)


@pytest.mark.skipif(not hasattr(areas_svc, "rename_area"), reason="core: areas.rename_area not landed")
def test_lead_renames_moves_and_archives_from_the_tree(qtbot, window, ctx):
    dialog = window.dayone.run("areas")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    dialog.rename("530101100202", "石门新村")
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, areas_svc.get_area, "530101100202").name == "石门新村"
    # 二组 moves from 东坪村 to 石门新村
    assert [a.id for a in dialog.parent_choices("530101100201002")] == ["530101100202"]
    dialog.move("530101100201002", "530101100202")
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, areas_svc.get_area, "530101100201002").parent_id == "530101100202"
    dialog.archive("530101100201002")
    wait_idle(qtbot, ctx)
    assert "530101100201002" not in {a.id for a in on_db(qtbot, ctx, areas_svc.all_areas)}
    qtbot.waitUntil(lambda: dialog.model.item_for("530101100201002") is None, timeout=5000)
    dialog.show_archived.setChecked(True)             # archived by mistake: shown greyed, and restored
    qtbot.waitUntil(lambda: dialog.model.item_for("530101100201002") is not None, timeout=5000)
    assert "已归档" in dialog.model.item_for("530101100201002").text()
    dialog.select("530101100201002")
    assert dialog.buttons["archive"].text() == "恢复"
    dialog._choose_archive()
    wait_idle(qtbot, ctx)
    assert "530101100201002" in {a.id for a in on_db(qtbot, ctx, areas_svc.all_areas)}
    _close(qtbot, ctx, dialog)


def test_area_list_imported_off_the_gui_thread(qtbot, window, ctx, tmp_path):
    csv = tmp_path / "areas.csv"
    csv.write_text("code,name,level,parent_code\n530101100203,河口村,village,530101100\n", encoding="utf-8")
    dialog = window.dayone.run("areas")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    with qtbot.waitSignal(dialog.sig_changed, timeout=10000):
        dialog.import_file(str(csv))
    assert "河口村" in on_db(qtbot, ctx, _village_names)
    assert "1" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.model.item_for("530101100203") is not None, timeout=5000)
    _close(qtbot, ctx, dialog)


def test_gbk_statistical_division_codes_import(qtbot, window, ctx, tmp_path):
    """A 统计用区划代码 list saved by Chinese Excel (GBK): 12-digit codes, names, levels."""
    path = tmp_path / "统计用区划代码.csv"
    path.write_bytes("统计用区划代码,名称,城乡分类代码\n530102000000,水县,\n530102101000,新寨镇,\n"
                     "530102101204,新寨村,220\n".encode("gbk"))
    dialog = window.dayone.run("areas")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    dialog.import_file(str(path))
    wait_idle(qtbot, ctx, timeout=10000)
    assert not dialog.error.text()
    assert "新寨村" in on_db(qtbot, ctx, _village_names)
    assert on_db(qtbot, ctx, areas_svc.get_area, "530102101204").parent_id == "530102101000"   # the parent read from the code
    assert on_db(qtbot, ctx, areas_svc.get_area, "530102101000").parent_id == "530102"
    _close(qtbot, ctx, dialog)


# --------------------------------------------------------------------------- the service directory
def test_lead_adds_edits_searches_and_archives_providers(qtbot, window, ctx):
    dialog = window.dayone.run("directory")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert dialog.model.rowCount() == 2 and not dialog.buttons["add"].isHidden()
    assert dialog.buttons["suggest"].isHidden()
    form = dialog.form("new")
    type_text(form.name, "石门镇民政办")
    form.category.set_value("civil_affairs")
    form.phone.setText("0871-6123002")
    form.accept()
    wait_idle(qtbot, ctx)
    names = {p.name for p in on_db(qtbot, ctx, providers_svc.list_providers)}
    assert "石门镇民政办" in names
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=5000)

    dialog.search.setText("民政")
    dialog.search.flush()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    assert dialog.select_name("石门镇民政办")
    edit = dialog.form("edit", dialog.current())
    edit.services.setText("低保申请")
    edit.accept()
    wait_idle(qtbot, ctx)
    provider = next(p for p in on_db(qtbot, ctx, providers_svc.list_providers) if p.name == "石门镇民政办")
    assert provider.services == "低保申请" and provider.phone == "0871-6123002"

    dialog.set_archived(provider.id, True)
    wait_idle(qtbot, ctx)
    assert "石门镇民政办" not in {p.name for p in on_db(qtbot, ctx, providers_svc.list_providers)}
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=5000)
    dialog.show_archived.setChecked(True)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=5000)
    assert "已归档" in dialog.model.index(0, 0).data()
    _close(qtbot, ctx, dialog)


def test_provider_form_refuses_a_missing_category(qtbot, window, ctx):
    dialog = window.dayone.run("directory")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    form = dialog.form("new")
    type_text(form.name, "法律援助中心")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible() and form.error_text("category")
    assert "法律援助中心" not in {p.name for p in on_db(qtbot, ctx, providers_svc.list_providers)}
    _close(qtbot, ctx, form)
    _close(qtbot, ctx, dialog)


def test_directory_exported_and_imported_as_csv(qtbot, window, ctx, tmp_path):
    dialog = window.dayone.run("directory")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    path = tmp_path / "资源库.csv"
    dialog.export_file(str(path))
    wait_idle(qtbot, ctx)
    text = path.read_text(encoding="utf-8-sig")
    assert "青山镇卫生院" in text
    path.write_text(text.replace("青山镇卫生院", "青山镇中心卫生院"), encoding="utf-8-sig")
    dialog.import_file(str(path))
    wait_idle(qtbot, ctx)
    assert "青山镇中心卫生院" in {p.name for p in on_db(qtbot, ctx, providers_svc.list_providers)}
    assert "1" in dialog.status.text()
    _close(qtbot, ctx, dialog)


# --------------------------------------------------------------------------- the team profile
def test_team_profile_form_validates_live_and_saves(qtbot, window, ctx, tmp_path):
    from outreach.services import team_profile

    if not hasattr(team_profile, "update_team_profile"):
        pytest.skip("core: update_team_profile not landed")
    form = window.dayone.run("profile")
    qtbot.waitUntil(lambda: form.loaded, timeout=5000)
    type_text(form.org_name, "石门镇社会工作服务站")
    form.org_address.setText("石门镇政府大院 2 号楼")
    form.org_phone.setText("12")
    form.org_phone.textEdited.emit("12")
    assert form.error_text("org_phone")        # said while typing
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible() and on_db(qtbot, ctx, team_profile.get_team_profile).org_name == ""
    form.org_phone.setText("0871-6123000")
    form.reply_days.setValue(10)
    form.logo_path.setText(str(tmp_path / "missing.png"))
    form.accept()
    wait_idle(qtbot, ctx)
    assert "missing.png" in form.error_text("logo_path")
    from PySide6.QtGui import QColor, QImage

    logo = QImage(40, 40, QImage.Format.Format_RGB32)
    logo.fill(QColor("#c00"))
    logo.save(str(tmp_path / "logo.png"))
    form.logo_path.setText(str(tmp_path / "logo.png"))
    form.accept()
    wait_idle(qtbot, ctx)
    profile = on_db(qtbot, ctx, team_profile.get_team_profile)
    assert profile.logo_path == str(tmp_path / "logo.png")
    assert (profile.org_name, profile.org_address, profile.org_phone, profile.reply_days) == (
        "石门镇社会工作服务站", "石门镇政府大院 2 号楼", "0871-6123000", 10)
