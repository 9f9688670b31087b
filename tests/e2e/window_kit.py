"""Helpers for driving the real window as a user does: click a button and take the dialog it opened,
answer a modal dialog (file chooser, village picker, question) that blocks in ``exec()``, type text
as an input method commits it, and save what the screen shows to /tmp/qa for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QWidget

from tests.ui.conftest import type_text, wait_idle

__all__ = ["answer_modal", "choose_file", "click", "newest_dialog", "shot", "type_text", "wait_idle"]

SHOTS = Path(os.environ.get("OUTREACH_QA_SHOTS", "/tmp/qa"))


def click(qtbot, button) -> None:
    """A left click in the middle of a visible, enabled button."""
    from PySide6.QtCore import Qt

    assert button.isVisible(), f"{button.text()!r} is not visible"
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def newest_dialog(qtbot, cls: type, *, timeout: int = 20000, not_in: tuple = ()) -> QDialog:
    """The visible dialog of class ``cls`` that a click has just opened (with ``open()``)."""
    found: list = []

    def look() -> bool:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, cls) and w.isVisible() and w not in not_in and shiboken6.isValid(w):
                found[:] = [w]
                return True
        return False

    qtbot.waitUntil(look, timeout=timeout)
    return found[0]


def answer_modal(cls: type, action: Callable[[QWidget], None], *, timeout_ms: int = 20000) -> dict:
    """Before something that blocks in ``dialog.exec()``: when a modal of class ``cls`` appears, run
    ``action(dialog)`` (which should accept or reject it). Returns a dict that gets ``seen`` = the
    dialog's window title once answered."""
    state: dict = {"ms": 0}

    def poll() -> None:
        state["ms"] += 30
        w = QApplication.activeModalWidget()
        if not isinstance(w, cls) and cls is not QDialog:
            w = next((t for t in QApplication.topLevelWidgets() if type(t) is cls and t.isVisible()), w)
        if isinstance(w, cls) and w.isVisible():
            state["seen"] = w.windowTitle()
            state["text"] = " ".join(label.text() for label in w.findChildren(_label_class()))
            action(w)
        elif state["ms"] < timeout_ms:
            QTimer.singleShot(30, poll)

    QTimer.singleShot(30, poll)
    return state


def _label_class():
    from PySide6.QtWidgets import QLabel

    return QLabel


def choose_file(path: str | Path) -> dict:
    """Answer the next Qt file chooser (open, save or folder) by typing ``path`` into its file-name box
    and pressing its OK button, as a user does."""
    def pick(dialog: QFileDialog) -> None:
        from PySide6.QtWidgets import QLineEdit

        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        dialog.accept()
    return answer_modal(QFileDialog, pick)


def shot(widget: QWidget, name: str, size: tuple[int, int] | None = None) -> Path:
    """Save what ``widget`` shows to /tmp/qa/<name>.png (at ``size`` if given)."""
    from outreach.i18n import current_language

    SHOTS.mkdir(parents=True, exist_ok=True)
    if name.endswith("-zh"):        # the walk's names: saved under the language it ran in
        name = name[:-3] + "-" + current_language()
    if size is not None and widget.isWindow():
        widget.resize(*size)
    QApplication.processEvents()
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path
