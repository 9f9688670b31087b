"""Encryption at rest (issue 13): the encrypted store against a plain one, in the same run, on the same
work — demo insert, search-as-you-type, start-up (open + first read) and a merge of uplink bundles.

    .venv/bin/python benchmarks/bench_encryption.py [--households 3000] [--json]

The plain store is the store as it was before issue 13 (the same code with crypto_store's engine
swapped for plain ``sqlite:///``). ``--json`` prints one object as the last line:
{name: {value, unit, baseline, ratio}} where ratio = encrypted time / plain time (goal ≤ 1.3).
The passphrase's key derivation (Argon2id, once per start) is reported apart as ``unlock_kdf``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("OUTREACH_PASSPHRASE", "outreach-benchmark-passphrase")

from outreach.storage import crypto_store  # noqa: E402
from outreach.storage.store import Store  # noqa: E402

KEYSTROKES = ["王", "王秀", "王秀英", "l", "li", "lin", "张", "张建", "138", "1380"]


@contextmanager
def plain_stores():
    """Store.open makes plain SQLite files inside this block (the baseline)."""
    from sqlalchemy import create_engine

    saved = (crypto_store.database_key, crypto_store.make_engine, crypto_store.ensure_recovery,
             crypto_store.check_after_unclean_shutdown)
    crypto_store.database_key = lambda directory, db_file: b"\0" * 32
    crypto_store.make_engine = lambda path, key, **kw: create_engine(f"sqlite:///{path}", **kw)
    crypto_store.ensure_recovery = lambda store: None
    crypto_store.check_after_unclean_shutdown = lambda db_file, key: None
    try:
        yield
    finally:
        (crypto_store.database_key, crypto_store.make_engine, crypto_store.ensure_recovery,
         crypto_store.check_after_unclean_shutdown) = saved


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def open_store(folder: Path, kind: str) -> Store:
    if kind == "plain":
        with plain_stores():
            return Store.open(folder)
    return Store.open(folder)


def paired(kinds: dict[str, Store], fn, rounds: int) -> dict[str, float]:
    """``fn(store)`` on each store in turn, ``rounds`` times: medians of paired runs under the same
    load (the machine is shared: its load moves between runs)."""
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(rounds):
        for kind, store in kinds.items():
            times[kind].append(timed(lambda s=store: fn(s)))
    return {k: statistics.median(v) for k, v in times.items()}


def run(root: Path, households: int, bundles: list[list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    from bench_merge import VILLAGES

    from outreach.services import demo, search
    from outreach.storage.tables import Area
    from outreach.sync.merge import apply_changes

    out: dict[str, dict[str, float]] = {"plain": {}, "encrypted": {}}
    stores = {kind: open_store(root / kind, kind) for kind in out}
    for kind, store in stores.items():     # insert: the demo, one after the other …
        out[kind]["insert"] = timed(lambda s=store: demo.build_demo(s, households=households, seed=3))
    for kind in reversed(list(out)):       # … and again in the other order, in fresh stores (mean of two)
        extra = open_store(root / f"{kind}-b", kind)
        out[kind]["insert"] = (out[kind]["insert"] + timed(
            lambda s=extra: demo.build_demo(s, households=households, seed=3))) / 2
        extra.close()
    for store in stores.values():
        search.search_people(store, "王")  # warm the pinyin tables and the pools
    for text in KEYSTROKES:
        for kind, t in paired(stores, lambda s, q=text: search.search_people(s, q), 3).items():
            out[kind].setdefault("search_each", 0.0)
            out[kind]["search_each"] += t / len(KEYSTROKES)
    for kind in out:
        out[kind]["search"] = out[kind].pop("search_each")
    for store in stores.values():
        with store.transaction() as w:
            w.insert_many(Area, [{"id": v, "name": f"村{v[-2:]}", "level": "village"} for v in VILLAGES])
    for i, bundle in enumerate(bundles):    # merge: each bundle into both stores, in turn
        for kind, store in stores.items():
            def apply(s=store, b=bundle, n=i) -> None:
                with s.transaction() as w:
                    apply_changes(w, b, source=f"bundle-{n:02d}")
            out[kind]["merge"] = out[kind].get("merge", 0.0) + timed(apply)
    for store in stores.values():
        store.close()

    def start(kind: str) -> None:
        s = open_store(root / kind, kind)
        s.device  # noqa: B018 - the first read
        search.search_people(s, "王")
        s.close()

    for kind, t in paired({k: k for k in out}, start, 7).items():  # type: ignore[arg-type]
        out[kind]["open"] = t
    return out


def _leaks(folder: Path) -> int:
    """How many of the demo's ID numbers and phones can be found in the encrypted file and WAL."""
    from sqlalchemy import text

    store = Store.open(folder)
    with store.connect() as conn:
        secrets = [v.encode() for v in conn.execute(text(
            "SELECT id_number FROM person WHERE id_number IS NOT NULL LIMIT 200")).scalars()]
        secrets += [v.encode() for v in conn.execute(text(
            "SELECT name || '' FROM person WHERE length(name) >= 3 LIMIT 200")).scalars()]
    store.close()
    data = b"".join(p.read_bytes() for p in folder.glob("outreach.sqlite3*"))
    return sum(s in data for s in secrets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=3000)
    ap.add_argument("--bundles", type=int, default=5)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from bench_merge import Generator

    gen = Generator(args.bundles, args.changes)
    bundles = [gen.bundle(i) for i in range(args.bundles)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        both = run(root, args.households, bundles)
        crypto_store.forget()
        kdf = timed(lambda: crypto_store.unlock(root / "encrypted", os.environ["OUTREACH_PASSPHRASE"]))
        leaked = _leaks(root / "encrypted")
    plain, enc = both["plain"], both["encrypted"]
    units = {"insert": "s", "search": "ms", "merge": "s", "open": "ms"}
    scale = {"s": 1.0, "ms": 1000.0}
    figures: dict[str, dict[str, Any]] = {}
    print(f"{args.households} households, {args.bundles}×{args.changes} merged changes, "
          f"load average {os.getloadavg()[0]:.1f}; names or ID numbers found in the encrypted file: {leaked}")
    for name, unit in units.items():
        value, base = enc[name] * scale[unit], plain[name] * scale[unit]
        figures[name] = {"value": round(value, 3), "unit": unit, "baseline": round(base, 3),
                         "ratio": round(enc[name] / plain[name], 3)}
        print(f"{name:7} encrypted {value:9.3f} {unit:2}  plain {base:9.3f} {unit:2}  ratio {enc[name] / plain[name]:5.2f}×")
    figures["unlock_kdf"] = {"value": round(kdf * 1000, 1), "unit": "ms", "baseline": 0.0, "ratio": None}
    print(f"unlock (Argon2id, once per start): {kdf * 1000:.0f} ms")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
