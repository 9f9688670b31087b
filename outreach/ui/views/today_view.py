"""Today: visits due or overdue, referrals waiting for a reply past their expected date, and urgent needs
with no referral yet — in the worker's villages. Each row opens its household (double-click or Enter).

The lists are ``outreach.services.followups.today_list``: the same definitions, as of today, that the
referral list, the dashboard, the monthly report and ``outreach today`` count with."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import NeedDomain, Urgency
from outreach.i18n import tr
from outreach.services import followups
from outreach.ui.models.record_table_model import Column, RecordTableModel, iso

MAX_STRETCH = 12   # rows beyond this scroll; the other lists keep at least 1/12 of the room each
RELOAD_ON = {"visit", "referral", "need", "assessment", "household", "sync", "settings"}


def _overdue_text(d) -> str:
    if d.days_overdue > 0:
        return tr("papers.today.days_overdue", count=d.days_overdue)
    if d.days_overdue == 0:
        return tr("ui.today.due_today")
    return tr("papers.today.due_in", count=-d.days_overdue)


DUE_COLUMNS = [
    Column("ui.col.code", lambda d: d.code),
    Column("ui.col.village", lambda d: d.village_name),
    Column("ui.col.address", lambda d: d.address),
    Column("field.next_due", lambda d: iso(d.next_due)),
    Column("ui.col.overdue", _overdue_text, colour=lambda d: "#b3261e" if d.days_overdue > 0 else None),
]
REFERRAL_COLUMNS = [
    Column("ui.col.reference", lambda r: r.reference),
    Column("ui.col.person", lambda r: r.person_name),
    Column("ui.col.provider", lambda r: r.provider_name),
    Column("field.urgency", lambda r: Urgency.label_of(r.urgency)),
    Column("field.issued_on", lambda r: iso(r.issued_on)),
    Column("ui.col.expected_reply", lambda r: iso(r.expected_reply_on), colour=lambda r: "#b3261e"),
]
NEED_COLUMNS = [
    Column("ui.col.code", lambda n: n.household_code),
    Column("ui.col.person", lambda n: n.person_name),
    Column("ui.col.domain", lambda n: NeedDomain.label_of(n.domain), colour=lambda n: "#b3261e"),
    Column("ui.col.description", lambda n: n.description),
]


def load_today(store, village_ids: list[str] | None):
    return followups.today_list(store, today=date.today(), village_ids=village_ids)


class TodayView(QWidget):
    sig_open_household = Signal(str)
    view_name = "today"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.village_ids: list[str] | None = None
        self._as_of = date.today()
        self.summary = QLabel(self)
        self.due = RecordTableModel(DUE_COLUMNS, self)
        self.referrals = RecordTableModel(REFERRAL_COLUMNS, self)
        self.needs = RecordTableModel(NEED_COLUMNS, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.summary)
        self.boxes: list[tuple[QGroupBox, str, RecordTableModel]] = []
        for model, key, household_of in ((self.due, "ui.today.due_visits", lambda d: d.household_id),
                                         (self.referrals, "ui.today.overdue_referrals", lambda r: r.household_id),
                                         (self.needs, "ui.today.urgent_needs", lambda n: n.household_id)):
            box = QGroupBox(self)
            inner = QVBoxLayout(box)
            view = QTableView(box)
            view.setModel(model)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.verticalHeader().hide()
            view.horizontalHeader().setStretchLastSection(True)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            view.setAlternatingRowColors(True)
            opener = self._opener(model, household_of)
            view.activated.connect(opener)
            view.doubleClicked.connect(opener)
            inner.addWidget(view)
            layout.addWidget(box, 1)
            self.boxes.append((box, key, model))
        ctx.runner.sig_changed.connect(self._data_changed)
        self.retranslate()

    def _opener(self, model: RecordTableModel, household_of):
        def open_row(index: QModelIndex) -> None:
            if index.isValid():
                self.sig_open_household.emit(household_of(model.record_at(index.row())))
        return open_row

    def set_villages(self, village_ids: list[str] | None) -> None:
        self.village_ids = village_ids or None
        self._stale = True
        if self.isVisible():
            self.reload()

    _stale = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Loaded when shown (and when data changes while shown): a county's today list is a big query
        and must not hold up the household list at start-up."""
        self._stale = False
        self.ctx.runner.query(load_today, self.village_ids, key=f"today-{id(self)}", owner=self,
                              on_done=self._loaded)

    def _loaded(self, today) -> None:
        self._as_of = today.as_of
        self.due.set_records(today.due_visits)
        self.referrals.set_records(today.overdue_referrals)
        self.needs.set_records(today.urgent_needs)
        for view in self.findChildren(QTableView):
            view.resizeColumnsToContents()
        self._share_height()
        self.retranslate()

    def _share_height(self) -> None:
        """The height goes where the rows are: 32 visits due must not sit in five lines above two
        half-empty lists (1280×720). An empty list keeps a small share."""
        layout = self.layout()
        for box, _key, model in self.boxes:
            layout.setStretch(layout.indexOf(box), max(1, min(model.rowCount(), MAX_STRETCH)))

    def _data_changed(self, changes: frozenset) -> None:
        if changes & RELOAD_ON:
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def retranslate(self) -> None:
        self.summary.setText(tr("papers.today.summary", date=self._as_of.isoformat(),
                                visits=tr("papers.today.visits", count=self.due.rowCount()),
                                referrals=tr("papers.today.referrals", count=self.referrals.rowCount()),
                                needs=tr("papers.today.needs", count=self.needs.rowCount())))
        for box, key, model in self.boxes:
            box.setTitle(tr("ui.nav.badge", title=tr(key), n=model.rowCount()))
            model.retranslate()
