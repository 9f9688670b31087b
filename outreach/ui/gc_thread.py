"""Python's cyclic garbage collector runs on the GUI thread only while the window is up.

A collection starts on whichever thread happens to allocate, and the database thread allocates most.
When it frees a reference cycle that holds a Qt object (a finished job's callback bound to a dialog
that has since closed, say), that object is destroyed on the database thread, which Qt does not allow:
a rare crash (seen once as a segfault inside a collection on the database thread). So while a window
context lives, automatic collection is off and a timer on the GUI thread collects whenever the counts
say Python itself would have. Reference counting still frees everything that is not in a cycle at
once, on any thread, as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 250


class GuiThreadCollector(QObject):
    """Automatic collection off from construction to :meth:`close`; the GUI thread collects instead.
    Several may live at once (two windows in a test): the collector is switched back on when the last
    one closes, and only if it was on before the first."""

    _alive = 0
    _was_enabled = True

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if GuiThreadCollector._alive == 0:
            GuiThreadCollector._was_enabled = gc.isenabled()
            gc.disable()
        GuiThreadCollector._alive += 1
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the generation Python would have collected by now (the youngest when in doubt);
        the number of unreachable objects found."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if t0 <= 0:          # the program switched collection off altogether: leave it so
            return 0
        if c2 > t2:
            return gc.collect(2)
        if c1 > t1:
            return gc.collect(1)
        if c0 > t0:
            return gc.collect(0)
        return 0

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        gc.collect()    # what the window left behind, here on the GUI thread
        GuiThreadCollector._alive -= 1
        if GuiThreadCollector._alive == 0 and GuiThreadCollector._was_enabled:
            gc.enable()
