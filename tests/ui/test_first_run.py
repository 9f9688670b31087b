"""First run (issue 9): the two ways to start explained in the user's language, each leading straight
into its path — joining a team with the lead's invite, or setting up villages and the team profile as
the lead (or alone) — and a worker's laptop showing the team's data read-only with a suggestion form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from outreach.services import providers as providers_svc
from tests.ui.conftest import on_db, type_text, wait_idle
from tests.unit.sync.transport_kit import PASS, create_lead, join


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """Forms left open at the end of a test are closed without the unsaved-changes question."""
    from outreach.ui.dialogs.form_base import FormDialog

    monkeypatch.setattr(FormDialog, "ask_unsaved", lambda self: QMessageBox.StandardButton.Discard)


@pytest.fixture
def fresh(qapp, tmp_path):
    """A laptop that has never been used: an empty data folder on disk."""
    from outreach.storage.store import Store
    from outreach.ui.app import build_context

    store = Store.open(tmp_path / "new")
    ctx = build_context(store, qapp)
    yield ctx, store
    ctx.close()
    ctx.language.apply("zh_CN")
    store.close()


@pytest.fixture
def fast_keys(monkeypatch):
    from outreach.sync.keys import FAST_KDF_FOR_TESTS
    from outreach.ui.dialogs import team_wizard

    monkeypatch.setattr(team_wizard, "KDF", FAST_KDF_FOR_TESTS)


def _wizard(qtbot, ctx):
    from outreach.ui.dialogs.setup_wizard import SetupWizard

    wizard = SetupWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.loaded, timeout=5000)
    return wizard


def _discard(qtbot, ctx, dialog) -> None:
    dialog.ask_unsaved = lambda: QMessageBox.StandardButton.Discard
    dialog.reject()
    wait_idle(qtbot, ctx)


def test_first_run_explains_both_ways_in_the_users_language(qtbot, fresh):
    ctx, _store = fresh
    wizard = _wizard(qtbot, ctx)
    assert wizard.step == "choose"
    assert wizard.join_choice.isVisible() and wizard.lead_choice.isVisible()
    assert wizard.join_choice.text() == "我要加入团队" and "邀请文件" in wizard.join_choice.description()
    assert "组长" in wizard.lead_choice.text()
    assert not wizard.worker_name.isVisible()           # the details come after the choice …
    assert wizard.language.isVisible()                  # … but the language can be picked right away
    wizard.language.setCurrentIndex(wizard.language.findData("en"))
    assert wizard.join_choice.text() == "I am joining a team"
    assert wizard.lead_choice.text() == "I am the team lead / working alone"
    wizard.choose("lead")
    assert wizard.worker_name.isVisible() and not wizard.join_choice.isVisible()
    assert "Villages and groups" in wizard.areas_button.text()
    wizard.choose("")                                   # Back: the choice again, nothing lost
    assert wizard.step == "choose" and wizard.join_choice.isVisible()
    _discard(qtbot, ctx, wizard)


def _setting(store, key: str):
    return store.get_setting(key)


def test_lead_path_sets_up_villages_and_team_profile_in_the_window(qtbot, fresh, tmp_path):
    ctx, _store = fresh
    wizard = _wizard(qtbot, ctx)
    wizard.choose("lead")
    assert "村组管理" in wizard.fields["villages"].error.text()     # no villages yet: where they come from
    type_text(wizard.worker_name, "陈静")
    areas = wizard.open_areas()
    qtbot.waitUntil(lambda: areas.loaded, timeout=5000)
    assert "导入区划表" in areas.note.text()            # an empty tree says how to fill it
    csv = tmp_path / "areas.csv"
    csv.write_text("code,name,level,parent_code\n530101,山县,county,\n530101100,石门镇,township,530101\n"
                   "530101100201,东坪村,village,530101100\n", encoding="utf-8")
    with qtbot.waitSignal(areas.sig_changed, timeout=10000):
        areas.import_file(str(csv))
    areas.accept()
    qtbot.waitUntil(lambda: wizard.area_model.item_for("530101100201") is not None, timeout=5000)
    assert not wizard.fields["villages"].error.text()

    from outreach.services import team_profile

    if hasattr(team_profile, "update_team_profile"):
        profile = wizard.open_profile()
        qtbot.waitUntil(lambda: profile.loaded, timeout=5000)
        type_text(profile.org_name, "石门镇社会工作服务站")
        profile.org_phone.setText("0871-6123000")
        profile.accept()
        wait_idle(qtbot, ctx)
        assert on_db(qtbot, ctx, team_profile.get_team_profile).org_name == "石门镇社会工作服务站"

    wizard.area_model.item_for("530101100201").setCheckState(Qt.CheckState.Checked)
    wizard.worker_phone.setText("138-12")              # her own phone: a local setting, checked
    wizard.accept()
    wait_idle(qtbot, ctx)
    assert wizard.error_text("worker_phone") and not on_db(qtbot, ctx, _setting, "worker_name")
    wizard.worker_phone.setText("13812345678")
    wizard.accept()
    wait_idle(qtbot, ctx)
    assert on_db(qtbot, ctx, _setting, "worker_phone") == "13812345678"
    assert wizard.result_value.worker_name == "陈静"
    assert wizard.result_value.villages == ("530101100201",)
    assert on_db(qtbot, ctx, _setting, "villages") == "530101100201"


def test_join_path_opens_the_invite_and_shows_the_teams_villages(qtbot, fresh, tmp_path, fast_keys):
    from outreach.sync import team as T

    ctx, store = fresh
    lead = create_lead(tmp_path)
    invite = tmp_path / "invite.json"
    invite.write_bytes(T.make_invite(lead.store, ring=lead.ring))   # signed, with the team's villages
    try:
        wizard = _wizard(qtbot, ctx)
        wizard.choose("join")
        assert wizard.join_button.isVisible() and not wizard.areas_button.isVisible()
        assert wizard.start_join() is None and wizard.error_text("worker_name")   # the name goes first
        type_text(wizard.worker_name, "李娜")
        join_wizard = wizard.start_join()
        page = join_wizard.invite_page
        page.invite.setText(str(invite))
        assert page.request.text().endswith("enrolment-request.json")
        page.passphrase.setText(PASS)
        page.again.setText(PASS)
        join_wizard.next()
        qtbot.waitUntil(lambda: join_wizard.fingerprint != "" or bool(page.error.text()), timeout=20000)
        assert not page.error.text()
        request = tmp_path / "enrolment-request.json"
        assert request.exists()
        assert T.read_request(lead.store, request.read_bytes()).worker == "李娜"   # the request carries her name
        assert join_wizard.fingerprint in wizard_text(join_wizard)
        join_wizard.accept()
        assert join_wizard.fingerprint in wizard.path_status.text()
        wait_idle(qtbot, ctx)
        assert join_wizard.villages == 3                    # said on the last page of the join wizard
        qtbot.waitUntil(lambda: wizard.area_model.item_for("530102001001") is not None, timeout=5000)
        wizard.area_model.item_for("530102001001").setCheckState(Qt.CheckState.Checked)
        wizard.accept()
        wait_idle(qtbot, ctx)
        assert wizard.result_value.villages == ("530102001001",)
    finally:
        lead.close()


def wizard_text(join_wizard) -> str:
    page = join_wizard.currentPage()
    return page.text.text() + page.fingerprint.text()


# --------------------------------------------------------------------------- a worker's laptop
@pytest.fixture
def worker(qapp, tmp_path):
    from outreach.ui.app import build_context

    lead = create_lead(tmp_path)
    lead.store.set_setting("worker_name", "陈静")
    laptop = join(tmp_path, lead, "li", "李娜", [])
    ctx = build_context(laptop.store, qapp)
    yield ctx, laptop, lead
    ctx.close()
    laptop.close()
    lead.close()


def test_worker_sees_team_data_read_only_and_may_suggest(qtbot, worker):
    from outreach.ui.views.areas_view import AreasDialog
    from outreach.ui.views.directory_view import DirectoryDialog

    ctx, laptop, lead = worker
    directory = DirectoryDialog(ctx)
    qtbot.addWidget(directory)
    directory.show()
    qtbot.waitUntil(lambda: directory.loaded, timeout=5000)
    assert not directory.can_edit
    assert directory.buttons["add"].isHidden() and directory.buttons["import"].isHidden()
    assert not directory.buttons["suggest"].isHidden()
    assert "陈静" in directory.note.text() and "只能查看" in directory.note.text()

    areas = AreasDialog(ctx)
    qtbot.addWidget(areas)
    areas.show()
    qtbot.waitUntil(lambda: areas.loaded, timeout=5000)
    assert all(b.isHidden() for b in areas.buttons.values()) and "陈静" in areas.note.text()

    if not hasattr(providers_svc, "suggest_provider"):
        pytest.skip("core: providers.suggest_provider not landed")
    form = directory.form("suggest")
    assert form.intro.isVisible() and "组长" in form.intro.text()
    type_text(form.name, "石门镇法律援助站")
    form.category.set_value("legal_aid")
    with qtbot.waitSignal(form.sig_saved, timeout=5000):
        form.accept()
    wait_idle(qtbot, ctx)
    assert "组长" in directory.status.text()
    assert "石门镇法律援助站" not in {p.name for p in on_db(qtbot, ctx, providers_svc.list_providers)}
    assert [s.name for s in on_db(qtbot, ctx, providers_svc.list_provider_suggestions)] == ["石门镇法律援助站"]


def test_a_workers_suggestion_reaches_the_leads_queue(qtbot, worker, qapp):
    """The suggestion travels in the worker's bundle; the lead accepts it from the directory window."""
    from outreach.ui.app import build_context
    from outreach.ui.views.directory_view import DirectoryDialog
    from tests.unit.sync.transport_kit import receive, uplink

    if not hasattr(providers_svc, "suggest_provider"):
        pytest.skip("core: providers.suggest_provider not landed")
    ctx, laptop, lead = worker
    on_db(qtbot, ctx, providers_svc.suggest_provider, name="石门镇法律援助站", category="legal_aid",
          phone="0871-6123003")
    on_db(qtbot, ctx, providers_svc.suggest_provider, name="重复的卫生院", category="clinic")
    receive(lead, on_db(qtbot, ctx, lambda _store: uplink(laptop)))    # her laptop's store: its own thread
    lead_ctx = build_context(lead.store, qapp)
    try:
        dialog = DirectoryDialog(lead_ctx)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
        assert dialog.can_edit and dialog.queue_box.isVisible() and dialog.queue.count() == 2
        assert "李娜" in dialog.queue.item(0).text()
        ids = {dialog.queue.item(i).text().split(" · ")[0]: dialog.queue.item(i).data(Qt.ItemDataRole.UserRole)
               for i in range(dialog.queue.count())}
        dialog.decide(ids["石门镇法律援助站"], True)
        dialog.decide(ids["重复的卫生院"], False)
        wait_idle(qtbot, lead_ctx)
        qtbot.waitUntil(lambda: dialog.queue_box.isHidden(), timeout=5000)
        names = {p.name for p in on_db(qtbot, lead_ctx, providers_svc.list_providers)}
        assert "石门镇法律援助站" in names and "重复的卫生院" not in names
        assert on_db(qtbot, lead_ctx, providers_svc.list_provider_suggestions) == []
    finally:
        lead_ctx.close()


