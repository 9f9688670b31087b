"""Unattended ingestion at the hub: ``outreach hub watch INBOX --outbox DIR [--once]``.

Leads (or a synced / shared folder) drop uplinks into INBOX. Each pass of the watcher:

1. takes the files that are *quiet*: unchanged for ``settle`` seconds by both their modification and
   their status-change time (a copy tool that keeps the original's modification time still changes
   the latter with every write), and — when watching — the same size as on the previous pass; hidden
   files and the usual temporary names of copy tools (``.part``, ``.tmp``, ``~`` …) are never touched;
2. **claims** one by atomic rename into ``INBOX/processing-<pid>/`` — of two watchers (or a watcher
   and a person importing the same folder) exactly one rename succeeds, the other sees the file gone;
3. imports it (``hub_transport.import_file``: verified completely, then one transaction that also
   records the bundle id, so a bundle delivered twice is "already imported", never applied twice);
4. moves it to ``INBOX/done/``, or to ``INBOX/rejected/`` with ``<name>.reason.txt`` saying why in
   the user's language. A file that looks *cut short* (still being copied: age's authentication fails
   at its end, or its header is incomplete) is put back in INBOX and tried again on a later pass; only
   when it has stayed so for ``give_up`` seconds (seen by this watcher; with ``--once``: since its
   last modification) is it rejected;
   A database that is busy or failing is not the file's fault: the file goes back, the pass ends;
5. after the pass, writes a downlink to OUTBOX for every lead whose uplink brought something in.

``--once`` runs one pass and exits (cron, tests). SIGTERM / SIGINT let the current bundle finish, then
the watcher exits cleanly (status 0). Files left in a ``processing-<pid>`` folder by a watcher that
died are put back in INBOX by the next watcher.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outreach import testhooks
from outreach.sync import bundle as B
from outreach.sync.transport import ALREADY, IMPORTED, REFUSED, ImportResult

log = logging.getLogger("outreach.hub.watch")

DONE, REJECTED, PROCESSING = "done", "rejected", "processing-"
REASON_SUFFIX = ".reason.txt"
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", "~", ".swp")
# refusals a file still being written gets: age's stream authentication fails at the cut, or the
# header is not all there yet
INCOMPLETE = frozenset({"sync.refused.damaged", "harden.age.header"})
# refusals that say nothing about the file: the database was busy or failed (a lost server connection,
# a bug — the log has the trace). The file goes back to INBOX and the pass ends; never rejected for it.
TRANSIENT = frozenset({"harden.store_busy", "sync.refused.internal"})
LEFT = "left"   # outcome of a file put back for a later pass


@dataclass
class Outcome:
    name: str
    status: str                 # imported | already | refused | left
    message: str
    result: ImportResult | None = None


@dataclass
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    downlinks: list[Any] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


class Watcher:
    def __init__(self, store: Any, ring: Any, inbox: Path, outbox: Path, *, settle: float = 2.0,
                 give_up: float = 600.0, interval: float = 5.0, clock: Callable[[], float] = time.time,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.store, self.ring = store, ring
        self.inbox, self.outbox = Path(inbox), Path(outbox)
        self.settle, self.give_up, self.interval, self.clock = settle, give_up, interval, clock
        self.on_outcome = on_outcome or (lambda _o: None)
        self.processing = self.inbox / f"{PROCESSING}{os.getpid()}"
        self.stopping = threading.Event()
        self.watching = False
        self._sizes: dict[str, int] = {}                 # name -> size on the previous pass
        self._incomplete_since: dict[str, float] = {}    # name -> when first seen cut short

    # ------------------------------------------------------------------ running
    def stop(self, *_args: Any) -> None:
        """Finish the current bundle, then stop (the SIGTERM handler)."""
        self.stopping.set()

    def run(self, *, once: bool) -> list[PassReport]:
        for folder in (self.inbox / DONE, self.inbox / REJECTED, self.outbox):
            folder.mkdir(parents=True, exist_ok=True)
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)} \
            if threading.current_thread() is threading.main_thread() else {}
        reports = []
        self.watching = not once
        try:
            log.info("watching %s (outbox %s, pid %d)", self.inbox, self.outbox, os.getpid())
            while not self.stopping.is_set():
                reports.append(self.one_pass())
                if once:
                    break
                self.stopping.wait(self.interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            with _suppress_os():
                self.processing.rmdir()
            log.info("watcher %d stopped", os.getpid())
        return reports

    def one_pass(self) -> PassReport:
        started = time.perf_counter()
        report = PassReport()
        self._recover_abandoned()
        senders: set[str] = set()
        for path in self._candidates():
            if self.stopping.is_set():
                break
            outcome = self._handle(path)
            if outcome is None:
                continue
            report.outcomes.append(outcome)
            self.on_outcome(outcome)
            if outcome.status == LEFT and outcome.result is not None and outcome.result.message.key in TRANSIENT:
                break   # the database is the problem, not the files: try again on the next pass
            r = outcome.result
            if r is not None and r.status == IMPORTED and r.sender:
                senders.add(r.sender)
        if senders:
            from outreach.sync import hub_transport as HT

            try:
                report.downlinks = HT.export_downlinks(self.store, self.ring, self.outbox, only=senders)
            except Exception:   # the imports stand; the next pass (or `hub export`) writes them
                log.exception("downlinks after import failed")
            for d in report.downlinks:
                log.info("downlink %s to %s: %d changes", d.path.name, d.recipient_name, d.changes)
        report.seconds = time.perf_counter() - started
        return report

    # ------------------------------------------------------------------ one file
    def _candidates(self) -> list[Path]:
        now = self.clock()
        found = []
        sizes, self._sizes = self._sizes, {}
        try:
            entries = list(os.scandir(self.inbox))
        except OSError as exc:
            log.error("cannot read inbox %s: %s", self.inbox, exc)
            return []
        for entry in entries:
            name = entry.name
            if name.startswith((".", "~")) or name.endswith(TEMP_SUFFIXES) or name.endswith(REASON_SUFFIX):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue   # gone meanwhile (another watcher)
            self._sizes[name] = st.st_size
            if now - max(st.st_mtime, st.st_ctime) < self.settle or \
                    (self.watching and sizes.get(name) != st.st_size):
                log.debug("%s is still changing; later", name)
                continue
            found.append((st.st_mtime, name))
        return [self.inbox / name for _m, name in sorted(found)]

    def _handle(self, path: Path) -> Outcome | None:
        from outreach.sync import hub_transport as HT

        self.processing.mkdir(parents=True, exist_ok=True)
        claimed = self.processing / path.name
        try:
            os.rename(path, claimed)      # atomic: of several watchers exactly one succeeds
        except FileNotFoundError:
            return None                   # another importer has it
        testhooks.point("watch:claimed")
        result = HT.import_file(self.store, self.ring, claimed)
        if result.status == REFUSED and result.message.key in TRANSIENT:
            os.rename(claimed, path)
            log.error("%s not imported, will try again: %s", path.name, result.text("en"))
            return Outcome(path.name, LEFT, result.text(), result)
        if result.status == REFUSED and self._maybe_incomplete(claimed, result):
            os.rename(claimed, path)
            log.info("%s looks incomplete (%s); trying again later", path.name, result.message.key)
            return Outcome(path.name, LEFT, result.text(), result)
        self._incomplete_since.pop(path.name, None)
        if result.status in (IMPORTED, ALREADY):
            target = _free_name(self.inbox / DONE, path.name)
            os.rename(claimed, target)
            log.info("%s: %s", path.name, result.text("en"))
        else:
            target = _free_name(self.inbox / REJECTED, path.name)
            os.rename(claimed, target)
            reason = target.with_name(target.name + REASON_SUFFIX)
            reason.write_text(result.text() + "\n", encoding="utf-8")
            log.warning("%s rejected: %s", path.name, result.text("en"))
        return Outcome(path.name, result.status, result.text(), result)

    def _maybe_incomplete(self, path: Path, result: ImportResult) -> bool:
        """Refused as a file that is still being written would be, and not quiet for long yet."""
        try:
            st = path.stat()
        except OSError:
            return False
        now = self.clock()
        since = self._incomplete_since.setdefault(path.name, now) if self.watching else st.st_mtime
        if now - since >= self.give_up:
            self._incomplete_since.pop(path.name, None)
            return False
        key = result.message.key
        if key in INCOMPLETE:
            return True
        if key == "sync.refused.not_bundle" and st.st_size < len(B.AGE_MAGIC):
            with open(path, "rb") as fh:   # an empty file, or the first bytes of one
                return B.AGE_MAGIC.startswith(fh.read())
        return False

    def _recover_abandoned(self) -> None:
        """Put back the files a watcher that died left in its processing folder (no such process here,
        and claimed ``give_up`` seconds ago: a watcher on another server sharing the inbox is alive)."""
        now = self.clock()
        for folder in self.inbox.glob(f"{PROCESSING}*"):
            pid_text = folder.name[len(PROCESSING):]
            if folder == self.processing or not pid_text.isdigit() or _alive(int(pid_text)):
                continue
            for f in folder.iterdir():
                if now - f.lstat().st_ctime < self.give_up:   # the rename that claimed it set ctime
                    continue
                with _suppress_os():
                    os.rename(f, _free_name(self.inbox, f.name))
                    log.warning("%s: put back from %s (its watcher is gone)", f.name, folder.name)
            with _suppress_os():
                folder.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    n = 2
    while target.exists() or target.with_name(target.name + REASON_SUFFIX).exists():
        stem, dot, ext = name.partition(".")
        target = folder / f"{stem}-{n}{dot}{ext}"
        n += 1
    return target


class _suppress_os:
    """Like contextlib.suppress(OSError), but the skipped error is logged (never silently lost)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, _tb: Any) -> bool:
        if exc_type is not None and issubclass(exc_type, OSError):
            log.debug("ignored: %s", exc)
            return True
        return False
