"""Villages and groups (村组管理): the team's area tree, kept by the lead. Add, rename, move or archive a
village or group, or import an area list (the simple CSV, or the national statistical division codes
统计用区划代码; GBK files from Chinese Excel open too) — the import runs on the database thread with a
progress dialog. On a worker's laptop the tree is read-only, with a note saying who keeps it.

The actions take their answers as arguments (``rename(area_id, name)``…) so tests drive them; the
``_choose_*`` slots ask the user first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import AreaLevel
from outreach.i18n import tr
from outreach.ui import reference_ops as ops
from outreach.ui.models.area_tree_model import ID_ROLE, AreaTreeModel
from outreach.ui.widgets import ErrorLabel

PARENT_LEVEL = {"group": "village", "village": "township", "township": "county", "county": "city"}


class AreasDialog(QDialog):
    sig_changed = Signal()   # the tree was changed here (the first-run setup reloads its villages)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("areasDialog")
        self.role: ops.Role | None = None
        self.areas: list = []
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.model = AreaTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setHeaderHidden(True)
        self.tree.setModel(self.model)
        self.tree.selectionModel().currentChanged.connect(lambda *_a: self._update_buttons())
        self.show_archived = QCheckBox(self)      # archived areas, to restore one archived by mistake
        self.show_archived.toggled.connect(lambda _c: self.reload())
        self.error = ErrorLabel(self)
        self.status = QLabel(self)   # what the last action did (kept across reloads)
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        column = QVBoxLayout()
        for name, slot in (("add", self._choose_add), ("rename", self._choose_rename), ("move", self._choose_move),
                           ("archive", self._choose_archive), ("import", self._choose_import)):
            button = QPushButton(self)
            button.clicked.connect(slot)
            column.addWidget(button)
            self.buttons[name] = button
        column.addStretch(1)
        column.addWidget(self.show_archived)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        column.addWidget(self.close_button)
        row = QHBoxLayout()
        row.addWidget(self.tree, 1)
        row.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(row, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        self.resize(720, 560)
        self.retranslate()
        ctx.runner.sig_changed.connect(self._data_changed)
        self.reload()

    # ----------------------------------------------------------------- loading
    def reload(self) -> None:
        self.ctx.runner.query(ops.load_areas, self.show_archived.isChecked(), on_done=self._loaded, owner=self,
                              key=f"areas-{id(self)}")

    loaded = False

    def _loaded(self, result) -> None:
        self.role, self.areas = result
        selected = self.selected_id()
        self.model.set_areas(self.areas)
        for area in self.areas:
            item = self.model.item_for(area.id) if getattr(area, "archived", False) else None
            if item is not None:
                item.setText(tr("ui.dayone.directory.archived_name", name=area.name))
                item.setForeground(QBrush(QColor("#888")))
        self.tree.expandToDepth(2)
        item = self.model.item_for(selected)
        if item is not None:
            self.tree.setCurrentIndex(item.index())
        self.loaded = True
        self._update_note()
        self._update_buttons()

    def _data_changed(self, changes) -> None:
        if "area" in changes:
            self.reload()

    # ----------------------------------------------------------------- state
    @property
    def can_edit(self) -> bool:
        return self.role is not None and self.role.can_edit

    def selected_id(self) -> str:
        index = self.tree.currentIndex()
        return str(index.data(ID_ROLE) or "") if index.isValid() else ""

    def selected(self):
        return self.area(self.selected_id())

    def area(self, area_id: str):
        return next((a for a in self.areas if a.id == area_id), None)

    def select(self, area_id: str) -> None:
        item = self.model.item_for(area_id)
        if item is not None:
            self.tree.setCurrentIndex(item.index())

    def _update_note(self) -> None:
        if self.role is None:
            return
        if not self.can_edit:
            self.note.setText(tr("ui.dayone.readonly_note", lead=self.role.maintainer or tr("ui.dayone.the_lead")))
        elif not self.areas:
            self.note.setText(tr("ui.dayone.areas.empty"))
        else:
            self.note.setText(tr("ui.dayone.areas.note"))

    def _update_buttons(self) -> None:
        area = self.selected()
        for name, button in self.buttons.items():
            button.setVisible(self.can_edit)
            button.setEnabled(self.can_edit and (area is not None or name in ("add", "import")))
        # groups have no children; the root of an empty tree is added with the top-level form
        if area is not None and (area.level == AreaLevel.GROUP.value or getattr(area, "archived", False)):
            self.buttons["add"].setEnabled(False)
        archived = area is not None and getattr(area, "archived", False)
        self.buttons["archive"].setText(tr("ui.dayone.directory.restore" if archived else "ui.dayone.areas.archive"))
        self.show_archived.setVisible(self.can_edit)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("ui.dayone.areas.title"))
        for name, button in self.buttons.items():
            button.setText(tr(f"ui.dayone.areas.{name}"))
        self.close_button.setText(tr("ui.dayone.close"))
        self.show_archived.setText(tr("ui.dayone.directory.show_archived"))
        self.model.retranslate()
        self._update_note()

    # ----------------------------------------------------------------- actions (testable)
    def _run(self, fn, *args, **kwargs) -> None:
        self.error.show_message("")
        self.ctx.runner.op(fn, *args, changes={"area"}, owner=self, on_done=lambda _r: self.sig_changed.emit(),
                           on_error=self._failed, **kwargs)

    def _failed(self, exc: BaseException) -> None:
        from outreach.domain.errors import OutreachError, ValidationError

        if isinstance(exc, ValidationError):
            self.error.show_message(tr("ui.punct.error_sep").join(e.message() for e in exc.errors))
        elif isinstance(exc, OutreachError):
            self.error.show_message(exc.message())
        else:
            self.ctx.runner.show_error(exc)

    def rename(self, area_id: str, name: str) -> None:
        self._run(ops.rename_area, area_id, name.strip())

    def move(self, area_id: str, parent_id: str) -> None:
        self._run(ops.move_area, area_id, parent_id)

    def archive(self, area_id: str, archived: bool = True) -> None:
        self._run(ops.archive_area, area_id, archived)

    def import_file(self, path: str) -> None:
        def done(added: int) -> None:
            self.error.show_message("")
            self.status.setText(tr("ui.areas.imported", n=added))
            self.sig_changed.emit()

        self.ctx.runner.run_with_progress(ops.import_areas, path, title=tr("ui.areas.import_title"), parent=self,
                                          changes={"area"}, on_done=done, on_error=self._import_failed)

    def _import_failed(self, exc: BaseException) -> None:
        from outreach.ui.workers import JobCancelled

        if not isinstance(exc, JobCancelled):
            self._failed(exc)

    def add_form(self, parent_id: str | None = None):
        """The form for a new area under ``parent_id`` (default: the selected one), already open."""
        from outreach.ui.dialogs.area_form import AreaForm

        parent = self.area(parent_id) if parent_id is not None else self.selected()
        form = AreaForm(self.ctx, self, areas=self.areas, parent_area=parent)
        form.sig_saved.connect(lambda area_id: (self.sig_changed.emit(), self._select_later(area_id)))
        form.finished.connect(form.deleteLater)
        form.open()
        return form

    def _select_later(self, area_id: str) -> None:
        self.ctx.runner.query(ops.load_areas, owner=self, on_done=lambda r: (self._loaded(r), self.select(area_id)))

    # ----------------------------------------------------------------- asking
    def _choose_add(self) -> None:
        self.add_form()

    def _choose_rename(self) -> None:
        area = self.selected()
        if area is None:
            return
        name, ok = QInputDialog.getText(self, tr("ui.dayone.areas.rename"), tr("ui.dayone.areas.new_name"),
                                        text=area.name)
        if ok and name.strip() and name.strip() != area.name:
            self.rename(area.id, name)

    def parent_choices(self, area_id: str) -> list:
        area = self.area(area_id)
        if area is None:
            return []
        level = PARENT_LEVEL.get(area.level)
        return [a for a in self.areas if a.level == level and a.id != area.parent_id]

    def _choose_move(self) -> None:
        area = self.selected()
        choices = self.parent_choices(area.id) if area else []
        if area is None:
            return
        if not choices:
            self.error.show_message(tr("ui.dayone.areas.nowhere_to_move", name=area.name))
            return
        labels = [f"{a.name}  {a.id}" for a in choices]
        label, ok = QInputDialog.getItem(self, tr("ui.dayone.areas.move"),
                                         tr("ui.dayone.areas.move_to", name=area.name), labels, 0, False)
        if ok:
            self.move(area.id, choices[labels.index(label)].id)

    def _choose_archive(self) -> None:
        area = self.selected()
        if area is None:
            return
        if getattr(area, "archived", False):
            self.archive(area.id, False)
            return
        answer = QMessageBox.question(self, tr("ui.dayone.areas.archive"),
                                      tr("ui.dayone.areas.archive_confirm", name=area.name))
        if answer == QMessageBox.StandardButton.Yes:
            self.archive(area.id)

    def _choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, tr("ui.areas.import_title"), "",
                                                    tr("ui.areas.import_filter"))
        if path:
            self.import_file(path)


def open_areas(ctx, parent: QWidget | None) -> AreasDialog:
    dialog = AreasDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
