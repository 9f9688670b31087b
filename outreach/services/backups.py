"""Encrypted backups of the store (issue 13).

A backup is a whole copy of the encrypted database made with SQLite's online backup API (consistent
while the app keeps working), encrypted with the same database key as the store — so it opens with
the same passphrase or the team's recovery identity, and never exists in plain form. A copy of the
(wrapped) key file is kept in the backup folder, so a USB stick with backups can be restored onto a
new laptop. Files are named ``outreach-<UTC time>-<reason>.db``, written as ``.partial`` and renamed
when complete (a backup killed half-way is never taken for one).

When: at start if the newest is older than a day (``backup_if_due``), before every migration
(``storage/migrations.backup``), before every import and merge decision (``before``), and on demand.
Rotation keeps the newest three, and the newest of each of the last 7 days, 4 weeks and 12 months.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from outreach import testhooks
from outreach.domain.errors import OutreachError
from outreach.safefiles import os_reason
from outreach.storage import crypto_store

BACKUP_DIR_SETTING = "backup_dir"
_NAME = re.compile(r"^outreach-(\d{8}T\d{6}(?:\d{6})?)Z-([a-z-]+)\.db$")
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
KEEP_NEWEST = 3


@dataclass(frozen=True)
class BackupInfo:
    file: str
    created_at: str
    reason: str
    households: int = 0
    people: int = 0
    visits: int = 0
    newest_visit: str | None = None
    ok: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def backup_dir(store: Any) -> Path:
    chosen = store.get_setting(BACKUP_DIR_SETTING)
    return Path(chosen).expanduser() if chosen else store.path.parent / "backups"


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")


def _parse(path: Path) -> tuple[datetime, str] | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    raw = m.group(1)
    fmt = "%Y%m%dT%H%M%S%f" if len(raw) > 15 else "%Y%m%dT%H%M%S"
    return datetime.strptime(raw, fmt).replace(tzinfo=UTC), m.group(2)


def create(store: Any, *, reason: str = "manual", folder: Path | None = None,
           now: datetime | None = None, rotate_after: bool = True) -> Path:
    """Back up the store now; returns the new file (owner-only)."""
    if getattr(store, "on_server", False):   # PostgreSQL (issue 15): pg_dump on the server is the backup
        raise OutreachError("pg.error.server_job", what="backup")
    if store.path is None or store.db_key is None:
        raise OutreachError("sec.error.backup_dir", path="", reason="in-memory store")
    folder = Path(folder) if folder else backup_dir(store)
    now = now or datetime.now(UTC)
    target = folder / f"outreach-{_stamp(now)}Z-{reason}.db"
    partial = target.with_name(target.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _copy_keyfile(store.path.parent, folder)
        source = crypto_store.connect(store.path, store.db_key)
        dest = crypto_store.connect(partial, store.db_key)
        try:
            source.backup(dest, pages=256, progress=lambda *_: testhooks.point("backup:step"))
        finally:
            dest.close()
            source.close()
        os.chmod(partial, 0o600)
        crypto_store._fsync(partial)
        testhooks.point("backup:written")
        os.replace(partial, target)
    except OSError as exc:
        raise OutreachError("sec.error.backup_dir", path=str(folder), reason=os_reason(exc)) from exc
    if rotate_after:
        rotate(folder, now=now)
    return target


def _copy_keyfile(data_dir: Path, folder: Path) -> None:
    source = crypto_store.keyfile_path(data_dir)
    if folder.resolve() == data_dir.resolve() or not source.exists():
        return
    from outreach.safefiles import write_atomic

    write_atomic(crypto_store.keyfile_path(folder), source.read_bytes(), mode=0o600)


def list_backups(folder: Path) -> list[Path]:
    """Complete backups in ``folder``, newest first."""
    if not Path(folder).is_dir():
        return []
    found = [(p, parsed) for p in Path(folder).iterdir() if (parsed := _parse(p)) is not None]
    return [p for p, _ in sorted(found, key=lambda t: t[1][0], reverse=True)]


def inspect(path: Path, key: bytes, *, check: bool = False) -> BackupInfo:
    """What a backup holds (counts, newest visit); ``check`` also runs the integrity check."""
    path = Path(path)
    if not path.is_file():
        raise OutreachError("sec.error.backup_missing", file=str(path))
    parsed = _parse(path)
    created, reason = parsed if parsed else (datetime.fromtimestamp(path.stat().st_mtime, UTC), "copy")
    try:
        conn = crypto_store.connect(path, key)
        try:
            if check and conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise OutreachError("sec.error.backup_unreadable", file=str(path))
            count = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608 (fixed names)
                     for t in ("household", "person", "visit")}
            newest = conn.execute("SELECT MAX(visit_date) FROM visit").fetchone()[0]
        finally:
            conn.close()
    except OutreachError:
        raise
    except Exception as exc:  # sqlcipher3.DatabaseError: wrong key, not a database, damaged page
        raise OutreachError("sec.error.backup_unreadable", file=str(path)) from exc
    return BackupInfo(file=str(path), created_at=created.isoformat(timespec="seconds"), reason=reason,
                      households=count["household"], people=count["person"], visits=count["visit"],
                      newest_visit=str(newest) if newest else None)


def infos(store: Any, folder: Path | None = None) -> list[BackupInfo]:
    out = []
    for path in list_backups(folder or backup_dir(store)):
        try:
            out.append(inspect(path, store.db_key))
        except OutreachError:
            parsed = _parse(path)
            out.append(BackupInfo(file=str(path), created_at=parsed[0].isoformat(timespec="seconds") if parsed else "",
                                  reason=parsed[1] if parsed else "", ok=False))
    return out


def rotate(folder: Path, *, now: datetime | None = None) -> list[Path]:
    """Keep the newest backup of each of the last 7 days, 4 ISO weeks and 12 months; delete the rest.
    Returns what was deleted."""
    backups = [(p, _parse(p)[0]) for p in list_backups(folder)]  # newest first
    keep: set[Path] = {p for p, _ in backups[:KEEP_NEWEST]}   # e.g. the one before today's import
    for bucket, limit in ((lambda d: d.date(), KEEP_DAILY), (lambda d: d.isocalendar()[:2], KEEP_WEEKLY),
                          (lambda d: (d.year, d.month), KEEP_MONTHLY)):
        seen: list[Any] = []
        for path, created in backups:
            b = bucket(created)
            if b not in seen:
                if len(seen) >= limit:
                    break
                seen.append(b)
                keep.add(path)
    gone = [p for p, _ in backups if p not in keep]
    for path in gone:
        path.unlink()
    return gone


def backup_if_due(store: Any, *, now: datetime | None = None, max_age: timedelta = timedelta(days=1)) -> Path | None:
    """At start: a backup when the newest is older than ``max_age`` (or there is none)."""
    now = now or datetime.now(UTC)
    newest = list_backups(backup_dir(store))
    if newest and now - _parse(newest[0])[0] < max_age:
        return None
    return create(store, reason="daily", now=now)


def before(store: Any, what: str) -> Path | None:
    """A backup before an import or a merge decision (file stores only)."""
    if getattr(store, "path", None) is None or getattr(store, "db_key", None) is None:
        return None
    return create(store, reason=f"before-{what}")


def restore(store: Any, path: Path) -> tuple[Path, Path]:
    """Replace the store's data with a backup. The store is closed; the current data are backed up
    first (``before-restore``). Returns (the backup restored, the safety backup). Reopen the store after."""
    info = inspect(path, store.db_key, check=True)
    safety = create(store, reason="before-restore", rotate_after=False)
    db_file = store.path
    store.close()
    incoming = db_file.with_name(db_file.name + ".restoring")
    shutil.copyfile(info.file, incoming)
    os.chmod(incoming, 0o600)
    crypto_store._fsync(incoming)
    testhooks.point("backup:restore_copied")
    for side in (Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        if side.exists():
            side.unlink()
    os.replace(incoming, db_file)
    return Path(info.file), safety


def integrity_ok(db_file: Path, key: bytes) -> bool:
    """PRAGMA quick_check on the store file (at start after an unclean shutdown)."""
    try:
        conn = crypto_store.connect(db_file, key)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - any read error means: not sound
        return False


def newest_good(store: Any) -> BackupInfo | None:
    for path in list_backups(backup_dir(store)):
        try:
            return inspect(path, store.db_key, check=True)
        except OutreachError:
            continue
    return None


# --------------------------------------------------------------------------- a damaged store
@dataclass(frozen=True)
class Recovery:
    backup: str
    damaged_copy: str
    replayed: int          # changes made after the backup, read back from the damaged change log
    unreadable: int        # change-log ranges that could not be read (lost)


def recover(data_dir: Path, key: bytes, *, chunk: int = 500) -> Recovery:
    """After the start-up check found the store damaged: keep the damaged file aside (encrypted), put
    the newest sound backup in its place, and replay the changes made since that backup from the
    damaged file's change log, as far as its pages can still be read (a range that cannot be read is
    skipped and counted). The changes go through the sync merge, field by field, in one transaction."""
    data_dir = Path(data_dir)
    db_file = data_dir / "outreach.sqlite3"
    good = None
    for path in list_backups(data_dir / "backups"):
        try:
            good = inspect(path, key, check=True)
            break
        except OutreachError:
            continue
    if good is None:
        raise OutreachError("sec.error.corrupt_no_backup", path=str(db_file))
    damaged = data_dir / "backups" / f"damaged-{_stamp(datetime.now(UTC))}.db"
    shutil.copyfile(db_file, damaged)
    os.chmod(damaged, 0o600)
    since = _max_seq(Path(good.file), key)
    changes, unreadable = _readable_changes(damaged, key, since, chunk)
    incoming = db_file.with_name(db_file.name + ".restoring")
    shutil.copyfile(good.file, incoming)
    os.chmod(incoming, 0o600)
    for side in (Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        if side.exists():
            side.unlink()
    os.replace(incoming, db_file)
    if changes:
        from outreach.storage.store import Store
        from outreach.sync.merge import apply_changes

        store = Store.open(data_dir)
        try:
            with store.transaction() as w:
                apply_changes(w, changes, source="recovery")
        finally:
            store.close()
    return Recovery(backup=good.file, damaged_copy=str(damaged), replayed=len(changes), unreadable=unreadable)


def _max_seq(path: Path, key: bytes) -> int:
    conn = crypto_store.connect(path, key)
    try:
        return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM change_log").fetchone()[0])
    finally:
        conn.close()


def _readable_changes(damaged: Path, key: bytes, since: int, chunk: int) -> tuple[list[dict[str, Any]], int]:
    from outreach.storage.tables import SYNCED_TABLES
    from outreach.sync.changes import from_wire

    changes: list[dict[str, Any]] = []
    unreadable = 0
    conn = crypto_store.connect(damaged, key)
    try:
        try:
            top = int(conn.execute("SELECT MAX(seq) FROM change_log").fetchone()[0] or 0)
        except Exception:  # noqa: BLE001 - the index page itself is damaged: walk until rows run out
            top = since + 10_000_000
        low = since
        while low < top:
            try:
                rows = conn.execute(
                    "SELECT entity, row_id, field, value, hlc, device_id, worker FROM change_log "
                    "WHERE seq > ? AND seq <= ? ORDER BY seq", (low, low + chunk)).fetchall()
            except Exception:  # noqa: BLE001 - sqlcipher3.DatabaseError: a damaged page in this range
                unreadable += 1
                rows = []
            for entity, row_id, field, value, hlc, device_id, worker in rows:
                if entity in SYNCED_TABLES:
                    changes.append(from_wire({"entity": entity, "row_id": row_id, "field": field, "value": value,
                                              "hlc": int(hlc), "device_id": device_id, "worker": worker or ""}))
            low += chunk
    finally:
        conn.close()
    return changes, unreadable
