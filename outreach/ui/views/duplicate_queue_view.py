"""The duplicate queue: pairs of records that may be the same person (same resident ID, or the same
name in pinyin — 张建国 / 張建國 — with the same birth date in the same village), shown side by side
with what differs in bold. The lead merges them (choosing which record to keep), or says they are two
people (remembered), and can undo a merge later. Nothing is ever merged by itself.

    view = DuplicateQueueView(store)            # standalone: its own database thread
    view = DuplicateQueueView(store, runner)    # in the main window: the app's DbRunner
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import Sex
from outreach.i18n import tr
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync import duplicates
from outreach.sync.duplicates import MergeItem, PersonCard, ProposalItem
from outreach.ui.views.queue_screen import QueueScreen
from outreach.ui.workers import DbRunner

RELOAD_ON = frozenset(SYNCED_TABLES) | {"sync", "duplicate_proposal"}
CHANGES = {"person", "duplicate_proposal"}
ROWS: tuple[tuple[str, Any], ...] = (
    ("ui.field.person_name", lambda c: c.name),
    ("field.sex", lambda c: Sex(c.sex).label() if c.sex in {s.value for s in Sex} else (c.sex or "—")),
    ("field.birth_date", lambda c: c.birth_date.isoformat() if c.birth_date else "—"),
    ("field.id_number", lambda c: c.id_number_masked or "—"),
    ("field.phone", lambda c: c.phone or "—"),
    ("merge.ui.dup.household", lambda c: c.household_code),
    ("field.village", lambda c: c.village_name or "—"),
    ("merge.ui.dup.visits", lambda c: str(c.visits)),
    ("merge.ui.dup.recorded_by", lambda c: c.created_by or "—"),
)


def load_queue(store) -> tuple[list[ProposalItem], list[MergeItem]]:
    """(database thread) Open proposals and this laptop's merges that can still be undone."""
    return duplicates.list_proposals(store), duplicates.list_merges(store)


def scan_job(store) -> int:
    return duplicates.scan_all(store)


