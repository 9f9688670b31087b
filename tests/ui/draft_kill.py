"""Run a form in a child process, kill it (SIGKILL) the moment its first draft is on disk, and return
what it printed: the shared half of the "a draft survives a killed process" tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The child opens the store in argv[1]; the test's code makes ``form`` (argument argv[2]) and ``fill()``.
HEAD = """
import sys
from outreach.storage.store import Store
from outreach.ui.app import build_context, create_application

store = Store.open(sys.argv[1])
app = create_application()
ctx = build_context(store, app)
"""
TAIL = """
def written(key):
    print("DRAFT-SAVED " + key, flush=True)   # the parent kills us now: nothing gets to clean up

form.sig_ready.connect(fill)
form.sig_draft_saved.connect(written)
form.show()
print("STARTED", flush=True)
app.exec()
"""


def kill_when_draft_saved(form_code: str, data: Path, argument: str) -> list[str]:
    """``form_code`` defines ``form`` and ``fill``; the child is killed once it says a draft was
    written. Returns the lines it printed (the last one names the draft's key)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", HEAD + form_code + TAIL, str(data), argument],
                             stdout=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, child.kill)  # only if the child hangs: the test then fails
    watchdog.start()
    lines = []
    try:
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("DRAFT-SAVED"):
                child.send_signal(signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        child.wait()
    assert child.returncode == -signal.SIGKILL, (child.returncode, lines)
    return lines
