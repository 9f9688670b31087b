"""Sync transport at scale: export+encrypt of ~100k changes into one bundle, and the verification an
import does before touching the database, each next to raw age encryption/decryption (pyrage) of the
very same bytes measured in the same run; and the peak memory of each, in a child process.

    .venv/bin/python benchmarks/bench_sync.py [--changes 100000] [--json]

- export: ``transport.export_bundle`` (read the change log, version vector, wire form, canonical
  JSON Lines, SHA-256, Ed25519 signature, age encryption to team + recovery key streamed into the
  file, atomic rename) vs ``pyrage.encrypt`` of the finished plaintext to the same two recipients.
- verify: ``bundle_stream.open_stream`` on the file, as ``transport.import_file`` does (decrypt in
  chunks, manifest, signature, payload hash, schema of every change) vs ``pyrage.decrypt`` of the
  same bytes.
- export_cpu / verify_cpu: the same two ratios in process CPU time (on a machine shared with other
  work, wall time measures the neighbours too; neither side uses more than one thread).
- export_collect / export_write: the export's halves on their own (reading the changes out of the
  store — a full export encodes each batch of the log into lines as it reads it; hashing, signing
  and encrypting them into a file), each against raw encryption.
- export_fsync: of the export's wall time, the wait for the disk before the file is renamed into
  place (raw encryption in memory has none; on a shared disk it is most of the export's noise).
- export_rss / verify_rss: how much the process grows (VmHWM after resetting it through
  /proc/self/clear_refs, minus VmRSS before) while doing one export / one verification, in a fresh
  child process; baseline = the bundle's size (ratio = growth ÷ bundle size).

With ``--json`` the last line is one JSON object: figure -> {value, unit, baseline, ratio} (ratio =
our cost ÷ the baseline's cost in the same run; lower is better).

(The merge part of the issue's benchmark — 50 bundles × 2,000 changes applied — is bench_merge.py;
``transport.import_data`` = ``open_stream`` + ``merge.apply_changes``.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyrage  # noqa: E402
import rawdb  # noqa: E402

from outreach.storage.store import Store  # noqa: E402
from outreach.storage.tables import Area, Household, Person  # noqa: E402
from outreach.sync import bundle as B  # noqa: E402
from outreach.sync import bundle_stream, transport  # noqa: E402
from outreach.sync import team as T  # noqa: E402
from outreach.sync.keys import FAST_KDF_FOR_TESTS, parse_age_recipient  # noqa: E402

PASS = "benchmark passphrase"
VILLAGE = "522731100200"
NOTES = "独居老人，儿子在东莞务工；降压药快吃完了，需要卫生院上门。"


REPEAT = 5   # best of: on a shared machine one run in three is slowed by a neighbour
CPU: dict[str, float] = {}   # figure -> best process CPU time (steadier than wall time on a shared machine)


def best(fn, repeat: int = 3, name: str | None = None) -> tuple[float, object]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if name:
        CPU[name] = min(cpu)
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


def export_parts(worker, ring, target: Path) -> tuple[float, float]:
    """The export's two halves, each on its own: reading the changes out of the store
    (``changes.iter_changes``: every query, the bases and the order, as ``export_bundle`` does) and
    writing them (encode, hash, sign, encrypt into a file: ``bundle_stream.write_bundle_to``)."""
    from outreach.sync.bundle_stream import write_bundle_to
    from outreach.sync.changes import iter_changes

    with worker.connect() as conn:
        team = T.require_team(conn)
        collect_s, _ = best(lambda: iter_changes(conn, None, wire=True), repeat=2, name="collect")
        pending = [iter_changes(conn, None, wire=True) for _ in range(3)]   # each is read once

    def write():
        with open(target, "wb") as fh:
            write_bundle_to(fh, kind=B.UPLINK, team_id=team.team_id, sender=worker.device.id, sender_name="bench",
                            signer=ring.device_sign, recipients=[B.Recipient(B.TEAM, team.team_age)],
                            escrow=[team.recovery_age], seq=1, prev=None, vector={}, changes=pending.pop())

    write_s, _ = best(write, name="write")
    return collect_s, write_s


FSYNC: list[float] = []   # seconds each export waited for the disk (safefiles' fsync before the rename)


def timing_fsync() -> None:
    """Time the export's fsync on its own: it waits for the disk, which raw encryption in memory
    never does, and on a disk shared with other work it is most of the noise of the export figure."""
    from outreach import safefiles

    real = safefiles._fsync

    def timed(path):
        t0 = time.perf_counter()
        try:
            return real(path)
        finally:
            FSYNC.append(time.perf_counter() - t0)

    safefiles._fsync = timed


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(op: str, root: Path) -> None:
    """One export or one verification in this (fresh) process; prints the memory it took, as JSON."""
    lead, worker = Store.open(root / "lead"), Store.open(root / "worker")
    lead_ring, ring = T.unlock(lead, PASS), T.unlock(worker, PASS)
    bundle = root / "out" / "bundle.age"
    with lead.connect() as conn:
        gate = transport.RegistryGate(conn, lead_ring, T.require_team(conn))
        before = _status("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")   # reset the high-water mark
        if op == "export":
            transport.export_bundle(worker, ring, out=root / "out" / "rss.age", full=True)
        else:
            with open(bundle, "rb") as fh:
                bundle_stream.open_stream(fh, lead_ring.identities(), gate)
        peak = _status("VmHWM")
    print(json.dumps({"before": before, "peak": peak, "growth": peak - before}))


def measure_rss(op: str, root: Path) -> dict[str, int]:
    out = subprocess.run([sys.executable, __file__, "--child", op, "--dir", str(root)], capture_output=True,
                         text=True, check=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object, last line")
    parser.add_argument("--child", choices=["export", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rawdb.setup_env()
    os.environ.setdefault("OUTREACH_TEST_FAST_KDF", "1")   # the key file's KDF is not what is measured
    if args.child:
        child(args.child, args.dir)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lead, lead_ring, worker, ring = make_worker(root, args.changes)
        out = root / "out"
        out.mkdir()
        target = out / "bundle.age"

        timing_fsync()
        export_s, result = best(lambda: transport.export_bundle(worker, ring, out=target, full=True), repeat=REPEAT,
                                name="export")
        fsync_s = min(FSYNC)
        data = result.path.read_bytes()
        collect_s, write_s = export_parts(worker, ring, out / "parts.age")
        inner = B.decrypt(data, [lead_ring.team_age])
        with worker.connect() as conn:
            team = T.require_team(conn)
        recipients = [parse_age_recipient(team.team_age), parse_age_recipient(team.recovery_age)]
        raw_enc_s, _ = best(lambda: pyrage.encrypt(inner, recipients), repeat=REPEAT, name="encrypt")

        def verify():
            with open(target, "rb") as fh:
                return bundle_stream.open_stream(fh, lead_ring.identities(), gate)

        with lead.connect() as conn:
            gate = transport.RegistryGate(conn, lead_ring, T.require_team(conn))
            verify_s, opened = best(verify, repeat=REPEAT, name="verify")
        raw_dec_s, _ = best(lambda: pyrage.decrypt(data, [lead_ring.team_age]), repeat=REPEAT, name="decrypt")
        lead.close()
        worker.close()
        rss = {op: measure_rss(op, root) for op in ("export", "verify")}

        n = result.changes
        mb = len(data) / 2**20
        print(f"bundle: {n:,} changes, {mb:.1f} MiB encrypted ({len(inner) / max(n, 1):.0f} bytes/change); "
              f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min)")
        print(f"export+encrypt : {export_s:7.2f} s  {n / export_s:10,.0f} changes/s")
        print(f"raw age encrypt: {raw_enc_s:7.2f} s  {mb / raw_enc_s:10,.1f} MiB/s   ratio {export_s / raw_enc_s:6.1f}x")
        print(f"  of which: reading the changes (iter_changes; a full export encodes them as it reads) "
              f"{collect_s:.2f} s; writing them (hash+sign+encrypt) {write_s:.2f} s = {write_s / raw_enc_s:.1f}x "
              f"raw encrypt; "
              f"waiting for the disk (fsync) {fsync_s:.2f} s")
        print(f"verify (import): {verify_s:7.2f} s  {n / verify_s:10,.0f} changes/s")
        print(f"raw age decrypt: {raw_dec_s:7.2f} s  {mb / raw_dec_s:10,.1f} MiB/s   ratio {verify_s / raw_dec_s:6.1f}x")
        print(f"CPU time (best): export {CPU['export']:.2f} s = {CPU['export'] / CPU['encrypt']:.1f}x encrypt "
              f"{CPU['encrypt']:.2f} s (write half {CPU['write'] / CPU['encrypt']:.1f}x); verify {CPU['verify']:.2f} s = "
              f"{CPU['verify'] / CPU['decrypt']:.1f}x decrypt {CPU['decrypt']:.2f} s")
        for op, r in rss.items():
            print(f"peak RSS {op:6}: {r['peak'] / 2**20:6.1f} MiB ({r['growth'] / 2**20:+.1f} MiB over "
                  f"{r['before'] / 2**20:.1f} MiB before; bundle {mb:.1f} MiB)")
        assert len(opened.changes) == n
    if args.json:
        mib = 2**20
        print(json.dumps({
            "export": {"value": round(n / export_s), "unit": "changes/s", "baseline": round(n / raw_enc_s),
                       "ratio": round(export_s / raw_enc_s, 2)},
            "export_collect": {"value": round(collect_s, 3), "unit": "s", "baseline": round(raw_enc_s, 3),
                               "ratio": round(collect_s / raw_enc_s, 2)},
            "export_write": {"value": round(write_s, 3), "unit": "s", "baseline": round(raw_enc_s, 3),
                             "ratio": round(write_s / raw_enc_s, 2)},
            "export_fsync": {"value": round(fsync_s, 3), "unit": "s", "baseline": round(raw_enc_s, 3),
                             "ratio": round(fsync_s / raw_enc_s, 2)},
            "verify": {"value": round(n / verify_s), "unit": "changes/s", "baseline": round(n / raw_dec_s),
                       "ratio": round(verify_s / raw_dec_s, 2)},
            **{f"{name}_cpu": {"value": round(CPU[name], 3), "unit": "s CPU", "baseline": round(CPU[base], 3),
                               "ratio": round(CPU[name] / CPU[base], 2)}
               for name, base in (("export", "encrypt"), ("verify", "decrypt"))},
            "load": {"value": round(os.getloadavg()[0], 2), "unit": "load average (1 min)", "baseline": 2,
                     "ratio": round(os.getloadavg()[0] / 2, 2)},
            **{f"{op}_rss": {"value": round(r["growth"] / mib, 1), "unit": "MiB", "baseline": round(mb, 1),
                             "ratio": round(r["growth"] / mib / mb, 2)} for op, r in rss.items()},
        }))


if __name__ == "__main__":
    main()