class PersonColumn(QGroupBox):
    """One record of the pair, field by field; values that differ from the other record in bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        self.captions: list[QLabel] = []
        self.values: list[QLabel] = []
        for i, _row in enumerate(ROWS):
            caption, value = QLabel(self), QLabel(self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, i, 0)
            grid.addWidget(value, i, 1)
            self.captions.append(caption)
            self.values.append(value)
        grid.setColumnStretch(1, 1)
        self.retranslate()

    def retranslate(self) -> None:
        for (key, _get), caption in zip(ROWS, self.captions, strict=True):
            caption.setText(tr(key))

    def show_card(self, card: PersonCard | None, other: PersonCard | None) -> None:
        for (_key, get), label in zip(ROWS, self.values, strict=True):
            text = get(card) if card else ""
            differs = card is not None and other is not None and text != get(other)
            font = label.font()
            font.setBold(differs)
            label.setFont(font)
            label.setText(text)

    def texts(self) -> list[str]:
        return [label.text() for label in self.values]


class DuplicateQueueView(QueueScreen, QWidget):
    """Review possible duplicate people (standalone; the main window embeds it)."""

    sig_count = Signal(int)
    view_name = "duplicates"
    reload_on = RELOAD_ON

    def __init__(self, store, runner: DbRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start(store, runner)
        self.proposals: list[ProposalItem] = []
        self.merges: list[MergeItem] = []
        self.scan_button = QPushButton(self)
        self.scan_button.clicked.connect(self.scan)
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(lambda _row: self._show_selected())
        self.reason = QLabel(self)
        self.left = PersonColumn(self)
        self.right = PersonColumn(self)
        self.keep_left_button = QPushButton(self)
        self.keep_left_button.clicked.connect(lambda: self.merge(keep_left=True))
        self.keep_right_button = QPushButton(self)
        self.keep_right_button.clicked.connect(lambda: self.merge(keep_left=False))
        self.different_button = QPushButton(self)
        self.different_button.clicked.connect(self.not_duplicate)
        self.merges_label = QLabel(self)
        self.merge_list = QListWidget(self)
        self.undo_button = QPushButton(self)
        self.undo_button.clicked.connect(self.undo_merge)
        self.message = QLabel(self)
        self.message.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.scan_button)
        pair = QWidget(self)
        pair_layout = QGridLayout(pair)
        pair_layout.addWidget(self.reason, 0, 0, 1, 2)
        pair_layout.addWidget(self.left, 1, 0)
        pair_layout.addWidget(self.right, 1, 1)
        pair_layout.addWidget(self.keep_left_button, 2, 0)
        pair_layout.addWidget(self.keep_right_button, 2, 1)
        pair_layout.addWidget(self.different_button, 3, 0, 1, 2)
        pair_layout.addWidget(self.message, 4, 0, 1, 2)
        history = QWidget(self)
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(self.merges_label)
        history_layout.addWidget(self.merge_list, 1)
        history_layout.addWidget(self.undo_button)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.list)
        split.addWidget(pair)
        split.addWidget(history)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self.runner.sig_changed.connect(self._data_changed)
        self.retranslate()
        self.refresh()

    # ----------------------------------------------------------------- loading
    def refresh(self) -> None:
        self.runner.query(load_queue, on_done=self._show, on_error=self._error, key="merge-duplicates", owner=self)

    def _show(self, result: tuple[list[ProposalItem], list[MergeItem]]) -> None:
        selected = self.selected()
        self.proposals, self.merges = result
        self.loaded = True
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.proposals:
            self.list.addItem(QListWidgetItem(f"{p.a.name} / {p.b.name}  ·  {p.a.household_code}"))
        row = next((i for i, p in enumerate(self.proposals) if selected and p.id == selected.id),
                   0 if self.proposals else -1)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self.merge_list.clear()
        for m in self.merges:
            self.merge_list.addItem(QListWidgetItem(tr(
                "merge.ui.dup.merge_line", merged=m.merged.name, kept=m.kept.name, code=m.kept.household_code,
                when=m.merged_at.astimezone().strftime("%Y-%m-%d %H:%M"), who=m.merged_by or "—")))
        if self.merges:
            self.merge_list.setCurrentRow(0)
        self.undo_button.setEnabled(bool(self.merges))
        self._show_selected()
        self._update_title()
        self.sig_count.emit(len(self.proposals))

    def selected(self) -> ProposalItem | None:
        row = self.list.currentRow()
        return self.proposals[row] if 0 <= row < len(self.proposals) else None

    def _show_selected(self) -> None:
        p = self.selected()
        for w in (self.keep_left_button, self.keep_right_button, self.different_button):
            w.setEnabled(p is not None)
        self.left.show_card(p.a if p else None, p.b if p else None)
        self.right.show_card(p.b if p else None, p.a if p else None)
        self.reason.setText(tr(f"merge.ui.dup.reason.{p.reason}") if p else "")

    def _update_title(self) -> None:
        n = len(self.proposals)
        self.title.setText(tr("merge.ui.dup.open", n=n) if n else tr("merge.ui.dup.none"))

    # ----------------------------------------------------------------- deciding
    def merge(self, *, keep_left: bool) -> None:
        p = self.selected()
        if p is None:
            return
        keep, gone = (p.a, p.b) if keep_left else (p.b, p.a)
        self.runner.op(duplicates.merge_people, keep.id, gone.id, changes=CHANGES, owner=self, on_error=self._error,
                       on_done=lambda _id: self.message.setText(tr("merge.ui.dup.merged", merged=gone.name,
                                                                    kept=keep.name)))

    def not_duplicate(self) -> None:
        p = self.selected()
        if p is None:
            return
        self.runner.op(duplicates.mark_not_duplicate, p.id, changes={"duplicate_proposal"}, owner=self,
                       on_error=self._error,
                       on_done=lambda _r: self.message.setText(tr("merge.ui.dup.kept_apart", a=p.a.name, b=p.b.name)))

    def undo_merge(self) -> None:
        row = self.merge_list.currentRow()
        if not 0 <= row < len(self.merges):
            return
        m = self.merges[row]
        self.runner.op(duplicates.unmerge_people, m.merged.id, changes=CHANGES, owner=self, on_error=self._error,
                       on_done=lambda _id: self.message.setText(tr("merge.ui.dup.unmerged", name=m.merged.name)))

    def scan(self) -> None:
        self.runner.op(scan_job, changes={"duplicate_proposal"}, owner=self, on_error=self._error,
                       on_done=lambda n: self.message.setText(tr("merge.ui.dup.scanned", n=n)))

    # ----------------------------------------------------------------- language, closing
    def retranslate(self) -> None:
        self.scan_button.setText(tr("merge.ui.dup.scan"))
        self.left.setTitle(tr("merge.ui.dup.left"))
        self.right.setTitle(tr("merge.ui.dup.right"))
        self.left.retranslate()
        self.right.retranslate()
        self.keep_left_button.setText(tr("merge.ui.dup.keep_left"))
        self.keep_right_button.setText(tr("merge.ui.dup.keep_right"))
        self.different_button.setText(tr("merge.ui.dup.different"))
        self.merges_label.setText(tr("merge.ui.dup.merges"))
        self.undo_button.setText(tr("merge.ui.dup.undo"))
        self._update_title()
        self._show_selected()
