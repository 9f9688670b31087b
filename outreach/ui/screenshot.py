"""``outreach gui --screenshot FILE --quit-after-ms N`` (hidden options): prove that an installed build
draws its window, then leave.

The packaging smoke test (packaging/test-deb-in-clean-root.sh) starts the frozen app offscreen in a
root without Python. Armed before ``run_gui``, this waits for the main window's first paint, lets N more
milliseconds of events run, saves the window to FILE and quits the event loop (exit code 0). If no main
window is painted within ``give_up_ms`` — a setup wizard is waiting, or start-up hangs — it saves what
is on screen (if anything) and exits with code 4, so a script never waits forever.
"""

from __future__ import annotations

import os
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
                age = _process_age_ms()
                since_start = f" ({age:.0f} ms after the process started)" if age is not None else ""
                print(f"first paint {(time.perf_counter() - started) * 1000:.0f} ms after the window was "
                      f"requested{since_start}", file=sys.stderr)
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


def _process_age_ms() -> float | None:
    """Milliseconds since this process started (Linux /proc; None elsewhere): start-up cost before
    Python ran, imports included."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return (uptime - start_ticks / os.sysconf("SC_CLK_TCK")) * 1000
    except (OSError, ValueError, IndexError):
        return None


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
