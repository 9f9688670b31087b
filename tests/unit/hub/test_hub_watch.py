"""`outreach hub watch`: unattended ingestion from an inbox folder — claimed once whatever the number
of watchers, refused files explained in the user's language, half-written files left for later,
SIGTERM finishes the bundle in hand. No sleeps: --once passes, pause points and pipes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.cli.main import main
from outreach.storage.store import Store
from outreach.storage.sync_tables import SyncBundle
from outreach.sync import hub as H
from outreach.sync.watch import Watcher
from tests.conftest import ENGINE
from tests.unit.hub.hub_kit import (
    county_state,
    create_hub,
    enrol_lead,
    field_work,
    hub_receive,
    hub_up,
    table_hashes,
    villages_of,
)
from tests.unit.sync.transport_kit import PASS, Laptop, state_diff

ROOT = Path(__file__).resolve().parents[3]
PAUSED = "outreach-test-paused"


def hub_with_bundles(root: Path, n: int):
    """A hub with two enrolled leads, and ``n`` small uplinks from them (alternately)."""
    hub = create_hub(root)
    leads = [enrol_lead(root, hub, f"lead{i}", f"组长{i}", f"第{i + 1}组", villages_of(t))
             for i, t in enumerate(("530102001", "530102002"))]
    for lead in leads:   # the county's areas first, as a real lead would have them
        assert hub_receive(lead, H_down(hub, lead))[0].ok
    paths = []
    for i in range(n):
        lead = leads[i % 2]
        field_work(lead, villages_of("530102001" if i % 2 == 0 else "530102002")[0], f"U{i:02d}", n=1)
        paths.append(hub_up(lead).path)
    return hub, leads, paths


def H_down(hub: Laptop, lead: Laptop):
    from tests.unit.hub.hub_kit import hub_down

    return hub_down(hub, lead)


def fill(inbox: Path, paths) -> list[str]:
    inbox.mkdir(parents=True, exist_ok=True)
    for p in paths:
        shutil.copy2(p, inbox / Path(p).name)
    return sorted(Path(p).name for p in paths)


def cli_args(laptop: Laptop) -> list[str]:
    args = ["--data-dir", str(laptop.dir)]
    if ENGINE == "postgresql":
        args += ["--database-url", laptop.store.url]
    return args


def watch_cmd(laptop: Laptop, inbox: Path, outbox: Path, *more: str) -> list[str]:
    return [sys.executable, "-m", "outreach", *cli_args(laptop), "hub", "watch", str(inbox),
            "--outbox", str(outbox), "--settle", "0", *more]


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "OUTREACH_LANG": "zh_CN", "PYTHONPATH": str(ROOT), **extra}
    out.pop("OUTREACH_TEST_PAUSE_AT", None)
    out.update(extra)
    return out


def wait_paused(proc: subprocess.Popen) -> str:
    for line in proc.stdout:
        if line.startswith(PAUSED):
            return line.split()[1]
    raise AssertionError(f"the watcher never paused: exit {proc.wait()}, {proc.stderr.read()}")


def clone(hub: Laptop, root: Path, name: str, request) -> Laptop:
    """A second store with the hub's identity and data (its folder copied; on PostgreSQL its database
    copied too), so one inbox can be fed to two hubs that started equal."""
    hub.store.close()
    target = root / name
    shutil.copytree(hub.dir, target)
    url = None
    if ENGINE == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.url(f"{hub.store.url.split('@/', 1)[1].split('?', 1)[0]}_{name}")
        source = hub.store.url.split("@/", 1)[1].split("?", 1)[0]
        cluster._sql(f"CREATE DATABASE {url.split('@/', 1)[1].split('?', 1)[0]} TEMPLATE {source}")
        request.addfinalizer(lambda: cluster.drop_database(url))
    hub.store = Store.open(hub.dir, database_url=hub.store.url if ENGINE == "postgresql" else None)
    copy = Laptop.__new__(Laptop)
    copy.dir, copy.outbox = target, root / f"{name}-outbox"
    copy.store = Store.open(target, database_url=url)
    copy.ring = H.unlock_hub(copy.store, PASS)
    return copy


def bundles_in(store) -> int:
    b = SyncBundle.__table__
    with store.connect() as conn:
        return conn.execute(select(func.count()).select_from(b).where(b.c.direction == "in")).scalar_one()


def assert_all_done_once(inbox: Path, names: list[str]) -> None:
    assert sorted(p.name for p in (inbox / "done").iterdir()) == names
    assert not list((inbox / "rejected").iterdir())
    assert not [p for p in inbox.iterdir() if p.is_file()]
    assert not list(inbox.glob("processing-*"))


def test_two_watchers_on_one_inbox_end_identical_to_one_watcher(tmp_path, request):
    hub, leads, paths = hub_with_bundles(tmp_path, 50)
    try:
        single = clone(hub, tmp_path, "single", request)
        names = fill(tmp_path / "inbox", paths)
        fill(tmp_path / "inbox1", paths)

        # watcher 1 claims a bundle and stops right there; watcher 2 takes every other one meanwhile
        first = subprocess.Popen(watch_cmd(hub, tmp_path / "inbox", tmp_path / "out", "--once"),
                                 env=env(OUTREACH_TEST_PAUSE_AT="watch:claimed"), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert wait_paused(first) == "watch:claimed"
        second = subprocess.run(watch_cmd(hub, tmp_path / "inbox", tmp_path / "out", "--once"), env=env(),
                                capture_output=True, text=True, timeout=300)
        out1, err1 = first.communicate("\n", timeout=300)
        assert (first.returncode, second.returncode) == (0, 0), err1 + second.stderr
        assert (out1.count("✓"), second.stdout.count("✓")) == (1, 49), out1 + second.stdout
        assert_all_done_once(tmp_path / "inbox", names)

        t0 = time.perf_counter()
        [report] = Watcher(single.store, single.ring, tmp_path / "inbox1", tmp_path / "out1", settle=0).run(once=True)
        rate = 50 / (time.perf_counter() - t0)
        print(f"\none watcher: {rate:.1f} bundles/s (50 bundles, {ENGINE})")
        assert report.count("imported") == 50
        assert_all_done_once(tmp_path / "inbox1", names)

        two, one = county_state(hub.store), county_state(single.store)
        assert table_hashes(two) == table_hashes(one), state_diff(two, one)
        assert len(two["household"]) == 50
        assert bundles_in(hub.store) == bundles_in(single.store) == 50 + 0
        # each watcher wrote a downlink for the leads it heard from
        assert {p.name.split("-to-")[1][:4] for p in (tmp_path / "out").iterdir()} == \
               {p.name.split("-to-")[1][:4] for p in (tmp_path / "out1").iterdir()}
        single.close()
    finally:
        for x in (hub, *leads):
            x.close()


def test_two_watchers_racing_apply_every_bundle_exactly_once(tmp_path):
    hub, leads, paths = hub_with_bundles(tmp_path, 20)
    try:
        names = fill(tmp_path / "inbox", paths)
        shutil.copy2(paths[3], tmp_path / "inbox" / "again-the-same-bundle.age")   # delivered twice
        procs = [subprocess.Popen(watch_cmd(hub, tmp_path / "inbox", tmp_path / "out", "--once"), env=env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        text = "".join(o for o, _e in outs)
        assert (text.count("✓"), text.count("= ")) == (20, 1), text
        assert_all_done_once(tmp_path / "inbox", sorted([*names, "again-the-same-bundle.age"]))
        assert bundles_in(hub.store) == 20
        assert len(county_state(hub.store)["household"]) == 20
    finally:
        for x in (hub, *leads):
            x.close()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_corrupt_or_foreign_file_is_rejected_with_the_reason_in_the_users_language(tmp_path, monkeypatch,
                                                                                     capsys, lang):
    hub, leads, paths = hub_with_bundles(tmp_path, 1)
    other = create_hub(tmp_path / "other")
    stranger = enrol_lead(tmp_path / "other", other, "lead9", "组长9", "外县", [])
    try:
        inbox = tmp_path / "inbox"
        fill(inbox, paths)
        (inbox / "照片.age").write_bytes("这是一张照片，不是同步包".encode())
        shutil.copy2(hub_up(stranger).path, inbox / "foreign.age")
        data = Path(paths[0]).read_bytes()
        cut = inbox / f"cut-{Path(paths[0]).name}"
        cut.write_bytes(data[:len(data) // 2])
        old = time.time() - 3600   # cut short and untouched for an hour: not a copy in progress any more
        os.utime(cut, (old, old))
        monkeypatch.setenv("OUTREACH_LANG", lang)
        code = main([*cli_args(hub), "hub", "watch", str(inbox), "--outbox", str(tmp_path / "out"),
                     "--once", "--settle", "0"])
        out = capsys.readouterr().out
        assert code == 0
        assert [p.name for p in (inbox / "done").iterdir()] == [Path(paths[0]).name]
        rejected = sorted(p.name for p in (inbox / "rejected").iterdir())
        assert rejected == sorted([cut.name, cut.name + ".reason.txt", "foreign.age", "foreign.age.reason.txt",
                                   "照片.age", "照片.age.reason.txt"])
        reason = {n: (inbox / "rejected" / f"{n}.reason.txt").read_text(encoding="utf-8")
                  for n in ("照片.age", "foreign.age", cut.name)}
        if lang == "zh_CN":
            assert "不是社工助手的同步包" in reason["照片.age"]
            assert "不是发给本团队或本机的" in reason["foreign.age"]
            assert "不完整或已损坏" in reason[cut.name] and "组长0" in reason[cut.name]
            assert "拒收 3 个" in out
        else:
            assert "not an Outreach sync bundle" in reason["照片.age"]
            assert "not addressed to this" in reason["foreign.age"]
            assert "incomplete or damaged" in reason[cut.name] and "组长0" in reason[cut.name]
            assert "rejected 3" in out
        assert bundles_in(hub.store) == 1
        log = (hub.dir / "logs" / "outreach.log").read_text(encoding="utf-8")   # English, for whoever reads it
        assert "foreign.age rejected: This bundle is not addressed" in log and "Imported bundle 1" in log
    finally:
        for x in (hub, *leads, other, stranger):
            x.close()


def test_a_half_written_file_is_left_for_later_then_imported_once_complete(tmp_path):
    hub, leads, paths = hub_with_bundles(tmp_path, 1)
    try:
        inbox, data = tmp_path / "inbox", Path(paths[0]).read_bytes()
        inbox.mkdir()
        part = inbox / Path(paths[0]).name
        part.write_bytes(data[:len(data) // 3])           # the copy is under way

        def run(settle: float, later: float = 0):
            return Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=settle,
                           clock=lambda: time.time() + later).run(once=True)[0]

        assert run(settle=60).outcomes == []               # still changing: not even claimed
        assert part.exists()
        [left] = run(settle=10, later=30).outcomes         # the copy stalled: quiet, yet still cut short
        assert left.status == "left" and part.exists()
        assert not list((inbox / "rejected").iterdir()) and bundles_in(hub.store) == 0
        with open(part, "ab") as fh:                       # the copy completes
            fh.write(data[len(data) // 3:])
        report = run(settle=0)
        assert [o.status for o in report.outcomes] == ["imported"]
        assert [p.name for p in (inbox / "done").iterdir()] == [part.name] and not part.exists()
        assert len(report.downlinks) == 1 and report.downlinks[0].path.parent == tmp_path / "out"
        assert bundles_in(hub.store) == 1
    finally:
        for x in (hub, *leads):
            x.close()


def test_temporary_names_and_abandoned_claims(tmp_path):
    hub, leads, paths = hub_with_bundles(tmp_path, 2)
    try:
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        shutil.copy2(paths[0], inbox / (Path(paths[0]).name + ".part"))      # a copy tool's temporary name
        dead = inbox / "processing-999999999"                                  # a watcher killed mid-file
        dead.mkdir()
        shutil.copy2(paths[1], dead / Path(paths[1]).name)
        # just claimed: perhaps by a watcher on another server sharing the folder — left alone
        report = Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=0).run(once=True)[0]
        assert report.outcomes == [] and (dead / Path(paths[1]).name).exists()
        # claimed ten minutes ago by a process that is gone: put back and imported
        later = Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=0, clock=lambda: time.time() + 700)
        report = later.run(once=True)[0]
        assert [(o.name, o.status) for o in report.outcomes] == [(Path(paths[1]).name, "imported")]
        assert (inbox / (Path(paths[0]).name + ".part")).exists() and not dead.exists()
    finally:
        for x in (hub, *leads):
            x.close()


def test_sigterm_finishes_the_bundle_in_hand_and_exits_cleanly(tmp_path):
    hub, leads, paths = hub_with_bundles(tmp_path, 3)
    try:
        inbox = tmp_path / "inbox"
        names = fill(inbox, paths)
        proc = subprocess.Popen(watch_cmd(hub, inbox, tmp_path / "out"), env=env(OUTREACH_TEST_PAUSE_AT="watch:claimed"),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert wait_paused(proc) == "watch:claimed"
        proc.send_signal(signal.SIGTERM)                  # while it holds one bundle
        out, err = proc.communicate("\n", timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        done = [p.name for p in (inbox / "done").iterdir()]
        waiting = [p.name for p in inbox.iterdir() if p.is_file()]
        assert len(done) == 1 and len(waiting) == 2 and sorted(done + waiting) == names
        assert not list(inbox.glob("processing-*")) and bundles_in(hub.store) == 1
    finally:
        for x in (hub, *leads):
            x.close()


def test_a_watcher_and_a_person_editing_at_the_hub_never_lose_an_update(tmp_path):
    """The person's save waits while the watcher's import holds the write lock, then lands on top."""
    import threading

    from outreach import testhooks
    from outreach.storage.tables import Household

    hub, leads, paths = hub_with_bundles(tmp_path, 1)
    person = Store.open(hub.dir, database_url=hub.store.url if ENGINE == "postgresql" else None)  # the GUI
    try:
        [hid] = field_work(hub, villages_of("530102003")[0], "县里", n=1)
        inbox = tmp_path / "inbox"
        fill(inbox, paths)
        in_commit, go_on, saved = threading.Event(), threading.Event(), threading.Event()

        def hold(_name):
            in_commit.set()
            assert go_on.wait(60)

        def save():
            with person.transaction() as w:
                w.update(Household, hid, {"notes": "县里补充：已联系村委"})
            saved.set()

        with testhooks.hooked("hub:before_commit", hold):
            watcher = threading.Thread(target=lambda: Watcher(hub.store, hub.ring, inbox, tmp_path / "out",
                                                              settle=0).run(once=True))
            watcher.start()
            assert in_commit.wait(60)
            editor = threading.Thread(target=save)
            editor.start()                    # saves while the import is about to commit …
            go_on.set()
            watcher.join(60)
            editor.join(60)
        assert saved.is_set() and not watcher.is_alive()
        state = county_state(hub.store)
        assert {r["code"] for r in state["household"]} == {"U00-000", "县里-000"}
        assert next(r for r in state["household"] if r["id"] == hid)["notes"] == "县里补充：已联系村委"
        assert bundles_in(hub.store) == 1
    finally:
        person.close()
        for x in (hub, *leads):
            x.close()


def test_while_watching_a_growing_file_waits_for_a_stable_size_and_a_stalled_copy_is_given_up(tmp_path):
    """Passes driven one by one (no loop, no sleep); the clock is the watcher's own."""
    hub, leads, paths = hub_with_bundles(tmp_path, 1)
    try:
        inbox, data = tmp_path / "inbox", Path(paths[0]).read_bytes()
        inbox.mkdir()
        part = inbox / Path(paths[0]).name
        part.write_bytes(data[:100])
        now = [time.time() + 30]                            # quiet for longer than `settle` already
        w = Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=2, give_up=600, clock=lambda: now[0])
        w.watching = True
        for folder in ("done", "rejected"):
            (inbox / folder).mkdir()
        assert w.one_pass().outcomes == []                  # first sighting: its size is not known stable
        assert [o.status for o in w.one_pass().outcomes] == ["left"]
        with open(part, "ab") as fh:                        # the copy goes on …
            fh.write(data[100:200])
        now[0] = time.time() + 30
        assert w.one_pass().outcomes == []                  # … it grew since the last pass
        assert [o.status for o in w.one_pass().outcomes] == ["left"]
        now[0] += 601                                       # … and then stalls for good
        [gave_up] = w.one_pass().outcomes
        assert gave_up.status == "refused" and (inbox / "rejected" / (part.name + ".reason.txt")).exists()
        assert bundles_in(hub.store) == 0
    finally:
        for x in (hub, *leads):
            x.close()


def test_a_busy_or_failing_database_leaves_the_files_for_the_next_pass(tmp_path):
    from outreach import testhooks
    from outreach.storage.store import StoreBusy

    hub, leads, paths = hub_with_bundles(tmp_path, 2)
    try:
        inbox = tmp_path / "inbox"
        names = fill(inbox, paths)

        def busy(_name):
            raise StoreBusy("harden.store_busy", path="hub")

        w = Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=0)
        with testhooks.hooked("hub:recorded", busy):      # inside the import's transaction
            [report] = w.run(once=True)
        assert [o.status for o in report.outcomes] == ["left"]       # the pass stopped at the first
        assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == names
        assert not list((inbox / "rejected").iterdir()) and bundles_in(hub.store) == 0
        [report] = Watcher(hub.store, hub.ring, inbox, tmp_path / "out", settle=0).run(once=True)
        assert [o.status for o in report.outcomes] == ["imported", "imported"] and bundles_in(hub.store) == 2
    finally:
        for x in (hub, *leads):
            x.close()
