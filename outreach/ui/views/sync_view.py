"""The sync screen: a worker exports her bundle and imports her downlink; the lead imports many bundles
at once (progress, cancel), sees each laptop's sync state and exports downlinks for every laptop.

    view = SyncView(store, runner)        # the app passes its DbRunner (one database thread)

All work runs on the database thread. The keys are unlocked once with the passphrase (Argon2id takes
a moment, so that runs there too) and kept in memory only while the screen lives or until "Lock".
Each file's result is one clear line in the log, in the user's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import Msg, tr
from outreach.storage.tables import SYNCED_TABLES
from outreach.sync import team as T
from outreach.sync import transport
from outreach.sync.keys import KeyRing
from outreach.ui.workers import DbRunner, JobCancelled

CHANGES = frozenset(SYNCED_TABLES) | {"sync", "merge_conflict", "duplicate_proposal"}
COLUMNS = ("name", "worker", "villages", "status", "last", "when", "gaps", "conflicts")
_Index = QModelIndex | QPersistentModelIndex


# --------------------------------------------------------------------------- jobs (database thread)
def load_state(store) -> dict[str, Any]:
    return transport.status_report(store)


def unlock_keys(store, passphrase: str) -> KeyRing:
    return T.unlock(store, passphrase)


def import_job(store, ring: KeyRing, paths: list[str], sink: list, *, progress=None) -> list:
    """Import files one by one; ``sink`` gets each result as it is done (kept if the user cancels)."""
    return transport.import_bundles(store, ring, paths, progress=progress, on_result=sink.append)


def export_job(store, ring: KeyRing, folder: str, *, to: str | None = None, full: bool = False):
    return transport.export_bundle(store, ring, out=Path(folder), to=to, full=full)


def export_all_job(store, ring: KeyRing, folder: str, *, full: bool = False, progress=None):
    return transport.export_downlinks(store, ring, Path(folder), full=full, progress=progress)


# --------------------------------------------------------------------------- the status table
class SyncStatusModel(QAbstractTableModel):
    """One row per device of the team: who, villages, state, last bundle, gaps, open conflicts."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.devices: list[dict[str, Any]] = []

    def set_devices(self, devices: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.devices = list(devices)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.devices)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(f"sync.ui.col.{COLUMNS[section]}")
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.devices):
            return None
        d = self.devices[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(d, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "status" and d["status"] == "revoked":
                return QColor("#a33")
            if column == "gaps" and d["gaps"]:
                return QColor("#b60")
        if role == Qt.ItemDataRole.ToolTipRole and column == "name":
            return f"{d['device_id']}\n{tr('sync.ui.fingerprint', fingerprint=d['fingerprint'] or '—')}"
        if role == Qt.ItemDataRole.UserRole:
            return d["device_id"]
        return None

    @staticmethod
    def _text(d: dict[str, Any], column: str) -> str:
        last = d["last_bundle"]
        if column == "name":
            return d["name"] + (f" ({tr('sync.role.lead')})" if d["role"] == "lead" else "")
        if column == "worker":
            return d["worker"]
        if column == "villages":
            return ", ".join(d.get("village_names") or d["villages"]) or ("—" if d["role"] != "lead" else tr("sync.ui.all"))
        if column == "status":
            return tr(f"sync.status.{d['status']}")
        if column == "last":
            return f"#{last['seq']}" if last else "—"
        if column == "when":
            return (last["recorded_at"] or "")[:16].replace("T", " ") if last else "—"
        if column == "gaps":
            return ", ".join(f"#{n}" for n in d["gaps"])
        if column == "conflicts":
            return str(d["open_conflicts"] or "")
        return ""


# --------------------------------------------------------------------------- the screen
class SyncView(QWidget):
    """Export / import bundles and the team's sync state (standalone; the main window embeds it)."""

    sig_imported = Signal(object)     # list[ImportResult] after an import finished
    view_name = "sync"

    def __init__(self, store, runner: DbRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._own_runner = runner is None
        self.runner = runner or DbRunner(store, self)
        self.ring: KeyRing | None = None
        self.state: dict[str, Any] = {}

        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.fingerprint = QLabel(self)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self.unlock)
        self.unlock_button = QPushButton(self)
        self.unlock_button.clicked.connect(self.unlock)
        self.lock_button = QPushButton(self)
        self.lock_button.clicked.connect(self.lock)
        self.key_state = QLabel(self)

        self.export_button = QPushButton(self)          # worker: my bundle
        self.export_button.clicked.connect(self._choose_export)
        self.import_button = QPushButton(self)          # worker: downlink; lead: many bundles
        self.import_button.clicked.connect(self._choose_import)
        self.export_all_button = QPushButton(self)      # lead: downlinks for every laptop
        self.export_all_button.clicked.connect(self._choose_export_all)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)

        self.model = SyncStatusModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.log = QListWidget(self)
        self.log.setWordWrap(True)

        keys_row = QHBoxLayout()
        self.passphrase_label = QLabel(self)
        for w in (self.passphrase_label, self.passphrase, self.unlock_button, self.lock_button, self.key_state):
            keys_row.addWidget(w)
        keys_row.addStretch(1)
        actions = QHBoxLayout()
        for w in (self.export_button, self.import_button, self.export_all_button, self.refresh_button):
            actions.addWidget(w)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.fingerprint)
        layout.addLayout(keys_row)
        layout.addLayout(actions)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.log, 1)
        self.retranslate()
        self.refresh()

    # ----------------------------------------------------------------- state
    @property
    def is_lead(self) -> bool:
        return self.state.get("role") == "lead"

    def refresh(self) -> None:
        self.runner.query(load_state, on_done=self._show_state, key="sync-state", owner=self)

    def _show_state(self, state: dict[str, Any]) -> None:
        self.state = state
        self.model.set_devices(state.get("devices", []))
        self._update()

    def _update(self) -> None:
        s = self.state
        team = s.get("team")
        if team is None:
            self.title.setText(tr("sync.ui.no_team", device=s.get("device_name", "")))
        else:
            self.title.setText(tr("sync.ui.team_line", team=team["name"] or team["team_id"][:8],
                                  role=tr(f"sync.role.{s['role']}"), status=tr(f"sync.status.{s['status']}"),
                                  device=s["device_name"]))
        self.fingerprint.setText(tr("sync.ui.fingerprint", fingerprint=s["fingerprint"]) if s.get("fingerprint") else "")
        unlocked = self.ring is not None
        self.key_state.setText(tr("sync.ui.unlocked") if unlocked else tr("sync.ui.locked"))
        for w in (self.passphrase, self.unlock_button, self.passphrase_label):
            w.setVisible(team is not None and not unlocked)
        self.lock_button.setVisible(unlocked)
        self.export_button.setVisible(team is not None and not self.is_lead)
        self.export_all_button.setVisible(self.is_lead)
        self.import_button.setVisible(team is not None)
        for w in (self.export_button, self.import_button, self.export_all_button):
            w.setEnabled(unlocked)
        self.import_button.setText(tr("sync.ui.import_many") if self.is_lead else tr("sync.ui.import_downlink"))

    def retranslate(self) -> None:
        self.passphrase_label.setText(tr("sync.ui.passphrase"))
        self.unlock_button.setText(tr("sync.ui.unlock"))
        self.lock_button.setText(tr("sync.ui.lock"))
        self.export_button.setText(tr("sync.ui.export_mine"))
        self.export_all_button.setText(tr("sync.ui.export_all"))
        self.refresh_button.setText(tr("sync.ui.refresh"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self.state:
            self._update()

    # ----------------------------------------------------------------- keys
    def unlock(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()
        self.unlock_button.setEnabled(False)

        def done(ring: KeyRing) -> None:
            self.ring = ring
            self.unlock_button.setEnabled(True)
            self._update()

        def failed(exc: BaseException) -> None:
            self.unlock_button.setEnabled(True)
            self._say_error(exc)

        self.runner.query(unlock_keys, text, on_done=done, on_error=failed, owner=self)

    def lock(self) -> None:
        self.ring = None
        self._update()

    # ----------------------------------------------------------------- actions (paths given: testable)
    def import_files(self, paths: list[str]) -> None:
        """Import bundles with a cancellable progress dialog; one result line per file."""
        if self.ring is None or not paths:
            return
        files = [str(p) for p in transport.expand_paths([Path(p) for p in paths])]
        sink: list = []

        def finished(results: list) -> None:
            self._show_results(results)

        def stopped(exc: BaseException) -> None:
            self._show_results(sink)
            if isinstance(exc, JobCancelled):
                self._say(Msg("sync.ui.cancelled", {"done": len(sink), "total": len(files)}), warn=True)
            else:
                self._say_error(exc)
            self.refresh()

        self.runner.run_with_progress(import_job, self.ring, files, sink, title=tr("sync.ui.importing"),
                                      parent=self, changes=CHANGES, on_done=finished, on_error=stopped)

    def export_mine(self, folder: str, *, full: bool = False) -> None:
        if self.ring is None:
            return
        self.runner.op(export_job, self.ring, folder, full=full, changes={"sync"},
                       on_done=self._exported, on_error=self._say_error, owner=self)

    def export_all(self, folder: str, *, full: bool = False) -> None:
        if self.ring is None:
            return
        self.runner.run_with_progress(export_all_job, self.ring, folder, full=full, title=tr("sync.ui.exporting"),
                                      parent=self, changes={"sync"}, on_done=self._exported_all,
                                      on_error=self._say_error)

    def _choose_import(self) -> None:
        if self.is_lead:
            paths, _ = QFileDialog.getOpenFileNames(self, tr("sync.ui.import_many"), "", tr("sync.ui.file_filter"))
        else:
            path, _ = QFileDialog.getOpenFileName(self, tr("sync.ui.import_downlink"), "", tr("sync.ui.file_filter"))
            paths = [path] if path else []
        self.import_files(paths)

    def _choose_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("sync.ui.export_mine"))
        if folder:
            self.export_mine(folder)

    def _choose_export_all(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("sync.ui.export_all"))
        if folder:
            self.export_all(folder)

    # ----------------------------------------------------------------- results
    def _show_results(self, results: list) -> None:
        for r in results:
            self._say(Msg(f"sync.ui.line_{r.status}", {"file": Path(r.path).name, "message": r.text()}),
                      warn=not r.ok)
        if results:
            self.sig_imported.emit(results)
        self.refresh()

    def _exported(self, result) -> None:
        self._say(Msg("sync.cli.exported", {"path": str(result.path), "to": result.recipient_name,
                                            "seq": result.seq, "changes": result.changes}))
        self.refresh()

    def _exported_all(self, results: list) -> None:
        for r in results:
            self._exported(r)
        if not results:
            self._say(Msg("sync.ui.nobody"), warn=True)

    def _say(self, msg: Msg, *, warn: bool = False) -> None:
        item = QListWidgetItem(msg.text())
        if warn:
            item.setForeground(QColor("#a33"))
        self.log.insertItem(0, item)

    def _say_error(self, exc: BaseException) -> None:
        from outreach.domain.errors import OutreachError

        if isinstance(exc, OutreachError):
            self._say(exc.msg, warn=True)
        else:
            self._say(Msg("sync.refused.internal", {"error": f"{type(exc).__name__}: {exc}"}), warn=True)

    def log_lines(self) -> list[str]:
        return [self.log.item(i).text() for i in range(self.log.count())]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.ring = None
        if self._own_runner:
            self.runner.shutdown()
        super().closeEvent(event)
