"""The conflict queue: the lead goes through fields that two laptops changed without knowing of each
other (and through flags: clocks far ahead, numbers already taken). For each she sees both values with
who, when and which laptop, and keeps the current value, takes the other one or types the right one;
the decision is an ordinary change that reaches every laptop with the next bundles.

    view = ConflictQueueView(store)            # standalone: its own database thread
    view = ConflictQueueView(store, runner)    # in the main window: the app's DbRunner

All database work runs on the runner's thread; the screen only shows results.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import catalog, tr
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync import conflicts
from outreach.sync.conflicts import ConflictItem, Side
from outreach.ui.views.queue_screen import QueueScreen
from outreach.ui.workers import DbRunner

COLUMNS = ("record", "field", "current", "other", "found")
RELOAD_ON = frozenset(SYNCED_TABLES) | {"sync", "merge_conflict"}
_Index = QModelIndex | QPersistentModelIndex


# --------------------------------------------------------------------------- texts
def field_label(entity: str, field: str) -> str:
    key = f"field.{field}"
    return tr(key) if key in catalog() else field


def value_text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return tr("merge.ui.yes") if value else tr("merge.ui.no")
    return str(value)


def when_text(side: Side) -> str:
    return side.at.astimezone().strftime("%Y-%m-%d %H:%M") if side.hlc else ""


def side_line(side: Side) -> str:
    return tr("merge.ui.who_when", worker=side.worker or "—", when=when_text(side), device=side.device_name or "—")


def load_queue(store, status: str) -> list[ConflictItem]:
    """(database thread) The queue with laptop names from the team registry."""
    return conflicts.list_conflicts(store, status=status)


# --------------------------------------------------------------------------- the table
class ConflictModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.items: list[ConflictItem] = []

    def set_items(self, items: list[ConflictItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(f"merge.ui.col.{COLUMNS[section]}")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "record":
                return item.row_label
            if column == "field":
                return field_label(item.entity, item.field)
            if column == "current":
                return value_text(item.current.value)
            if column == "other":
                return value_text(item.other.value) if item.kind == "concurrent" and item.other else \
                    tr(f"merge.ui.kind.{item.kind}")
            if column == "found":
                return item.detected_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if role == Qt.ItemDataRole.ForegroundRole and column == "other" and item.kind != "concurrent":
            return QColor("#b60")
        if role == Qt.ItemDataRole.ToolTipRole and column == "found":
            return item.source
        return None


# --------------------------------------------------------------------------- one side
class SideBox(QGroupBox):
    """One value: the value itself (large), then who / when / which laptop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = QLabel(self)
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setWordWrap(True)
        self.who = QLabel(self)
        self.who.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(self.who)

    def show_side(self, side: Side | None, *, text: str | None = None) -> None:
        self.value.setText(text if text is not None else value_text(side.value if side else None))
        self.who.setText(side_line(side) if side and side.hlc else "")


