"""The service directory (服务资源库): providers a worker refers people to. The lead adds, edits and
archives them, imports and exports the CSV, and accepts or dismisses what workers suggest; a worker
sees the team's directory read-only, with a note saying who keeps it, and may suggest a provider.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import ProviderCategory
from outreach.i18n import current_language, tr
from outreach.ui import reference_ops as ops
from outreach.ui.widgets import ErrorLabel, SearchBox

COLUMNS = ("name", "category", "services", "phone", "address")


class ProviderTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list = []

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(f"letters.csv.col.{COLUMNS[section]}")
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "category":
                return ProviderCategory.label_of(p.category)
            text = getattr(p, column) or ""
            if column == "name" and p.archived:
                return tr("ui.dayone.directory.archived_name", name=text)
            return text
        if role == Qt.ItemDataRole.ForegroundRole and p.archived:
            return Qt.GlobalColor.gray
        if role == Qt.ItemDataRole.ToolTipRole and column in ("services", "address"):
            return getattr(p, column) or None
        return None


class DirectoryDialog(QDialog):
    sig_changed = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("directoryDialog")
        self.directory: ops.Directory | None = None
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.search = SearchBox(self, delay_ms=200)
        self.search.sig_search.connect(lambda _t: self.reload())
        self.show_archived = QCheckBox(self)
        self.show_archived.toggled.connect(lambda _c: self.reload())
        self.model = ProviderTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self._choose_edit())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.error = ErrorLabel(self)
        self.status = QLabel(self)   # what the last action did (kept across reloads)
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for name, slot in (("add", self._choose_add), ("edit", self._choose_edit), ("archive", self._toggle_archive),
                           ("import", self._choose_import), ("export", self._choose_export),
                           ("suggest", self._choose_suggest)):
            button = QPushButton(self)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[name] = button
        bar.addStretch(1)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        bar.addWidget(self.close_button)
        # the lead's queue of providers workers suggested
        self.queue_box = QGroupBox(self)
        self.queue = QListWidget(self.queue_box)
        self.queue.setMaximumHeight(110)
        self.accept_button = QPushButton(self.queue_box)
        self.accept_button.clicked.connect(lambda: self._decide(True))
        self.dismiss_button = QPushButton(self.queue_box)
        self.dismiss_button.clicked.connect(lambda: self._decide(False))
        queue_buttons = QVBoxLayout()
        queue_buttons.addWidget(self.accept_button)
        queue_buttons.addWidget(self.dismiss_button)
        queue_buttons.addStretch(1)
        queue_row = QHBoxLayout(self.queue_box)
        queue_row.addWidget(self.queue, 1)
        queue_row.addLayout(queue_buttons)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.show_archived)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.queue_box)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addLayout(bar)
        self.queue_box.hide()
        self.resize(1000, 600)
        self.retranslate()
        ctx.runner.sig_changed.connect(self._data_changed)
        self.reload()

    # ----------------------------------------------------------------- loading
    loaded = False

    def reload(self) -> None:
        self.ctx.runner.query(ops.load_directory, self.search.text().strip(), self.show_archived.isChecked(),
                              on_done=self._loaded, owner=self, key=f"directory-{id(self)}")

    def _loaded(self, directory: ops.Directory) -> None:
        current = self.current()
        self.directory = directory
        self.model.set_rows(directory.providers)
        if current is not None:
            for row, p in enumerate(directory.providers):
                if p.id == current.id:
                    self.table.selectRow(row)
        self.table.resizeColumnsToContents()
        for column, cap in ((0, 260), (2, 260), (3, 140)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), cap))
        self.queue.clear()
        for s in directory.suggestions:
            text = tr("ui.dayone.directory.suggestion", name=s.name, category=ProviderCategory.label_of(s.category),
                      worker=getattr(s, "suggested_by", "") or "—")
            item = QListWidgetItem(text, self.queue)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
        self.queue_box.setVisible(bool(directory.suggestions))
        self.loaded = True
        self._update_note()
        self._update_buttons()

    def _data_changed(self, changes) -> None:
        if changes & {"provider", "provider_suggestion", "sync"}:
            self.reload()

    @property
    def can_edit(self) -> bool:
        return self.directory is not None and self.directory.role.can_edit

    def current(self):
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def select_name(self, name: str) -> bool:
        for row, p in enumerate(self.model.rows):
            if p.name == name:
                self.table.selectRow(row)
                return True
        return False

    def _update_note(self) -> None:
        if self.directory is None:
            return
        role = self.directory.role
        if not role.can_edit:
            self.note.setText(tr("ui.dayone.readonly_note", lead=role.maintainer or tr("ui.dayone.the_lead")))
        elif not self.directory.providers and not self.search.text():
            self.note.setText(tr("ui.dayone.directory.empty"))
        else:
            self.note.setText(tr("ui.dayone.directory.note", count=len(self.directory.providers)))

    def _update_buttons(self) -> None:
        p = self.current()
        for name in ("add", "edit", "archive", "import"):
            self.buttons[name].setVisible(self.can_edit)
        self.buttons["suggest"].setVisible(self.directory is not None and not self.can_edit)
        self.buttons["edit"].setEnabled(p is not None)
        self.buttons["archive"].setEnabled(p is not None)
        self.buttons["archive"].setText(tr("ui.dayone.directory.restore" if p is not None and p.archived
                                           else "ui.dayone.directory.archive"))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("ui.dayone.directory.title"))
        for name, button in self.buttons.items():
            button.setText(tr(f"ui.dayone.directory.{name}"))
        self.close_button.setText(tr("ui.dayone.close"))
        self.search.setPlaceholderText(tr("ui.dayone.directory.search"))
        self.show_archived.setText(tr("ui.dayone.directory.show_archived"))
        self.queue_box.setTitle(tr("ui.dayone.directory.queue"))
        self.accept_button.setText(tr("ui.dayone.directory.accept"))
        self.dismiss_button.setText(tr("ui.dayone.directory.dismiss"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._update_note()
        if self.directory is not None:
            self._update_buttons()

    # ----------------------------------------------------------------- actions (testable)
    def _run(self, fn, *args, done=None) -> None:
        self.error.show_message("")
        self.ctx.runner.op(fn, *args, changes={"provider", "provider_suggestion"}, owner=self,
                           on_done=lambda r: (done(r) if done else None, self.sig_changed.emit()),
                           on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        from outreach.domain.errors import OutreachError

        if isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    def form(self, mode: str, provider=None):
        from outreach.ui.dialogs.provider_form import ProviderForm

        form = ProviderForm(self.ctx, self, mode=mode, provider=provider)
        if mode == "suggest":
            form.sig_saved.connect(lambda _r: self.status.setText(tr("ui.dayone.directory.suggested")))
        form.sig_saved.connect(lambda _r: self.sig_changed.emit())
        form.finished.connect(form.deleteLater)
        form.open()
        return form

    def set_archived(self, provider_id: str, archived: bool) -> None:
        self._run(ops.archive_provider, provider_id, archived)

    def decide(self, suggestion_id: str, accept: bool) -> None:
        self._run(ops.accept_suggestion if accept else ops.dismiss_suggestion, suggestion_id)

    def import_file(self, path: str) -> None:
        def done(result) -> None:
            self.status.setText(tr("ui.dayone.directory.imported", added=result.added, updated=result.updated,
                                 unchanged=result.unchanged))

        self._run(ops.import_providers, path, done=done)

    def export_file(self, path: str) -> None:
        self.error.show_message("")
        self.ctx.runner.query(ops.export_providers, path, current_language(), owner=self, on_error=self._failed,
                              on_done=lambda n: self.status.setText(tr("ui.dayone.directory.exported", count=n, path=path)))

    # ----------------------------------------------------------------- asking
    def _choose_add(self) -> None:
        self.form("new")

    def _choose_edit(self) -> None:
        p = self.current()
        if p is not None and self.can_edit:
            self.form("edit", p)

    def _choose_suggest(self) -> None:
        self.form("suggest")

    def _toggle_archive(self) -> None:
        p = self.current()
        if p is not None:
            self.set_archived(p.id, not p.archived)

    def _decide(self, accept: bool) -> None:
        item = self.queue.currentItem() or self.queue.item(0)
        if item is not None:
            self.decide(item.data(Qt.ItemDataRole.UserRole), accept)

    def _choose_import(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, tr("ui.dayone.directory.import"), "", tr("ui.areas.import_filter"))
        if path:
            self.import_file(path)

    def _choose_export(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, tr("ui.dayone.directory.export"), tr("ui.dayone.directory.file"),
                                               tr("ui.areas.import_filter"))
        if path:
            self.export_file(path if path.lower().endswith(".csv") else path + ".csv")


def open_directory(ctx, parent: QWidget | None, *, suggest: bool = False) -> DirectoryDialog:
    dialog = DirectoryDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
