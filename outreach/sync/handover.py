"""Handover: a worker who leaves hands everything on the laptop to the lead, then the laptop is wiped.

    worker: start(store, ring, out)      a FULL uplink (everything the laptop holds), encrypted to the
                                         team as usual; recorded as the pending handover (its seq)
    lead:   imports it like any uplink; its next downlink to that laptop carries ``acked_seq`` (the
            highest uplink number imported from it) in the signed manifest (``rotation.downlink_extra``)
    worker: confirm(store, ring, downlink)  verifies the downlink (signed by the lead, addressed to this
            laptop) and that ``acked_seq`` covers the handover bundle; only then wipes the data
            folder — database, WAL/SHM/journal, key files, backups — with ``crypto_store.secure_delete``
            (overwrite + unlink) and leaves a short translated receipt. Without the acknowledgement
            nothing is deleted.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from outreach.domain.errors import OutreachError
from outreach.i18n import tr
from outreach.storage import crypto_store
from outreach.sync import bundle as B
from outreach.sync import team as T
from outreach.sync.keys import KeyRing

PENDING_SETTING = "sync.handover_pending"
RECEIPT_NAME = "handover-receipt.txt"


def pending(store: Any) -> dict[str, Any] | None:
    raw = store.get_setting(PENDING_SETTING)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def start(store: Any, ring: KeyRing, out: Path) -> Any:
    """Write the final full uplink and record it as the pending handover (returns the ExportResult)."""
    from outreach.sync.transport import export_bundle

    with store.connect() as conn:
        team = T.require_team(conn)
    if team.is_lead:
        raise OutreachError("rot.handover.lead_cannot")
    result = export_bundle(store, ring, out=Path(out), full=True)
    store.set_setting(PENDING_SETTING, json.dumps({
        "seq": result.seq, "bundle_id": result.bundle_id, "file": result.path.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds")}))
    return result


def check_acknowledged(store: Any, ring: KeyRing, downlink: Path, *, limits: B.Limits = B.DEFAULT_LIMITS) -> int:
    """The acknowledged sequence of a verified downlink from the lead, if it covers the handover
    bundle; otherwise a clear error (nothing is changed either way)."""
    from outreach.inputfiles import open_regular
    from outreach.sync.bundle_stream import open_stream
    from outreach.sync.transport import RegistryGate

    wanted = pending(store)
    if wanted is None:
        raise OutreachError("rot.handover.none_pending")
    try:
        with open_regular(downlink) as fh, store.connect() as conn:
            team = T.require_team(conn)
            opened = open_stream(fh, ring.identities(), RegistryGate(conn, ring, team), limits)
    except B.BundleRefused as exc:
        raise OutreachError("rot.handover.bad_downlink", reason=exc.message()) from exc
    acked = opened.manifest.extra.get("acked_seq")
    if type(acked) is not int or acked < int(wanted["seq"]):
        raise OutreachError("rot.handover.not_acknowledged", seq=wanted["seq"],
                            acked=acked if type(acked) is int else 0)
    return acked


def confirm(store: Any, ring: KeyRing, downlink: Path, *, limits: B.Limits = B.DEFAULT_LIMITS) -> Path:
    """Check the lead's acknowledgement, then wipe this laptop. Returns the receipt's path."""
    acked = check_acknowledged(store, ring, downlink, limits=limits)
    wanted = pending(store) or {}
    code, name = store.device.code, T.display_name(store.device.id, store.device.name, store.worker)
    return wipe(store, receipt=tr("rot.handover.receipt", device=name, code=code, seq=wanted.get("seq", acked),
                                  acked=acked, when=datetime.now(UTC).isoformat(timespec="minutes")))


def wipe(store: Any, *, receipt: str) -> Path:
    """Close the store and overwrite + unlink every file of the data folder (database, WAL, key
    files, backups, exports kept there) and of the backup folder; write ``receipt``."""
    from outreach.services.backups import backup_dir

    data_dir = Path(store.path).parent
    backups = backup_dir(store)
    store.close()
    crypto_store.forget(data_dir)
    for folder in (backups, data_dir):
        if folder.is_dir():
            for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                if path.is_symlink():
                    path.unlink()
                elif path.is_file():
                    crypto_store.secure_delete(path)
                elif path.is_dir():
                    with contextlib.suppress(OSError):   # a folder the user added files to is left
                        path.rmdir()
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / RECEIPT_NAME
    target.write_text(receipt + "\n", encoding="utf-8")
    return target