# --------------------------------------------------------------------------- the screen
class ConflictQueueView(QueueScreen, QWidget):
    """Review conflicts and flags one by one (standalone; the main window embeds it)."""

    sig_count = Signal(int)          # open items after each load (for a badge in the navigation)
    view_name = "conflicts"
    reload_on = RELOAD_ON

    def __init__(self, store, runner: DbRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start(store, runner)
        self.show_resolved = QCheckBox(self)
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)

        self.model = ConflictModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())

        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.current_box = SideBox(self)
        self.other_box = SideBox(self)
        self.keep_button = QPushButton(self)
        self.keep_button.clicked.connect(self.keep)
        self.take_button = QPushButton(self)
        self.take_button.clicked.connect(self.take)
        self.edit_value = QLineEdit(self)
        self.edit_value.returnPressed.connect(self.edit)
        self.edit_button = QPushButton(self)
        self.edit_button.clicked.connect(self.edit)
        self.dismiss_button = QPushButton(self)
        self.dismiss_button.clicked.connect(self.dismiss)
        keep_place = self.dismiss_button.sizePolicy()
        keep_place.setRetainSizeWhenHidden(True)  # Edit does not jump when a row without Dismiss is picked
        self.dismiss_button.setSizePolicy(keep_place)
        self.message = QLabel(self)
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.show_resolved)
        top.addWidget(self.refresh_button)
        detail = QWidget(self)
        grid = QGridLayout(detail)
        grid.addWidget(self.heading, 0, 0, 1, 2)
        grid.addWidget(self.current_box, 1, 0)
        grid.addWidget(self.other_box, 1, 1)
        grid.addWidget(self.keep_button, 2, 0)
        grid.addWidget(self.take_button, 2, 1)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.edit_value, 1)
        edit_row.addWidget(self.edit_button)
        edit_row.addWidget(self.dismiss_button)
        grid.addLayout(edit_row, 3, 0, 1, 2)
        grid.addWidget(self.message, 4, 0, 1, 2)
        grid.setRowStretch(5, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(detail)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.runner.sig_changed.connect(self._data_changed)
        self.retranslate()
        self.refresh()

    # ----------------------------------------------------------------- loading
    def refresh(self) -> None:
        status = "resolved" if self.show_resolved.isChecked() else "open"
        self.runner.query(load_queue, status, on_done=self._show, on_error=self._error,
                          key="merge-conflicts", owner=self)

    def _show(self, items: list[ConflictItem]) -> None:
        selected = self.selected()
        self.model.set_items(items)
        self.loaded = True
        row = next((i for i, it in enumerate(items) if selected and it.id == selected.id), 0 if items else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._show_selected()
        self._update_title()
        if not self.show_resolved.isChecked():
            self.sig_count.emit(len(items))

    def selected(self) -> ConflictItem | None:
        row = self.table.currentIndex().row()
        return self.model.items[row] if 0 <= row < len(self.model.items) else None

    def _show_selected(self) -> None:
        item = self.selected()
        is_open = item is not None and item.status == "open"
        concurrent = is_open and item.kind == "concurrent"
        for w in (self.keep_button, self.take_button, self.edit_value, self.edit_button):
            w.setEnabled(concurrent)
        self.dismiss_button.setVisible(is_open and item.kind != "concurrent")
        if item is None:
            self.heading.setText("")
            self.current_box.show_side(None, text="")
            self.other_box.show_side(None, text="")
            return
        self.heading.setText(tr("merge.ui.heading", record=item.row_label, field=field_label(item.entity, item.field)))
        if item.kind == "concurrent":
            self.current_box.setTitle(tr("merge.ui.current"))
            self.other_box.setTitle(tr("merge.ui.other"))
            self.current_box.show_side(item.current)
            self.other_box.show_side(item.other)
            self.edit_value.setText("" if item.current.value is None else str(item.current.value))
        else:
            self.current_box.setTitle(tr("merge.ui.received"))
            self.other_box.setTitle(tr("merge.ui.why"))
            self.current_box.show_side(item.current)
            self.other_box.show_side(None, text=tr(f"merge.ui.explain.{item.kind}"))
        if item.status != "open":
            self.message.setText(tr("merge.ui.resolved_as", resolution=tr(f"merge.ui.resolution.{item.resolution}")))

    def _update_title(self) -> None:
        n = len(self.model.items)
        if self.show_resolved.isChecked():
            self.title.setText(tr("merge.ui.conflicts_resolved", n=n))
        else:
            self.title.setText(tr("merge.ui.conflicts_open", n=n) if n else tr("merge.ui.conflicts_none"))

    # ----------------------------------------------------------------- deciding
    def _decide(self, fn, *args, done_key: str) -> None:
        item = self.selected()
        if item is None or item.status != "open":
            return
        entity = item.entity
        self.runner.op(fn, item.id, *args, changes={entity, "merge_conflict"}, owner=self,
                       on_done=lambda value: self.message.setText(tr(done_key, value=value_text(value))),
                       on_error=self._error)

    def keep(self) -> None:
        self._decide(conflicts.keep, done_key="merge.ui.done.keep")

    def take(self) -> None:
        self._decide(conflicts.take, done_key="merge.ui.done.take")

    def edit(self) -> None:
        item = self.selected()
        if item is None or item.kind != "concurrent":
            return
        text = self.edit_value.text().strip()
        value: Any = text
        if isinstance(item.current.value, bool):
            value = text.lower() in {"1", "true", "yes", tr("merge.ui.yes").lower()}
        elif isinstance(item.current.value, int) and text.lstrip("-").isdigit():
            value = int(text)
        self._decide(conflicts.edit, value, done_key="merge.ui.done.edit")

    def dismiss(self) -> None:
        self._decide(conflicts.dismiss, done_key="merge.ui.done.dismiss")

    # ----------------------------------------------------------------- language, closing
    def retranslate(self) -> None:
        self.show_resolved.setText(tr("merge.ui.show_resolved"))
        self.refresh_button.setText(tr("merge.ui.refresh"))
        self.keep_button.setText(tr("merge.ui.keep"))
        self.take_button.setText(tr("merge.ui.take"))
        self.edit_button.setText(tr("merge.ui.edit"))
        self.edit_value.setPlaceholderText(tr("merge.ui.edit_placeholder"))
        self.dismiss_button.setText(tr("merge.ui.dismiss"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._update_title()
        self._show_selected()
