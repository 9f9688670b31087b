"""Files that must not stall the lead's laptop (issue 11, item 2) and numbers from a bundle that must not
size anything (item 3): each refused quickly, in one translated line, with nothing written.

"Quickly" is checked by what was done, not by a stopwatch (a loaded CI machine can take seconds for
anything): a FIFO or device is refused before any file object is made from it (nothing read from it, no
wait for a writer), a bundle with too many recipients before any decryption starts; a file that would
hang the import fails the test after a minute (and pytest-timeout bounds every test)."""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

import pytest

from outreach.domain.errors import OutreachError
from outreach.inputfiles import open_capped, read_capped
from outreach.sync import bundle as B
from outreach.sync import transport
from tests.unit.sync.transport_kit import (
    DONGPING,
    HLC0,
    add_household,
    change,
    create_lead,
    db_hash,
    downlink,
    forged_uplink,
    join,
    receive,
    uplink,
)

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                 reason="needs FIFOs and /dev/zero (POSIX)")


@pytest.fixture
def team(tmp_path):
    lead = create_lead(tmp_path)
    li = join(tmp_path, lead, "li", "李娜", [DONGPING])
    receive(li, downlink(lead, li))
    yield lead, li
    for laptop in (lead, li):
        laptop.close()


@pytest.fixture
def watched(monkeypatch) -> dict[str, list]:
    """What an import did: ``opened`` the files it got a readable file object for, ``decrypted`` each
    start of an age decryption."""
    import pyrage

    seen: dict[str, list] = {"opened": [], "decrypted": []}
    real_open = transport.open_regular

    def open_regular(path):
        fh = real_open(path)
        seen["opened"].append(str(path))
        return fh

    def decrypting(real):
        def wrapper(*args, **kwargs):
            seen["decrypted"].append(real.__name__)
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(transport, "open_regular", open_regular)
    monkeypatch.setattr(pyrage, "decrypt", decrypting(pyrage.decrypt))
    monkeypatch.setattr(pyrage, "decrypt_io", decrypting(pyrage.decrypt_io))
    return seen


def guarded_import(lead, path: Path) -> transport.ImportResult:
    """Import in a thread, so a file that hangs fails the test instead of hanging it."""
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("r", transport.import_file(lead.store, lead.ring, path)),
                         daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), f"importing {path.name} hangs"
    return box["r"]


def assert_one_line(result: transport.ImportResult, key: str) -> None:
    assert result.status == transport.REFUSED and result.message.key == key, result.message
    for lang in ("zh_CN", "en"):
        text = result.text(lang)
        assert "\n" not in text and "harden." not in text and "Traceback" not in text


# --------------------------------------------------------------------------- not regular files
@needs_posix
def test_symlink_to_dev_zero_is_refused_without_reading(team, tmp_path, watched):
    lead, _li = team
    before = db_hash(lead.store)
    link = tmp_path / "x.age"
    link.symlink_to("/dev/zero")
    result = guarded_import(lead, link)
    assert_one_line(result, "harden.file.not_regular.device")
    assert watched == {"opened": [], "decrypted": []} and db_hash(lead.store) == before   # nothing read


@needs_posix
def test_fifo_is_refused_without_waiting_for_a_writer(team, tmp_path, watched):
    lead, _li = team
    before = db_hash(lead.store)
    fifo = tmp_path / "x.age"
    os.mkfifo(fifo)
    result = guarded_import(lead, fifo)     # no writer ever comes: waiting for one would hang here
    assert_one_line(result, "harden.file.not_regular.fifo")
    assert watched == {"opened": [], "decrypted": []} and db_hash(lead.store) == before


def test_folder_named_like_a_bundle_is_refused(team, tmp_path):
    lead, _li = team
    folder = tmp_path / "x.age"
    folder.mkdir()
    result = guarded_import(lead, folder)
    assert result.status == transport.REFUSED
    assert result.message.key in ("harden.file.not_regular.directory", "sync.refused.unreadable")


def test_read_capped_stops_at_the_cap_while_reading(tmp_path):
    f = tmp_path / "big.csv"
    f.write_bytes(b"a" * 5000)
    assert read_capped(f, 5000, what="csv") == b"a" * 5000
    with pytest.raises(OutreachError) as exc:
        read_capped(f, 4999, what="csv")
    assert exc.value.key == "harden.file.too_large.csv" and str(f) in exc.value.message("en")
    with pytest.raises(OutreachError), open_capped(f, 5000, what="csv") as fh:   # grown after the open
        with f.open("ab") as more:
            more.write(b"b" * 10)
        fh.read()


