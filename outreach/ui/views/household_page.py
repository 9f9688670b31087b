"""One household: its facts, members (add, edit, mark moved/deceased), visit timeline, assessments with
their priority, referrals with their status, and its change history (who, what, when, which laptop)."""

from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import (
    BenefitStatus,
    ConsentMethod,
    NeedDomain,
    PersonStatus,
    Priority,
    ReferralStatus,
    Relation,
    Sex,
    Urgency,
    VisitOutcome,
    VisitType,
    Vulnerability,
)
from outreach.i18n import catalog, tr
from outreach.services import people as people_svc
from outreach.ui.history_text import change_text, field_label
from outreach.ui.models.household_table_model import PRIORITY_COLOURS
from outreach.ui.models.record_table_model import Column, RecordTableModel, iso
from outreach.ui.ops import HouseholdBundle, load_household_bundle
from outreach.ui.text import join_list, labelled, spaced
from outreach.ui.undo import ServiceCommand

RELOAD_ON = {"household", "person", "visit", "assessment", "referral", "need", "sync"}


def _flags(p) -> str:
    return join_list(Vulnerability(f).label() for f in sorted(p.flags))


def _age(p) -> str:
    age = p.age()
    return "" if age is None else str(age)


def _status_colour(p) -> str | None:
    return {"deceased": "#777777", "moved": "#777777", "away_for_work": "#1f5fa8"}.get(p.status)


MEMBER_COLUMNS = [
    Column("ui.field.person_name", lambda p: p.name),
    Column("field.relation", lambda p: Relation.label_of(p.relation)),
    Column("field.sex", lambda p: Sex.label_of(p.sex)),
    Column("ui.col.age", _age),
    Column("field.id_number", lambda p: p.masked_id),
    Column("field.phone", lambda p: p.phone),
    Column("field.status", lambda p: PersonStatus.label_of(p.status), colour=_status_colour),
    Column("ui.col.flags", _flags),
]
VISIT_COLUMNS = [
    Column("field.visit_date", lambda v: iso(v.visit_date)),
    Column("field.visit_type", lambda v: VisitType.label_of(v.visit_type)),
    Column("field.outcome", lambda v: VisitOutcome.label_of(v.outcome),
           colour=lambda v: "#c25e00" if v.outcome != "met" else None),
    Column("field.people_met", lambda v: join_list(v.people_met_names)),
    Column("field.next_due", lambda v: iso(v.next_due)),
    Column("ui.col.worker", lambda v: v.worker),
    Column("ui.col.notes", lambda v: v.notes.replace("\n", " ")[:120], tooltip=lambda v: v.notes or None),
]
ASSESSMENT_COLUMNS = [
    Column("ui.col.date", lambda a: iso(a.assessed_on)),
    Column("ui.col.priority", lambda a: a.priority.label(), colour=lambda a: PRIORITY_COLOURS.get(a.priority.value)),
    Column("ui.col.score", lambda a: str(a.score)),
    Column("ui.col.domains", lambda a: join_list(
        labelled(NeedDomain.label_of(d), Priority.label_of(p)) for d, p in a.domain_priorities.items()
        if p in ("medium", "high", "urgent"))),
    Column("ui.col.worker", lambda a: a.created_by),
]
REFERRAL_COLUMNS = [
    Column("ui.col.reference", lambda r: r.reference),
    Column("ui.col.person", lambda r: r.person_name),
    Column("ui.col.provider", lambda r: r.provider_name),
    Column("field.urgency", lambda r: Urgency.label_of(r.urgency)),
    Column("field.status", lambda r: ReferralStatus.label_of(r.status),
           colour=lambda r: "#b3261e" if r.is_overdue() else None),
    Column("field.issued_on", lambda r: iso(r.issued_on)),
    Column("ui.col.expected_reply", lambda r: iso(r.expected_reply_on),
           colour=lambda r: "#b3261e" if r.is_overdue() else None),
]