def test_worker_form_refuses_nothing_written(qtbot, worker):
    """A worker's laptop cannot change team data even through a form opened anyway."""
    from outreach.ui.dialogs.provider_form import ProviderForm

    ctx, _laptop, _lead = worker
    form = ProviderForm(ctx, None, mode="new")
    qtbot.addWidget(form)
    form.show()
    type_text(form.name, "青山镇卫生院")
    form.category.set_value("clinic")
    form.accept()
    wait_idle(qtbot, ctx)
    assert form.isVisible() and "陈静" in form.general_error.text()     # refused: who keeps the directory
    assert on_db(qtbot, ctx, providers_svc.list_providers) == []
    _discard(qtbot, ctx, form)


# --------------------------------------------------------------------------- no dead end
def test_household_form_without_villages_offers_to_add_one(qtbot, fresh):
    from outreach.ui.dialogs.household_form import HouseholdForm
    from outreach.ui.dialogs.missing_data import MissingBanner

    ctx, store = fresh
    form = HouseholdForm(ctx, None)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitUntil(lambda: form.findChild(MissingBanner) is not None
                    and form.findChild(MissingBanner).button.isVisible(), timeout=5000)
    banner = form.findChild(MissingBanner)
    assert "还没有村" in banner.text.text() and banner.button.text() == "添加或导入村…"
    banner.button.click()
    areas = form.missing_dialog
    qtbot.waitUntil(lambda: areas.loaded, timeout=5000)
    county = areas.add_form(None)
    type_text(county.name, "山县")
    county.code.setText("530101")
    county.accept()
    wait_idle(qtbot, ctx)
    areas.select("530101")
    township = areas.add_form()
    type_text(township.name, "石门镇")
    with qtbot.waitSignal(township.sig_saved, timeout=5000) as saved:
        township.accept()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: areas.model.item_for(saved.args[0]) is not None, timeout=5000)
    areas.select(saved.args[0])
    village = areas.add_form()
    assert village.level.value() == "village"
    type_text(village.name, "东坪村")
    village.accept()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: form.village.count() == 1, timeout=5000)     # the form has its village now
    assert form.village.currentText().startswith("东坪村") and banner.isHidden()