@needs_posix
def test_invite_request_and_csv_readers_refuse_a_fifo_and_dev_zero(tmp_path, store, monkeypatch, capsys):
    from outreach.cli.main import main
    from outreach.services.areas import import_areas_csv
    from outreach.services.directory_csv import read_providers_csv

    fifo = tmp_path / "invite.json"
    os.mkfifo(fifo)
    zero = tmp_path / "areas.csv"
    zero.symlink_to("/dev/zero")
    monkeypatch.setenv("OUTREACH_PASSPHRASE", "县社工站2026春-长口令")
    code = main(["--lang", "en", "--data-dir", str(tmp_path / "w"), "team", "join", str(fifo), "-o",
                 str(tmp_path / "req.json")])
    out, err = capsys.readouterr()
    assert code == 2 and "named pipe" in err and "Traceback" not in err + out
    assert not (tmp_path / "req.json").exists()
    for reader in (lambda p: import_areas_csv(store, p), read_providers_csv):
        for path, key in ((fifo, "harden.file.not_regular.fifo"), (zero, "harden.file.not_regular.device")):
            with pytest.raises(OutreachError) as exc:
                reader(path)
            assert exc.value.key == key     # refused on the opened descriptor's type, before any read


# --------------------------------------------------------------------------- the age header
def stanza(i: int) -> bytes:
    arg = base64.b64encode(i.to_bytes(32, "big")).rstrip(b"=")
    body = base64.b64encode(bytes(32)).rstrip(b"=")
    return b"-> X25519 " + arg + b"\n" + body + b"\n"


def many_stanzas(n: int) -> bytes:
    return B.AGE_MAGIC + b"".join(stanza(i) for i in range(n)) + b"--- " + b"A" * 43 + b"\n" + os.urandom(64)


def armor(data: bytes) -> bytes:
    text = base64.b64encode(data)
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return B.AGE_ARMOR + b"\n" + b"\n".join(lines) + b"\n-----END AGE ENCRYPTED FILE-----\n"


def test_real_bundles_have_two_or_three_stanzas(team, watched):
    lead, li = team
    data = uplink(li).path.read_bytes()
    assert B.check_age_header(data) in (2, 3)
    assert B.check_age_header(armor(data)) == B.check_age_header(data)
    [r] = receive(lead, uplink(li))
    assert r.status == transport.IMPORTED
    assert watched["decrypted"]     # the watch sees a real import decrypt (what the refusals above lack)
    sent = uplink(li)
    assert guarded_import(lead, sent.path).status in (transport.IMPORTED, transport.ALREADY)
    assert watched["opened"][-1] == str(sent.path)   # a regular file is opened (the refusals above: none)


@pytest.mark.parametrize("n", [9, 1_000, 10_000])
def test_many_recipient_stanzas_are_refused_before_decryption(team, tmp_path, n, watched):
    lead, _li = team
    before = db_hash(lead.store)
    path = tmp_path / f"stanzas-{n}.age"
    path.write_bytes(many_stanzas(n))
    result = guarded_import(lead, path)
    key = "harden.age.too_many_recipients" if n * 90 < B.DEFAULT_LIMITS.max_header_bytes else "harden.age.header"
    assert result.status == transport.REFUSED and result.message.key in (key, "harden.age.too_many_recipients")
    assert_one_line(result, result.message.key)
    assert watched["decrypted"] == [] and db_hash(lead.store) == before     # refused on the header alone
    with pytest.raises(B.BundleRefused):
        B.check_age_header(armor(many_stanzas(n)))


def test_header_without_end_or_oversized_is_refused(tmp_path):
    with pytest.raises(B.BundleRefused) as exc:
        B.check_age_header(B.AGE_MAGIC + stanza(1) + b"A" * 64 + b"\n" * 0 + b"A" * 64 * 400)
    assert exc.value.key == "harden.age.header"
    with pytest.raises(B.BundleRefused):
        B.check_age_header(B.AGE_MAGIC + b"--- " + b"A" * 43 + b"\n")     # no recipient at all


