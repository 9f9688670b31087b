"""The households behind a number on the dashboard (a ``reports`` HouseholdQuery): a list that opens
a household on double-click or Enter."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import BenefitStatus, Priority
from outreach.i18n import tr
from outreach.services import households as households_svc
from outreach.ui.models.record_table_model import Column, RecordTableModel, iso

SHOWN = 500

COLUMNS = [
    Column("ui.col.code", lambda r: r.code),
    Column("ui.col.village", lambda r: r.village_name),
    Column("ui.col.head", lambda r: r.head_name),
    Column("ui.col.benefit", lambda r: BenefitStatus.label_of(r.benefit_status) if r.benefit_status != "none" else ""),
    Column("ui.col.priority", lambda r: Priority.label_of(r.priority)),
    Column("ui.col.last_visit", lambda r: iso(r.last_visit) or tr("ui.households.never_visited")),
    Column("ui.col.address", lambda r: r.address),
]


def resolve_rows(store, query) -> tuple[int, list]:
    """(how many households, the first SHOWN of them as list rows)."""
    ids = list(query.resolve(store))
    return len(ids), [households_svc.get_household(store, hid).row for hid in ids[:SHOWN]]


class HouseholdListDialog(QDialog):
    sig_open_household = Signal(str)

    def __init__(self, ctx, query, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(getattr(query, "title", "") or tr("ui.nav.households"))
        self.summary = QLabel(tr("ui.loading"), self)
        self.model = RecordTableModel(COLUMNS, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.activated.connect(self._open)
        self.view.doubleClicked.connect(self._open)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(900, 560)
        ctx.runner.query(resolve_rows, query, owner=self, on_done=self._loaded)

    def _loaded(self, result) -> None:
        total, rows = result
        self.model.set_records(rows)
        self.view.resizeColumnsToContents()
        self.summary.setText(tr("ui.households.count", n=total)
                             + (tr("ui.households.first_shown", n=len(rows)) if total > len(rows) else ""))

    def _open(self, index) -> None:
        if index.isValid():
            self.sig_open_household.emit(self.model.record_at(index.row()).id)
            self.accept()