def test_referral_form_with_an_empty_directory_offers_to_add_a_provider(qtbot, ctx, store, county):
    from outreach.services.providers import archive_provider
    from outreach.ui.dialogs.missing_data import MissingBanner
    from outreach.ui.dialogs.referral_form import ReferralForm

    for pid in (county["clinic"], county["committee"]):
        on_db(qtbot, ctx, archive_provider, pid)
    form = ReferralForm(ctx, None, household_id=county["h2"])
    qtbot.addWidget(form)
    form.show()
    qtbot.waitUntil(lambda: form.findChild(MissingBanner) is not None
                    and form.findChild(MissingBanner).button.isVisible(), timeout=5000)
    banner = form.findChild(MissingBanner)
    assert banner.button.text() == "添加服务机构…"
    banner.button.click()
    provider_form = form.missing_dialog
    type_text(provider_form.name, "青山镇中心卫生院")
    provider_form.category.set_value("clinic")
    provider_form.accept()
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: form.provider_list.count() == 1, timeout=5000)
    assert "青山镇中心卫生院" in form.provider_list.item(0).text() and banner.isHidden()


def _device_villages(store, device_id: str):
    from outreach.sync import team as T

    with store.connect() as conn:
        return T.get_device(conn, device_id).villages


def test_lead_changes_a_laptops_villages_from_the_sync_screen(qtbot, worker):
    """`outreach team assign` from the window: the lead picks the villages a worker's laptop covers."""
    from outreach.ui.views.sync_view import SyncView
    from tests.unit.sync.transport_kit import DONGPING, SHIMEN

    _ctx, laptop, lead = worker
    view = SyncView(lead.store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: bool(view.state), timeout=10000)
    assert not view.assign_button.isHidden()
    row = next(i for i, d in enumerate(view.model.devices) if d["device_id"] == laptop.id)
    offered = {}

    def pick(device, villages):
        offered.update(villages)
        return [DONGPING, SHIMEN]

    view._ask_villages = pick
    view.table.selectRow(row)
    view._choose_assign()
    qtbot.waitUntil(lambda: any("东坪村" in line or DONGPING in line for line in view.log_lines()), timeout=10000)
    assert DONGPING in offered and SHIMEN in offered
    assert set(on_db(qtbot, view, _device_villages, laptop.id)) == {DONGPING, SHIMEN}