# --------------------------------------------------------------------------- numbers from a bundle
@pytest.mark.parametrize("seq", [9_223_372_036_854_775_807, 30_000_000])
def test_huge_sequence_number_is_refused_with_nothing_recorded(team, seq):
    lead, li = team
    x = add_household(li, "东坪-0001", DONGPING)
    before = db_hash(lead.store)
    bad = forged_uplink(li, lead, [change("household", x, "notes", "坏", HLC0 + 5, li.id)], seq=seq)
    [r] = receive(lead, bad)
    assert_one_line(r, "harden.seq.out_of_range")
    assert db_hash(lead.store) == before                      # no record, no change
    [good] = receive(lead, uplink(li))                        # the laptop's next genuine bundle …
    assert good.status == transport.IMPORTED and not good.gaps
    status = transport.status_report(lead.store)              # … and team status still work
    assert [d["gaps"] for d in status["devices"] if d["device_id"] == li.id] == [[]]


def test_sequence_jump_is_refused_and_later_bundles_import(team):
    lead, li = team
    before = db_hash(lead.store)
    bad = forged_uplink(li, lead, [], seq=transport.MAX_SEQ_JUMP + 5)
    [r] = receive(lead, bad)
    assert_one_line(r, "harden.seq.jump")
    assert db_hash(lead.store) == before
    [good] = receive(lead, uplink(li))
    assert good.status == transport.IMPORTED


def test_gaps_are_listed_up_to_a_bound_and_counted_beyond(team):
    lead, li = team
    far = forged_uplink(li, lead, [], seq=transport.MAX_SEQ_JUMP - 1)
    [r] = receive(lead, far)
    assert r.status == transport.IMPORTED
    assert len(r.gaps) == transport.GAPS_LISTED + 1
    assert r.gaps[-1].key == "harden.gaps.more" and r.gaps[-1].params["count"] == far_missing(r)
    status = transport.status_report(lead.store)
    gaps = next(d["gaps"] for d in status["devices"] if d["device_id"] == li.id)
    assert gaps[:3] == [1, 2, 3] and len(gaps) <= 100


def far_missing(r: transport.ImportResult) -> int:
    return (transport.MAX_SEQ_JUMP - 2) - transport.GAPS_LISTED


def test_manifest_counts_are_range_checked(team):
    lead, li = team
    from tests.unit.sync.test_transport import forge

    before = db_hash(lead.store)
    data = uplink(li).path.read_bytes()

    def huge(m):
        m["payload"]["changes"] = 10**12

    path = li.outbox / "huge-count.age"
    path.write_bytes(forge(li, data, lead, edit_manifest=huge))
    [r] = receive(lead, path)
    assert r.status == transport.REFUSED and r.message.key == "sync.refused.bad_manifest"
    assert db_hash(lead.store) == before


def test_a_failure_after_the_record_leaves_no_record_and_reimport_works(team):
    from outreach import testhooks

    lead, li = team
    add_household(li, "东坪-0001", DONGPING)
    bundle = uplink(li).path
    before = db_hash(lead.store)

    def fail(_point):
        raise MemoryError("injected")

    with testhooks.hooked("import:before_commit", fail):
        [r] = receive(lead, bundle)
    assert r.status == transport.REFUSED and r.message.key == "sync.refused.internal"
    assert db_hash(lead.store) == before
    [again] = receive(lead, bundle)
    assert again.status == transport.IMPORTED


def test_a_store_poisoned_by_an_older_version_still_shows_status_and_imports(team):
    """A huge sequence number recorded before this fix (issue 11: every later import and `team status`
    failed with MemoryError) no longer sizes anything."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    lead, li = team
    with lead.store.engine.begin() as conn:
        conn.execute(insert(transport.BUNDLES).values(
            bundle_id="f" * 32, direction="in", kind="uplink", team_id="0" * 32, sender=li.id, stream="team",
            seq=2**63 - 1, change_count=0, created_at=datetime.now(UTC), recorded_at=datetime.now(UTC)))
    status = transport.status_report(lead.store)
    gaps = next(d["gaps"] for d in status["devices"] if d["device_id"] == li.id)
    assert gaps[:2] == [1, 2] and len(gaps) <= 100
    [good] = receive(lead, uplink(li))
    assert good.status == transport.IMPORTED
    assert good.gaps[-1].key == "harden.gaps.more" and "\n" not in good.text("en")
