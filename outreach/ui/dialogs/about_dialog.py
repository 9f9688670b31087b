"""Help → About: the version, and where this computer keeps the data — the folder, the database file and
the log folder — so a social worker can tell support (or a colleague backing up the laptop) exactly
which files matter. Paths are selectable, can be copied in one go, and the data folder opens in the
file manager."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from outreach import __version__
from outreach.i18n import tr

LOG_FOLDER = "logs"  # outreach/logs.py writes <data folder>/logs/outreach.log


@dataclass(frozen=True)
class AboutFacts:
    version: str
    data_folder: Path | None  # None: an in-memory store (tests, previews)
    database: Path | str | None   # str: the PostgreSQL server's URL without its password (issue 15)
    logs: Path | None
    program: str
    runtime: str

    @classmethod
    def for_store(cls, store) -> AboutFacts:
        path = getattr(store, "path", None)
        folder = Path(path).parent if path is not None else None
        frozen = getattr(sys, "frozen", False)
        program = str(Path(sys.executable).resolve().parent) if frozen else str(Path(__file__).resolve().parents[2])
        return cls(version=__version__, data_folder=folder,
                   database=getattr(store, "url", None) or (Path(path) if path is not None else None),
                   logs=folder / LOG_FOLDER if folder is not None else None,
                   program=program,
                   runtime=f"Python {sys.version.split()[0]} · Qt {qVersion()}")

    def rows(self) -> list[tuple[str, str]]:
        def shown(p: Path | str | None) -> str:
            return str(p) if p is not None else tr("about.in_memory")

        return [(tr("about.version"), self.version), (tr("about.data_folder"), shown(self.data_folder)),
                (tr("about.database"), shown(self.database)), (tr("about.logs"), shown(self.logs)),
                (tr("about.program"), self.program), (tr("about.runtime"), self.runtime)]

    def as_text(self) -> str:
        return "\n".join([tr("about.name")] + [f"{label}: {value}" for label, value in self.rows()])


class AboutDialog(QDialog):
    def __init__(self, store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle(tr("about.title"))
        self.facts = AboutFacts.for_store(store)
        heading = QLabel(f"<b>{tr('about.name')}</b> {self.facts.version}", self)
        tagline = QLabel(tr("about.tagline"), self)
        tagline.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in self.facts.rows():
            field = QLabel(value, self)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            self.values[label] = field
            form.addRow(label, field)
        credits = QLabel(f"{tr('about.licence')}\n{tr('about.font')}", self)
        credits.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.open_button = QPushButton(tr("about.open_folder"), self)
        self.open_button.setEnabled(self.facts.data_folder is not None)
        self.open_button.clicked.connect(self.open_data_folder)
        self.copy_button = QPushButton(tr("about.copy"), self)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(tagline)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(credits)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.facts.as_text())

    def open_data_folder(self) -> bool:
        if self.facts.data_folder is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.facts.data_folder)))


def show_about(ctx, parent: QWidget | None = None) -> None:
    """Help → About (modal)."""
    AboutDialog(ctx.store, parent).exec()
