"""The message log the Sync and County hub screens share: newest line first, warnings in red, every
error said in the user's language (an unexpected one named, never a traceback)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from outreach.domain.errors import OutreachError
from outreach.i18n import Msg
from outreach.ui.views.screen_runner import ScreenRunner

WARN = "#a33"


class MessageLog(ScreenRunner):
    """Mixed into a QWidget that has ``self.log`` (a QListWidget) and ``self.ring`` (unlocked keys, or
    None); its database thread is the ScreenRunner's."""

    log: QListWidget

    def _say(self, msg: Msg, *, warn: bool = False) -> None:
        item = QListWidgetItem(msg.text())
        if warn:
            item.setForeground(QColor(WARN))
        self.log.insertItem(0, item)

    def _say_error(self, exc: BaseException) -> None:
        if isinstance(exc, OutreachError):
            self._say(exc.msg, warn=True)
        else:
            self._say(Msg("sync.refused.internal", {"error": f"{type(exc).__name__}: {exc}"}), warn=True)

    def log_lines(self) -> list[str]:
        return [self.log.item(i).text() for i in range(self.log.count())]

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.ring = None          # the unlocked keys go with the screen
        super().closeEvent(event)   # and its own database thread, if it has one
