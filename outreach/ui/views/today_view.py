"""Today: visits due or overdue, referrals waiting for a reply past their expected date, and urgent needs
with no referral yet — in the worker's villages. Each row opens its household (double-click or Enter).

For a lead, "who is overdue": each visit and reply shows whose it is (``followups``, "Whose it is": who
set the next visit / issued the referral, unless the team roster has given the village to others since),
a "By worker" table on the right counts them per worker, and the worker filter (or a click on a row of
that table) narrows the two lists to one worker.

The lists are ``outreach.services.followups.today_list``: the same definitions, as of today, that the
referral list, the dashboard, the monthly report and ``outreach today`` count with."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
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


def _worker(row) -> str:
    return row.worker or tr("overdue.nobody")


DUE_COLUMNS = [
    Column("ui.col.code", lambda d: d.code),
    Column("overdue.ui.col.worker", _worker),
    Column("ui.col.village", lambda d: d.village_name),
    Column("ui.col.address", lambda d: d.address),
    Column("field.next_due", lambda d: iso(d.next_due)),
    Column("ui.col.overdue", _overdue_text, colour=lambda d: "#b3261e" if d.days_overdue > 0 else None),
]
REFERRAL_COLUMNS = [
    Column("ui.col.reference", lambda r: r.reference),
    Column("overdue.ui.col.worker", _worker),
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

WORKER_COLUMNS = [
    Column("overdue.ui.col.worker", _worker),
    Column("overdue.ui.col.visits_overdue", lambda w: str(w.visits_overdue),
           colour=lambda w: "#b3261e" if w.visits_overdue else None),
    Column("overdue.ui.col.due_today", lambda w: str(w.visits_due_today)),
    Column("overdue.ui.col.replies_overdue", lambda w: str(w.replies_overdue),
           colour=lambda w: "#b3261e" if w.replies_overdue else None),
]
ALL = "\x00all"   # the filter's "all workers" entry ("" is a worker: the rows nobody recorded)


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
        self._full = None
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.filter_label = QLabel(self)
        self.worker_filter = QComboBox(self)
        self.worker_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.worker_filter.currentIndexChanged.connect(self._show)
        self.filter_label.setBuddy(self.worker_filter)
        self.due = RecordTableModel(DUE_COLUMNS, self)
        self.referrals = RecordTableModel(REFERRAL_COLUMNS, self)
        self.needs = RecordTableModel(NEED_COLUMNS, self)
        self.workers = RecordTableModel(WORKER_COLUMNS, self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.filter_label)
        top.addWidget(self.worker_filter)
        outer.addLayout(top)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        layout = self._lists = QVBoxLayout()
        body.addLayout(layout, 1)
        self.worker_box = QGroupBox(self)
        side = QVBoxLayout(self.worker_box)
        self.worker_table = QTableView(self.worker_box)
        self.worker_table.setModel(self.workers)
        self.worker_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.worker_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.worker_table.verticalHeader().hide()
        self.worker_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.worker_table.clicked.connect(self._pick_worker)
        self.worker_table.activated.connect(self._pick_worker)
        side.addWidget(self.worker_table)
        self.worker_box.setFixedWidth(300)
        body.addWidget(self.worker_box)
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
        self._full = today
        rows = followups.overdue_by_worker(today)
        self.workers.set_records(rows)
        current = self.worker_filter.currentData() if self.worker_filter.count() else ALL
        self.worker_filter.blockSignals(True)
        self.worker_filter.clear()
        self.worker_filter.addItem("", ALL)
        for w in rows:
            self.worker_filter.addItem(_worker(w), w.worker)
        index = self.worker_filter.findData(current) if current != ALL else 0
        self.worker_filter.setCurrentIndex(max(index, 0))
        self.worker_filter.blockSignals(False)
        self._show()

    def selected_worker(self):
        """The worker the lists are narrowed to, or None for everyone's."""
        data = self.worker_filter.currentData()
        return None if data == ALL or data is None else data

    def set_worker(self, worker: str | None) -> None:
        """Narrow the lists to one worker's (None: everyone's)."""
        index = 0 if worker is None else self.worker_filter.findData(worker)
        if index >= 0:
            self.worker_filter.setCurrentIndex(index)

    def _pick_worker(self, index: QModelIndex) -> None:
        if index.isValid():
            self.set_worker(self.workers.record_at(index.row()).worker)

    def _show(self, *_args) -> None:
        if self._full is None:
            return
        today = followups.for_worker(self._full, self.selected_worker())
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
        layout = self._lists
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
        rule = tr("overdue.ui.rule")
        self.worker_box.setTitle(tr("overdue.ui.by_worker"))
        self.filter_label.setText(tr("overdue.ui.filter"))
        if self.worker_filter.count():
            self.worker_filter.setItemText(0, tr("overdue.ui.all_workers"))
            for i in range(1, self.worker_filter.count()):
                self.worker_filter.setItemText(i, self.worker_filter.itemData(i) or tr("overdue.nobody"))
        else:
            self.worker_filter.addItem(tr("overdue.ui.all_workers"), ALL)
        for widget in (self.worker_box, self.worker_table, self.worker_filter, self.filter_label):
            widget.setToolTip(rule)
        self.workers.retranslate()
        self._fit_worker_box()

    def _fit_worker_box(self) -> None:
        """The "By worker" table shows its four columns whole (English headers are wider); a long
        shared-village name ("李娜、王强") scrolls beyond 480 px rather than squeezing the lists."""
        table = self.worker_table
        table.resizeColumnsToContents()
        margins = self.worker_box.layout().contentsMargins()
        need = (table.horizontalHeader().length() + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
                + margins.left() + margins.right() + 4)
        self.worker_box.setFixedWidth(min(max(need, 240), 480))
