"""One database thread for the whole GUI (DESIGN.md §1: one writer).

Every service call runs on ``DbThread``, a QThread that takes jobs from a queue one at a time. The GUI
thread only submits jobs and receives results through signals (queued to the GUI thread), so the
window never freezes on the database. Patterned on Anki's ``taskman`` + ``CollectionOp``/``QueryOp``:

    runner.query(services.search.people, text="zs", on_done=self._show)            # read
    runner.op(services.visits.record_visit, household_id=h, visit=v,
              changes={"visit"}, on_done=self._saved, on_error=self._show_errors)  # write

``fn`` is called as ``fn(store, *args, **kwargs)`` on the worker thread. After a write succeeds,
``sig_changed`` tells every screen which entities changed so it can refresh. Jobs with a ``key``
supersede older queued jobs of the same key (search-as-you-type sends one query per keystroke; only
the newest runs). Callbacks bound to a widget are dropped if the widget was deleted meanwhile.

Long jobs get a ``JobProgress`` (``report(done, total, message)``; ``cancelled``); ``run_with_progress``
shows it in a QProgressDialog whose Cancel button sets ``cancelled``.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from outreach.domain.errors import OutreachError
from outreach.i18n import tr

if TYPE_CHECKING:  # the window's first page is shown before the store (and SQLAlchemy) is loaded
    from outreach.storage.store import Store

log = logging.getLogger(__name__)


class JobCancelled(OutreachError):
    """Raised inside a job when the user pressed Cancel."""

    def __init__(self) -> None:
        super().__init__("ui.job.cancelled")


class JobProgress:
    """What a long job reports; thread-safe. Services may call ``report`` and read ``cancelled``
    (and ``check()`` raises ``JobCancelled``)."""

    def __init__(self, emit: Callable[[int, int, str], None]) -> None:
        self._emit = emit
        self._cancel = threading.Event()

    def report(self, done: int, total: int = 0, message: str = "") -> None:
        self._emit(int(done), int(total), str(message))

    # Alias for services written against a ``Progress.update(done, total)`` protocol.
    def update(self, done: int, total: int = 0, message: str = "") -> None:
        self.report(done, total, message)

    def __call__(self, done: int, total: int = 0) -> None:
        """Services that take ``progress: Callable[[int, int], None]`` get this object directly;
        a pressed Cancel stops them at their next report (their transaction rolls back)."""
        self.report(done, total)
        self.check()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise JobCancelled()


@dataclass(eq=False)
class Job:
    id: int
    fn: Callable[..., Any]
    args: tuple
    kwargs: dict
    key: str | None = None
    changes: frozenset[str] = frozenset()
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    owner: QObject | None = None
    progress: JobProgress | None = None
    superseded: bool = False
    extra: dict = field(default_factory=dict)


class DbThread(QThread):
    """Runs jobs one at a time against the store. Lives as long as the window."""

    # Only plain ints and strings cross threads in signals: the job's outcome waits in ``_outcomes``
    # (PySide6 6.12 mis-counts references of Python objects sent through queued signals, which
    # showed up as "deallocating None/True" aborts at exit).
    sig_finished = Signal(int)                    # job id
    sig_progress = Signal(int, int, int, str)     # job id, done, total, message
    sig_opened = Signal(int)                      # the store opened here (0: it failed, see open_error)

    def __init__(self, store: Store | None, parent: QObject | None = None,
                 opener: Callable[[], Store] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._opener = opener
        self.opened = threading.Event()   # set once the store is there (or opening it failed)
        self.open_error: BaseException | None = None
        if store is not None:
            self.opened.set()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._latest_by_key: dict[str, Job] = {}
        self._outcomes: dict[int, tuple[Job, Any, BaseException | None]] = {}
        self._lock = threading.Lock()

    def submit(self, job: Job) -> None:
        if job.key:
            with self._lock:
                previous = self._latest_by_key.get(job.key)
                if previous is not None:
                    previous.superseded = True
                self._latest_by_key[job.key] = job
        self._queue.put(job)

    def stop(self) -> None:
        self._queue.put(None)
        self.wait()

    def pending(self) -> int:
        return self._queue.qsize()

    def take_queued(self) -> list[Job]:
        """The jobs waiting (before the thread starts only): the caller answers some and ``requeue``s
        the others, in order."""
        jobs = []
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None:
                jobs.append(job)
        return jobs

    def requeue(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._queue.put(job)

    def finish_here(self, job: Job, result: Any) -> None:
        """A job answered without the thread (before it starts): its outcome, as ``run`` leaves it."""
        with self._lock:
            if job.key and self._latest_by_key.get(job.key) is job:
                del self._latest_by_key[job.key]
            self._outcomes[job.id] = (job, result, None)

    def _open(self) -> bool:
        """A runner started before its store: open it here, on the database thread (one writer)."""
        try:
            self.store = self._opener()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread (sig_opened, open_error)
            self.open_error = exc
            self.opened.set()
            self.sig_opened.emit(0)
            return False
        self.opened.set()
        self.sig_opened.emit(1)
        return True

    def run(self) -> None:  # noqa: D401 - QThread entry point
        if self.store is None and not self._open():
            return
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.superseded:
                continue
            try:
                outcome = (job, job.fn(self.store, *job.args, **job.kwargs), None)
            except BaseException as exc:  # reported to the GUI thread, which shows or re-raises it
                if not isinstance(exc, OutreachError):
                    log.exception("job %s failed", getattr(job.fn, "__qualname__", job.fn))
                outcome = (job, None, exc)
            with self._lock:
                if job.key and self._latest_by_key.get(job.key) is job:
                    del self._latest_by_key[job.key]
                self._outcomes[job.id] = outcome
            self.sig_finished.emit(job.id)

    def take_outcome(self, job_id: int) -> tuple[Job, Any, BaseException | None] | None:
        with self._lock:
            return self._outcomes.pop(job_id, None)


class DbRunner(QObject):
    """The GUI side of the database thread: submit jobs, get callbacks on the GUI thread."""

    sig_changed = Signal(object)      # frozenset of entity names written by an operation
    sig_busy = Signal(int)            # 1 while jobs are pending, 0 when idle
    sig_ready = Signal()              # a runner made before its store (``opening``): the store is open
    sig_open_failed = Signal()        # … or it could not be opened (``open_error``)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._setup(store, None)
        self._thread.start()

    @classmethod
    def opening(cls, opener: Callable[[], Store], parent: QObject | None = None) -> DbRunner:
        """A runner whose store is opened by ``opener()`` on the database thread once ``start()`` is
        called (issue 14: the window and its first page come first). Jobs submitted before wait."""
        runner = cls.__new__(cls)
        QObject.__init__(runner, parent)
        runner._setup(None, opener)
        return runner

    def _setup(self, store: Store | None, opener: Callable[[], Store] | None) -> None:
        self.store = store
        self._closed = False
        self._ids = itertools.count(1)
        self._running: dict[int, Job] = {}
        self._thread = DbThread(store, opener=opener)
        self._thread.sig_finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._thread.sig_progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        self._thread.sig_opened.connect(self._opened, Qt.ConnectionType.QueuedConnection)
        self.error_parent: QWidget | None = None

    # ----------------------------------------------------------------- a runner started before its store
    def start(self) -> None:
        """Start the database thread (``opening`` runners; the others start at once)."""
        if not self._closed and not self._thread.isRunning() and not self._thread.isFinished():
            self._thread.start()

    @property
    def ready(self) -> bool:
        return self._thread.opened.is_set() and self._thread.open_error is None

    @property
    def open_error(self) -> BaseException | None:
        return self._thread.open_error

    def wait_ready(self) -> Store:
        """Block until the store is open (starting the thread if needed); raise why it could not be."""
        self.start()
        self._thread.opened.wait()
        if self._thread.open_error is not None:
            raise self._thread.open_error
        self.store = self._thread.store
        return self.store

    def opened_store(self) -> Store | None:
        """The store the database thread opened (also before ``sig_ready`` reached the GUI thread)."""
        return self.store if self.store is not None else self._thread.store

    def _opened(self, ok: int) -> None:
        if ok:
            self.store = self._thread.store
            self.sig_ready.emit()
        else:
            self.sig_open_failed.emit()

    def answer_before_start(self, answer: Callable[[Job], tuple[bool, Any]]) -> int:
        """Before the thread starts: ``answer(job)`` → ``(True, result)`` for a queued read answered on
        this thread (the first page, read with the raw driver before the store opens), delivered as the
        thread would; ``(False, None)`` leaves the job queued. Returns how many were answered."""
        assert not self._thread.isRunning(), "only before the database thread starts"
        answered, kept = [], []
        for job in self._thread.take_queued():
            done, result = (False, None) if job.superseded or job.changes else answer(job)
            if done:
                self._thread.finish_here(job, result)
                answered.append(job)
            else:
                kept.append(job)
        self._thread.requeue(kept)
        for job in answered:
            self._finished(job.id)
        return len(answered)

    # ----------------------------------------------------------------- submitting
    def query(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None, key: str | None = None,
              owner: QObject | None = None, **kwargs: Any) -> Job:
        """A read: ``fn(store, *args, **kwargs)`` on the worker; ``on_done(result)`` on the GUI."""
        return self._submit(fn, args, kwargs, key=key, changes=(), on_done=on_done, on_error=on_error,
                            owner=owner)

    def op(self, fn: Callable[..., Any], *args: Any, changes: Iterable[str],
           on_done: Callable[[Any], None] | None = None,
           on_error: Callable[[BaseException], None] | None = None,
           owner: QObject | None = None, **kwargs: Any) -> Job:
        """A write; when it succeeds, ``sig_changed`` announces ``changes`` after ``on_done`` ran."""
        return self._submit(fn, args, kwargs, key=None, changes=changes, on_done=on_done,
                            on_error=on_error, owner=owner)

    def run_with_progress(self, fn: Callable[..., Any], *args: Any, title: str, parent: QWidget | None,
                          changes: Iterable[str] = (), on_done: Callable[[Any], None] | None = None,
                          on_error: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Job:
        """A long job: ``fn(store, *args, progress=JobProgress, **kwargs)`` with a cancellable dialog."""
        dialog = QProgressDialog(title, tr("ui.action.cancel"), 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        job_holder: dict[str, Job] = {}

        def emit(done: int, total: int, message: str) -> None:
            self._thread.sig_progress.emit(job_holder["job"].id, done, total, message)

        progress = JobProgress(emit)
        dialog.canceled.connect(progress.cancel)

        def finish_ok(result: Any) -> None:
            dialog.close()
            dialog.deleteLater()
            if on_done:
                on_done(result)

        def finish_error(exc: BaseException) -> None:
            dialog.close()
            dialog.deleteLater()
            if isinstance(exc, JobCancelled) and on_error is None:
                return
            (on_error or self.show_error)(exc)

        job = self._submit(fn, args, {**kwargs, "progress": progress}, key=None, changes=changes,
                           on_done=finish_ok, on_error=finish_error, owner=None, progress=progress)
        job.extra["dialog"] = dialog
        job_holder["job"] = job
        return job

    def _submit(self, fn, args, kwargs, *, key, changes, on_done, on_error, owner, progress=None) -> Job:
        job = Job(id=next(self._ids), fn=fn, args=tuple(args), kwargs=dict(kwargs), key=key,
                  changes=frozenset(changes), on_done=on_done, on_error=on_error, owner=owner,
                  progress=progress)
        self._running[job.id] = job
        if len(self._running) == 1:
            self.sig_busy.emit(1)
        self._thread.submit(job)
        return job

    # ----------------------------------------------------------------- results (GUI thread)
    def _finished(self, job_id: int) -> None:
        outcome = self._thread.take_outcome(job_id)
        if outcome is None:
            return
        job, result, error = outcome
        self._running.pop(job.id, None)
        for superseded in [j for j in self._running.values() if j.superseded]:
            self._running.pop(superseded.id, None)
        if not self._running:
            self.sig_busy.emit(0)
        if job.superseded or (job.owner is not None and not shiboken6.isValid(job.owner)):
            return
        if error is not None:
            (job.on_error or self.show_error)(error)
            return
        if job.on_done is not None:
            job.on_done(result)
        if job.changes:
            self.sig_changed.emit(job.changes)

    def _progress(self, job_id: int, done: int, total: int, message: str) -> None:
        job = self._running.get(job_id)
        dialog: QProgressDialog | None = job.extra.get("dialog") if job is not None else None
        if dialog is None or not shiboken6.isValid(dialog):
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if message:
            dialog.setLabelText(message)

    def show_error(self, exc: BaseException) -> None:
        """Default error handler: one translated line for expected errors, a generic one otherwise."""
        if isinstance(exc, OutreachError):
            text = exc.message()
        else:  # a full disk, a read-only folder … in the user's words; the log (if any) named
            from outreach.logs import explain, log_path

            path = self.store.path.parent if self.store is not None and self.store.path is not None else None
            known = explain(exc, where=path)
            text = known.message() if known else tr("ui.error.unexpected", error=f"{type(exc).__name__}: {exc}")
            if (log_file := log_path()) is not None:
                text = f"{text} {tr('hard.see_log', path=str(log_file))}"
        QMessageBox.warning(self.error_parent, tr("ui.error.title"), text)

    # ----------------------------------------------------------------- lifecycle
    def is_idle(self) -> bool:
        return not self._running

    def shutdown(self) -> None:
        """Stop the thread after the job in hand; long jobs are asked to stop at their next report."""
        self._closed = True
        for job in list(self._running.values()):
            job.superseded = True
            if job.progress is not None:
                job.progress.cancel()
        if self._thread.isRunning():
            self._thread.stop()
        if not self._thread.opened.is_set():   # never started: nothing waits for a store that will not open
            self._thread.open_error = JobCancelled()
            self._thread.opened.set()
