"""``age_stream`` writes age v1 files that pyrage (the age reader every Outreach version uses) opens
with either recipient's key — whatever the size (empty, one byte, a chunk exactly, a chunk and a
byte, many chunks) and however the plaintext is written in — and that nobody else opens; damage and
truncation are refused as for pyrage's own files."""

from __future__ import annotations

import io
import os

import pyrage
import pytest
from pyrage import x25519

from outreach.sync import age_stream as A
from outreach.sync import bundle as B
from outreach.sync import bundle_stream as S
from tests.unit.sync.test_bundle import lead, lead_gate, refused, uplink, worker  # noqa: F401

CHUNK = A.CHUNK


@pytest.fixture(scope="module")
def keys():
    ids = [x25519.Identity.generate() for _ in range(2)]
    return ids, [str(i.to_public()) for i in ids]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12345])
@pytest.mark.parametrize("piece", [None, 1000, CHUNK, 3 * CHUNK])
def test_pyrage_opens_what_it_writes_with_either_key(keys, size, piece):
    ids, recipients = keys
    data = os.urandom(size)
    out = io.BytesIO()
    writer = A.AgeWriter(out, recipients)
    for start in range(0, size, piece or size or 1):
        writer.write(data[start:start + (piece or size)])
    writer.close()
    ct = out.getvalue()
    assert [pyrage.decrypt(ct, [i]) for i in ids] == [data, data]
    assert B.check_age_header(ct) == 2
    # the ciphertext's size is pyrage's (less its grease stanza): chunks of 64 KiB + 16, the last marked
    chunks = max(1, -(-size // CHUNK))
    assert len(ct.split(b"\n--- ", 1)[1]) == 44 + 16 + size + 16 * chunks


def test_another_key_cannot_open_it_and_damage_is_refused(keys):
    _ids, recipients = keys
    data = os.urandom(2 * CHUNK + 7)
    ct = A.encrypt(data, recipients[:1])
    stranger = x25519.Identity.generate()
    with pytest.raises(B.BundleRefused) as refused:
        B.decrypt(ct, [stranger])
    assert refused.value.key == "sync.refused.not_for_us"
    for bad in (ct[:-1], ct[:-(CHUNK + 16)], ct[:-20] + bytes([ct[-20] ^ 1]) + ct[-19:], ct + b"\0"):
        with pytest.raises(B.BundleRefused) as refused:
            B.decrypt(bad, keys[0][:1])
        assert refused.value.key == "sync.refused.damaged"


def test_each_file_has_its_own_keys(keys):
    _ids, recipients = keys
    a, b = A.encrypt(b"same", recipients), A.encrypt(b"same", recipients)
    assert a != b and a.split(b"\n")[1] != b.split(b"\n")[1]


def test_recipients_are_read_as_pyrage_reads_them(keys):
    _ids, recipients = keys
    assert all(len(A.recipient_key(r)) == 32 for r in recipients)
    good = recipients[0]
    assert A.recipient_key(good.upper()) == A.recipient_key(good)   # Bech32's other case, as pyrage reads it
    flipped = good[:-1] + ("q" if good[-1] != "q" else "p")
    for bad in (flipped, good[:9] + good[9:].upper(), "age1", good.replace("age1", "agf1"), good[:-7] + good[-6:]):
        with pytest.raises(ValueError):
            A.recipient_key(bad)
        with pytest.raises(Exception):   # noqa: B017  (pyrage refuses it too)
            x25519.Recipient.from_str(bad)


# --------------------------------------------------------------------------- reading
def _read_all(ct: bytes, identities, piece: int = 1 << 20) -> bytes:
    src, out = io.BytesIO(ct), []
    A.decrypt_into(lambda n: src.read(min(n, piece)), out.append, identities)
    return b"".join(out)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 12345])
def test_it_reads_what_pyrage_and_it_write(keys, size):
    ids, recipients = keys
    data = os.urandom(size)
    ours = A.encrypt(data, recipients)
    theirs = pyrage.encrypt(data, [i.to_public() for i in ids])   # an older laptop's file (rage adds grease)
    for ct in (ours, theirs):
        assert _read_all(ct, ids) == data
        assert _read_all(ct, [x25519.Identity.generate(), ids[1]], piece=1000) == data


