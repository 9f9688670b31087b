"""Print & reports and the Team menu from the window (issue 9): what used to need the command line — a
village register, a blank visit form, the day's letters, the monthly report, an export with redaction,
the recovery identity — each done from its menu item, and the file it makes checked."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate

from tests.ui.conftest import on_db, wait_idle
from tests.unit.letters.pdftools import all_text


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_every_task_has_a_menu_item_in_both_languages(qtbot, window, ctx):
    menus = window.dayone
    assert _menu_texts(menus.print_menu) == ["村走访台账…", "空白走访表…", "当天的转介信…", "月度报告…",
                                             "导出数据（CSV/Excel）…"]
    assert "村组管理…" in _menu_texts(menus.team_menu) and "导出恢复身份…" in _menu_texts(menus.team_menu)
    assert "导出数据（CSV/Excel）…" in _menu_texts(window.menus["file"])
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("打印与报表") < titles.index(window.menus["help"].title())
    window.set_language("en")
    wait_idle(qtbot, ctx)
    assert menus.print_menu.title() == "Print and reports"
    assert "Village visit register…" in _menu_texts(menus.print_menu)


def test_village_register_saved_from_the_window(qtbot, window, ctx, tmp_path, county):
    from outreach.services import visits

    on_db(qtbot, ctx, visits.record_visit, household_id=county["h1"], visit_date=date.today(), outcome="met")
    dialog = window.dayone.run("register")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    dialog.select_village("530101100201")
    assert dialog.month.date() == QDate(date.today().year, date.today().month, 1)
    path = tmp_path / "台账.pdf"
    with qtbot.waitSignal(dialog.sig_saved, timeout=20000):
        dialog.save_to(str(path))
    text = all_text(path)
    assert "东坪村" in text and "东坪-0143" in text
    dialog.reject()


def test_register_preview_opens_the_pdf(qtbot, window, ctx, county):
    dialog = window.dayone.run("register")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    dialog.select_village("530101100202")
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.last_preview is not None, timeout=20000)
    assert dialog.last_preview.page_count() >= 1 and "石门村" in dialog.last_preview.windowTitle()
    dialog.last_preview.reject()
    dialog.reject()


def test_blank_visit_form_carries_the_village_name(qtbot, window, ctx, tmp_path):
    dialog = window.dayone.run("blank")
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert dialog.village.currentData() == ""      # a form without a village is fine too
    dialog.select_village("530101100202")
    path = tmp_path / "空白走访表.pdf"
    with qtbot.waitSignal(dialog.sig_saved, timeout=20000):
        dialog.save_to(str(path))
    assert "石门村" in all_text(path)
    dialog.reject()


def test_no_letters_that_day_is_one_clear_line(qtbot, window, ctx, tmp_path):
    dialog = window.dayone.run("letters")
    dialog.day.setDate(QDate(2020, 1, 2))
    dialog.save_to(str(tmp_path / "letters.pdf"))
    wait_idle(qtbot, ctx)
    assert "2020-01-02" in dialog.error.text()
    assert not (tmp_path / "letters.pdf").exists()
    dialog.reject()


def test_days_letters_batch_saved(qtbot, window, ctx, county, tmp_path):
    from outreach.services import referrals

    consent = {"consent_given": True, "consent_by": "王秀英", "consent_on": date.today(), "consent_method": "verbal"}
    on_db(qtbot, ctx, referrals.create_referral, person_id=county["p_wang"], provider_id=county["clinic"],
          reason="降压药即将用完，需要上门评估。", issue_on=date.today(), **consent)
    dialog = window.dayone.run("letters")
    path = tmp_path / "letters.pdf"
    with qtbot.waitSignal(dialog.sig_saved, timeout=20000):
        dialog.save_to(str(path))
    text = all_text(path)
    assert "青山镇卫生院" in text and "王秀英" in text
    dialog.reject()


def test_monthly_report_saved(qtbot, window, ctx, tmp_path):
    dialog = window.dayone.run("report")
    path = tmp_path / "月报.pdf"
    with qtbot.waitSignal(dialog.sig_saved, timeout=30000):
        dialog.save_to(str(path))
    assert path.stat().st_size > 1000 and "月" in all_text(path)
    dialog.reject()


def test_export_is_redacted_unless_unticked(qtbot, window, ctx, tmp_path):
    dialog = window.dayone.run("export")
    assert dialog.redact.isChecked()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    masked = tmp_path / "masked"
    with qtbot.waitSignal(dialog.sig_exported, timeout=20000):
        dialog.export_to(str(masked))
    people = (masked / "people.csv").read_text(encoding="utf-8-sig")
    assert "王秀英" not in people and "王" in people
    dialog.redact.setChecked(False)
    assert "身份证" in dialog.redact_note.text()
    full = tmp_path / "full"
    with qtbot.waitSignal(dialog.sig_exported, timeout=20000):
        dialog.export_to(str(full))
    assert "王秀英" in (full / "people.csv").read_text(encoding="utf-8-sig")
    dialog.reject()


# --------------------------------------------------------------------------- team set-up from the window
@pytest.fixture
def on_disk(qtbot, qapp, tmp_path):
    """A window over a data folder on disk (the team keys live beside the database)."""
    from outreach.storage.store import Store
    from outreach.ui.app import build_context
    from outreach.ui.main_window import MainWindow
    from tests.ui.conftest import seed_county

    store = Store.open(tmp_path / "lead")
    store.set_setting("worker_name", "陈静")
    seed_county(store)
    ctx = build_context(store, qapp)
    window = MainWindow(ctx)
    window.show()
    wait_idle(qtbot, ctx)
    yield window, ctx, store
    window.close()
    wait_idle(qtbot, ctx)
    ctx.close()
    ctx.language.apply("zh_CN")
    store.close()


@pytest.fixture
def fast_keys(monkeypatch):
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs import team_wizard

    monkeypatch.setattr(team_wizard, "KDF", FAST_KDF_FOR_TESTS)


def _team_name(store) -> str:
    from outreach.sync import team as T

    with store.connect() as conn:
        return T.get_team(conn).name


def test_lead_sets_up_a_team_and_exports_recovery_and_invite(qtbot, on_disk, tmp_path, fast_keys):
    window, ctx, _store = on_disk

    assert window.dayone.actions["create_team"].isEnabled()
    wizard = window.dayone.run("create_team")
    page = wizard.name_page
    page.name.setText("石门镇社工站")
    page.passphrase.setText("县社工站2026春")
    page.again.setText("县社工站2026秋")
    wizard.next()
    assert wizard.currentPage() is page and page.error.text()       # the two passphrases differ
    page.again.setText("县社工站2026春")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.created_page or bool(page.error.text()), timeout=20000)
    assert not page.error.text()
    assert wizard.currentPage() is wizard.created_page
    assert on_db(qtbot, ctx, _team_name) == "石门镇社工站"
    panel = wizard.created_page.recovery
    assert "U 盘" in panel.why.text()               # why and where to keep it, in plain words
    recovery = tmp_path / "recovery.age"
    with qtbot.waitSignal(panel.sig_written, timeout=20000):
        panel.export_to(str(recovery))
    assert recovery.read_text().startswith("AGE-SECRET-KEY-") or b"AGE-SECRET-KEY" in recovery.read_bytes()
    invite = tmp_path / "invite.json"
    wizard.created_page.write_invite(str(invite))
    wait_idle(qtbot, ctx)
    assert invite.exists() and "石门镇社工站" in invite.read_text(encoding="utf-8")
    import json

    from outreach.sync.reference import unpack_reference

    carried = unpack_reference(json.loads(invite.read_text(encoding="utf-8"))["reference"])
    assert "东坪村" in {c["value"]["name"] for c in carried if c["entity"] == "area" and c["field"] == "*"}   # the villages travel with it
    wizard.accept()
    qtbot.waitUntil(lambda: window.dayone.role is not None and window.dayone.role.in_team, timeout=5000)
    assert not window.dayone.actions["create_team"].isEnabled()
    assert window.dayone.actions["recovery"].isEnabled()


def test_recovery_export_from_the_team_menu(qtbot, on_disk, tmp_path):
    from outreach.sync import team as T
    from outreach.sync.keys import FAST_KDF_FOR_TESTS

    window, ctx, _store = on_disk

    on_db(qtbot, ctx, T.create_team, "县社工站2026春", name="石门镇社工站", kdf=FAST_KDF_FOR_TESTS)
    window.dayone.refresh_role()
    wait_idle(qtbot, ctx)
    dialog = window.dayone.run("recovery")
    panel = dialog.panel
    assert not panel.passphrase.isHidden()
    panel.passphrase.setText("wrong passphrase")
    panel.export_to(str(tmp_path / "r.age"))
    wait_idle(qtbot, ctx)
    assert panel.error.text() and not (tmp_path / "r.age").exists()
    panel.passphrase.setText("县社工站2026春")
    with qtbot.waitSignal(panel.sig_written, timeout=20000):
        panel.export_to(str(tmp_path / "r.age"))
    assert (tmp_path / "r.age").stat().st_size > 20 and "r.age" in panel.status.text()
    dialog.reject()
