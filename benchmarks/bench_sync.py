"""Sync transport at scale: export+encrypt of ~100k changes into one bundle, and the verification an
import does before touching the database, each next to raw age encryption/decryption (pyrage) of the
very same bytes measured in the same run.

    .venv/bin/python benchmarks/bench_sync.py [--changes 100000]

- export: ``transport.export_bundle`` (read the change log, version vector, wire form, canonical
  JSON Lines, SHA-256, Ed25519 signature, age encryption to team + recovery key, atomic file write)
  vs ``pyrage.encrypt`` of the finished plaintext to the same two recipients.
- verify: ``bundle.open_bundle`` (decrypt, manifest, signature, payload hash, schema of every change)
  vs ``pyrage.decrypt`` of the same file.

(The merge part of the issue's benchmark — 50 bundles × 2,000 changes applied — belongs with the
merge engine; ``transport.import_data`` = ``open_bundle`` + ``merge.apply_changes``.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyrage  # noqa: E402

from outreach.storage.store import Store  # noqa: E402
from outreach.storage.tables import Area, Household, Person  # noqa: E402
from outreach.sync import bundle as B  # noqa: E402
from outreach.sync import team as T  # noqa: E402
from outreach.sync import transport  # noqa: E402
from outreach.sync.keys import FAST_KDF_FOR_TESTS, parse_age_recipient  # noqa: E402

PASS = "benchmark passphrase"
VILLAGE = "522731100200"
NOTES = "独居老人，儿子在东莞务工；降压药快吃完了，需要卫生院上门。"


def best(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def make_worker(root: Path, changes: int):
    lead = Store.open(root / "lead")
    lead.set_setting("worker_name", "陈静")
    T.create_team(lead, PASS, name="bench", kdf=FAST_KDF_FOR_TESTS)
    with lead.transaction() as w:
        w.insert(Area, {"id": VILLAGE, "name": "东坪村", "level": "village"})
    worker = Store.open(root / "worker")
    worker.set_setting("worker_name", "李娜")
    request, _fp = T.join_team(worker, T.make_invite(lead), PASS, kdf=FAST_KDF_FOR_TESTS)
    T.enroll(lead, T.read_request(lead, request), villages=[VILLAGE])
    lead_ring, ring = T.unlock(lead, PASS), T.unlock(worker, PASS)
    first = transport.export_bundle(lead, lead_ring, out=root, to=worker.device.id)
    transport.import_file(worker, ring, first.path)
    households, edits = changes * 4 // 10, changes // 5      # 40% households, 40% people, 20% field edits
    t0 = time.perf_counter()
    with worker.transaction() as w:
        ids = w.insert_many(Household, [{"code": f"东坪-{i:06d}", "village_id": VILLAGE, "notes": NOTES,
                                         "address": f"东坪村{i % 9 + 1}组"} for i in range(households)])
        w.insert_many(Person, [{"household_id": h, "name": f"王秀英{i}", "notes": NOTES} for i, h in enumerate(ids)])
        for i, h in enumerate(ids[:edits]):
            w.update(Household, h, {"phone": f"138{i:08d}"})
    print(f"setup: {2 * households + edits:,} changes written in {time.perf_counter() - t0:.1f} s")
    return lead, lead_ring, worker, ring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lead, lead_ring, worker, ring = make_worker(root, args.changes)
        out = root / "out"
        out.mkdir()

        export_s, result = best(lambda: transport.export_bundle(worker, ring, out=out, full=True), repeat=2)
        data = result.path.read_bytes()
        inner = B.decrypt(data, [lead_ring.team_age])
        with worker.connect() as conn:
            team = T.require_team(conn)
        recipients = [parse_age_recipient(team.team_age), parse_age_recipient(team.recovery_age)]
        raw_enc_s, _ = best(lambda: pyrage.encrypt(inner, recipients))

        with lead.connect() as conn:
            gate = transport.RegistryGate(conn, lead_ring, T.require_team(conn))
            verify_s, opened = best(lambda: B.open_bundle(data, lead_ring.identities(), gate))
        raw_dec_s, _ = best(lambda: pyrage.decrypt(data, [lead_ring.team_age]))

        n = result.changes
        mb = len(data) / 2**20
        print(f"bundle: {n:,} changes, {mb:.1f} MiB encrypted ({len(inner) / max(n, 1):.0f} bytes/change)")
        print(f"export+encrypt : {export_s:7.2f} s  {n / export_s:10,.0f} changes/s")
        print(f"raw age encrypt: {raw_enc_s:7.2f} s  {mb / raw_enc_s:10,.1f} MiB/s   ratio {export_s / raw_enc_s:6.1f}x")
        print(f"verify (import): {verify_s:7.2f} s  {n / verify_s:10,.0f} changes/s")
        print(f"raw age decrypt: {raw_dec_s:7.2f} s  {mb / raw_dec_s:10,.1f} MiB/s   ratio {verify_s / raw_dec_s:6.1f}x")
        assert len(opened.changes) == n
        lead.close()
        worker.close()


if __name__ == "__main__":
    main()