def history_columns(page: HouseholdPage) -> list[Column]:
    def device(e) -> str:
        return tr("ui.history.this_laptop") if e.device_id == page.device_id else e.device_id[:8]

    return [
        Column("ui.col.when", lambda e: e.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M")),
        Column("ui.col.worker", lambda e: e.worker),
        Column("ui.col.device", device),
        Column("ui.col.entity", lambda e: tr(f"ui.entity.{e.entity}") if f"ui.entity.{e.entity}" in catalog()
               else e.entity),
        Column("ui.col.field", lambda e: tr("ui.history.created") if e.is_creation else field_label(e.field)),
        Column("ui.col.value", lambda e: change_text(e.entity, e.field, e.value),
               tooltip=lambda e: change_text(e.entity, e.field, e.value)),
    ]


def _table(model: RecordTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setWordWrap(False)
    return view


class HouseholdPage(QWidget):
    sig_back = Signal()
    sig_edit_household = Signal(str)
    sig_add_member = Signal(str)
    sig_edit_member = Signal(str, str)      # household id, person id
    sig_record_visit = Signal(str)
    sig_assess = Signal(str)
    sig_refer = Signal(str)

    view_name = "household"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id: str | None = None
        self.bundle: HouseholdBundle | None = None
        self.device_id = ""
        self.back_button = QPushButton(self)
        self.back_button.clicked.connect(self.sig_back)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        self.shortcuts: dict[str, QKeySequence] = {}
        actions = [("edit", "Ctrl+E", self.sig_edit_household), ("add_member", "Ctrl+M", self.sig_add_member),
                   ("visit", "Ctrl+R", self.sig_record_visit), ("assess", "Ctrl+Shift+A", self.sig_assess),
                   ("refer", "Ctrl+Shift+R", self.sig_refer)]
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addWidget(self.title, 1)
        for name, shortcut, signal in actions:
            button = QPushButton(self)
            self.shortcuts[name] = QKeySequence(shortcut)
            button.clicked.connect(partial(self._emit_for_household, signal))
            self.buttons[name] = button
            bar.addWidget(button)

        self.members = RecordTableModel(MEMBER_COLUMNS, self)
        self.visits = RecordTableModel(VISIT_COLUMNS, self)
        self.assessments = RecordTableModel(ASSESSMENT_COLUMNS, self)
        self.referrals = RecordTableModel(REFERRAL_COLUMNS, self)
        self.history = RecordTableModel(history_columns(self), self)
        self.members_view = _table(self.members, self)
        self.members_view.doubleClicked.connect(self._edit_member)
        self.members_view.activated.connect(self._edit_member)
        self.member_buttons: dict[str, QPushButton] = {}
        member_bar = QHBoxLayout()
        for name in ("edit_member", "mark_moved", "mark_deceased", "mark_present"):
            button = QPushButton(self)
            self.member_buttons[name] = button
            member_bar.addWidget(button)
        member_bar.addStretch(1)
        self.member_buttons["edit_member"].clicked.connect(lambda: self._edit_member(self.members_view.currentIndex()))
        self.member_buttons["mark_moved"].clicked.connect(lambda: self.mark_status(PersonStatus.MOVED))
        self.member_buttons["mark_deceased"].clicked.connect(lambda: self.mark_status(PersonStatus.DECEASED))
        self.member_buttons["mark_present"].clicked.connect(lambda: self.mark_status(PersonStatus.PRESENT))
        # they act on the member selected above: greyed out until there is one (a click did nothing)
        self.members_view.selectionModel().currentChanged.connect(self._update_member_buttons)
        self.members.modelReset.connect(self._update_member_buttons)
        members_tab = QWidget(self)
        col = QVBoxLayout(members_tab)
        col.addWidget(self.members_view, 1)
        col.addLayout(member_bar)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(members_tab, "")
        self.tabs.addTab(_table(self.visits, self), "")
        self.assessments_view = _table(self.assessments, self)
        self.assessments_view.activated.connect(self._show_assessment)
        self.assessments_view.doubleClicked.connect(self._show_assessment)
        self.tabs.addTab(self.assessments_view, "")
        self.tabs.addTab(_table(self.referrals, self), "")
        self.tabs.addTab(_table(self.history, self), "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(bar)
        layout.addWidget(self.facts)
        layout.addWidget(self.tabs, 1)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.sig_back)
        ctx.runner.sig_changed.connect(self._data_changed)
        self._update_member_buttons()
        self.retranslate()

    def _emit_for_household(self, signal, *_args) -> None:
        if self.household_id:
            signal.emit(self.household_id)

    # ----------------------------------------------------------------- loading
    def open(self, household_id: str) -> None:
        if household_id != self.household_id:
            self.bundle = None
            for model in (self.members, self.visits, self.assessments, self.referrals, self.history):
                model.set_records([])
            self.title.setText("")
            self.facts.setText(tr("ui.loading"))
            self.tabs.setCurrentIndex(0)
        self.household_id = household_id
        self.reload()

    def reload(self) -> None:
        if self.household_id:
            hid = self.household_id
            self.ctx.runner.query(load_household_bundle, hid, key=f"household-page-{id(self)}", owner=self,
                                  on_done=lambda b: self._loaded(hid, b))

    def _loaded(self, household_id: str, bundle: HouseholdBundle) -> None:
        if household_id != self.household_id:
            return
        self.bundle = bundle
        self.device_id = bundle.device_id
        self.members.set_records(bundle.detail.members)
        self.visits.set_records(bundle.visits)
        self.assessments.set_records(bundle.assessments)
        self.referrals.set_records(bundle.referrals)
        self.history.set_records(bundle.history)
        for view in self.findChildren(QTableView):
            view.resizeColumnsToContents()
        self._show_facts()

    def _show_facts(self) -> None:
        if self.bundle is None:
            return
        d = self.bundle.detail
        row = d.row
        self.title.setText(f"<span style='font-size:15pt; font-weight:600'>{escape(row.code)}</span>"
                           f"&nbsp;&nbsp;{escape(row.village_name)}")
        parts = [labelled(tr("field.address"), row.address or "—"), labelled(tr("field.phone"), row.phone or "—"),
                 labelled(tr("field.benefit_status"), BenefitStatus.label_of(row.benefit_status) or "—"),
                 labelled(tr("ui.col.head"), row.head_name or "—")]
        if row.priority:
            parts.append(labelled(tr("ui.col.priority"), Priority.label_of(row.priority)))
        parts.append(labelled(tr("ui.col.last_visit"), iso(row.last_visit) or tr("ui.households.never_visited")))
        if d.consent_given:
            parts.append(tr("ui.household.consent_yes", by=d.consent_by, on=iso(d.consent_on),
                            method=ConsentMethod.label_of(d.consent_method)))
        else:
            parts.append(tr("ui.household.consent_no"))
        self.facts.setText(spaced(parts))

    def _data_changed(self, changes: frozenset) -> None:
        if self.household_id and changes & RELOAD_ON and self.isVisible():
            self.reload()

    def _show_assessment(self, index) -> None:
        from outreach.ui.dialogs.assessment_detail_dialog import AssessmentDetailDialog

        if index.isValid():
            dialog = AssessmentDetailDialog(self.ctx, self.assessments.record_at(index.row()).id, self)
            dialog.finished.connect(dialog.deleteLater)
            dialog.open()

    # ----------------------------------------------------------------- members
    def _update_member_buttons(self, *_args) -> None:
        selected = self.members_view.currentIndex().isValid()
        for button in self.member_buttons.values():
            button.setEnabled(selected)

    def selected_member(self):
        index = self.members_view.currentIndex()
        return self.members.record_at(index.row()) if index.isValid() else None

    def _edit_member(self, index) -> None:
        if index.isValid() and self.household_id:
            self.sig_edit_member.emit(self.household_id, self.members.record_at(index.row()).id)

    def mark_status(self, status: PersonStatus) -> None:
        person = self.selected_member()
        if person is None or person.status == status.value:
            return
        old, pid = person.status, person.id
        text = tr("ui.undo.person_status", name=person.name, status=status.label())

        def apply(store):
            return people_svc.set_status(store, pid, status)

        def revert(store):
            return people_svc.set_status(store, pid, old)

        self.ctx.undo.push(ServiceCommand(self.ctx.runner, text, apply=apply, revert=revert,
                                          changes={"person"}, already_applied=False))

    # ----------------------------------------------------------------- language
    def retranslate(self) -> None:
        # setText on a button replaces its shortcut with the text's mnemonic: set shortcuts after.
        self.back_button.setText(tr("ui.household.back"))
        self.back_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Back))
        labels = {"edit": "ui.household.edit", "add_member": "ui.household.add_member",
                  "visit": "ui.household.record_visit", "assess": "ui.household.assess",
                  "refer": "ui.household.refer"}
        for name, button in self.buttons.items():
            button.setText(tr(labels[name]))
            button.setShortcut(self.shortcuts[name])
            button.setToolTip(button.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
        for name, button in self.member_buttons.items():
            button.setText(tr(f"ui.household.{name}"))
        for i, key in enumerate(("ui.tab.members", "ui.tab.visits", "ui.tab.assessments", "ui.tab.referrals",
                                 "ui.tab.history")):
            self.tabs.setTabText(i, tr(key))
        for model in (self.members, self.visits, self.assessments, self.referrals, self.history):
            model.retranslate()
        for view in self.findChildren(QTableView):   # the new language's headings and words: not cut
            view.resizeColumnsToContents()
        self._show_facts()
