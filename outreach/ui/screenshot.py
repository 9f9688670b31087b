"""``outreach gui --screenshot FILE --quit-after-ms N`` (hidden options): prove that an installed build
draws its window, then leave.

The packaging smoke test (packaging/test-deb-in-clean-root.sh) starts the frozen app offscreen in a
root without Python. Armed before ``run_gui``, this waits for the main window's first paint, lets N more
milliseconds of events run, saves the window to FILE and quits the event loop (exit code 0). If no main
window is painted within ``give_up_ms`` — a setup wizard is waiting, or start-up hangs — it saves what
is on screen (if anything) and exits with code 4, so a script never waits forever.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

EXIT_NO_WINDOW = 4


def arm(path: str | Path, quit_after_ms: int = 0, *, give_up_ms: int = 60_000):
    """Create the QApplication (``run_gui`` reuses it) with the screenshot hook installed."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from outreach.ui.app import create_application

    app = create_application()
    started = time.perf_counter()
    target = Path(path)

    class _FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__(app)
            self.done = False

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
            if (not self.done and event.type() == QEvent.Type.Paint and obj.isWidgetType()
                    and obj.window().objectName() == "MainWindow"):
                self.done = True
                window = obj.window()
                print(f"first paint after {(time.perf_counter() - started) * 1000:.0f} ms", file=sys.stderr)
                QTimer.singleShot(max(0, quit_after_ms), lambda: _save_and_quit(app, window, target, 0))
            return False

    hook = _FirstPaint()
    app.installEventFilter(hook)

    def give_up() -> None:
        if not hook.done:
            print("no main window was painted", file=sys.stderr)
            _save_and_quit(app, QApplication.activeWindow() or QApplication.activeModalWidget(), target,
                           EXIT_NO_WINDOW)

    QTimer.singleShot(give_up_ms, give_up)
    return app


def _save_and_quit(app, window, target: Path, code: int) -> None:
    from PySide6.QtWidgets import QDialog

    if window is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(target)):
            print(f"could not write {target}", file=sys.stderr)
            code = code or EXIT_NO_WINDOW
    modal = app.activeModalWidget()
    if isinstance(modal, QDialog):  # a wizard's own event loop must end before the main one can
        modal.reject()
    app.exit(code)