def _stream_of(chunks: list[tuple[bytes, bool]], recipients) -> bytes:
    out = io.BytesIO()
    writer = A.AgeWriter(out, recipients)
    for data, last in chunks:
        writer._seal(data, last=last)
    return out.getvalue()


def test_anything_it_does_not_plainly_accept_is_left_to_pyrage(keys):
    ids, recipients = keys
    ct = A.encrypt(os.urandom(2 * CHUNK + 7), recipients)
    head = ct.index(b"\n--- ") + 1
    body_start = ct.index(b"\n", head) + 1
    bad = {
        "another key": (ct, [x25519.Identity.generate()]),
        "cut in the header": (ct[:head], ids),
        "cut in the nonce": (ct[:body_start + 8], ids),
        "a chunk cut": (ct[:-1], ids),
        "the last chunk dropped": (ct[:body_start + 16 + 2 * (CHUNK + 16)], ids),
        "a byte after the end": (ct + b"\0", ids),
        "payload altered": (ct[:-5] + bytes([ct[-5] ^ 1]) + ct[-4:], ids),
        "MAC altered": (ct[:head + 4] + (b"A" if ct[head + 4:head + 5] != b"A" else b"B") + ct[head + 5:], ids),
        "armored": (b"-----BEGIN AGE ENCRYPTED FILE-----\n" + ct, ids),
        "an empty last chunk after a full one": (_stream_of([(bytes(CHUNK), False), (b"", True)], recipients), ids),
        "a full chunk not marked last at the end": (_stream_of([(bytes(CHUNK), False)], recipients), ids),
        "scrypt stanza": (ct.replace(b"-> X25519 ", b"-> scrypt ", 1), ids),
    }
    for name, (data, identities) in bad.items():
        with pytest.raises(A.NotPlain):
            _read_all(data, identities)
        with pytest.raises(pyrage.DecryptError):   # pyrage refuses each too (so no verdict changes)
            pyrage.decrypt(data, identities)
        assert name


def test_a_failing_reader_is_left_to_pyrage(keys):
    ids, recipients = keys
    ct = A.encrypt(os.urandom(CHUNK * 2), recipients)
    src = io.BytesIO(ct)

    def read(n):
        if src.tell() > CHUNK:
            raise OSError("the stick was pulled out")
        return src.read(n)

    with pytest.raises(A.NotPlain):
        A.decrypt_into(read, lambda _d: None, ids)


# --------------------------------------------------------------------------- in the bundle reader
class _Unseekable(io.BytesIO):
    def seekable(self):
        return False


def test_bundles_open_by_the_fast_reader_and_pyrage_alike(lead, worker, monkeypatch):  # noqa: F811
    data, _m = uplink(lead, worker)
    older = pyrage.encrypt(B.decrypt(data, [lead.team_age]), [lead.team_age.to_public()])   # written by pyrage
    gate = lead_gate(lead, worker)
    expected = S.open_stream(io.BytesIO(data), lead.identities(), gate)
    real = pyrage.decrypt_io
    used = []
    monkeypatch.setattr(pyrage, "decrypt_io", lambda *a: used.append(1) or real(*a))
    for ct in (data, older):
        got = S.open_stream(io.BytesIO(ct), lead.identities(), gate)
        assert (got.manifest, got.changes) == (expected.manifest, expected.changes)
    assert used == []                       # both read by the fast reader
    got = S.open_stream(_Unseekable(data), lead.identities(), gate)
    assert got.changes == expected.changes and used == [1]   # a stream it cannot go back in: pyrage


def test_a_damaged_bundle_is_refused_by_pyrage_as_before(lead, worker, monkeypatch):  # noqa: F811
    data, _m = uplink(lead, worker)
    real = pyrage.decrypt_io
    used = []
    monkeypatch.setattr(pyrage, "decrypt_io", lambda *a: used.append(1) or real(*a))
    for bad, key in ((data[:-1], "sync.refused.damaged"), (data[:-40] + bytes([data[-40] ^ 4]) + data[-39:],
                                                           "sync.refused.damaged")):
        refused(key, S.open_stream, io.BytesIO(bad), lead.identities(), lead_gate(lead, worker))
    refused("sync.refused.not_for_us", S.open_stream, io.BytesIO(data), [x25519.Identity.generate()],
            lead_gate(lead, worker))
    assert used == [1, 1, 1]
