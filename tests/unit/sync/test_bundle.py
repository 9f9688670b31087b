"""The bundle format on its own (no database): what is written, and every way a file is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from outreach.sync import bundle as B
from outreach.sync.keys import KeyRing, canonical_json, ed25519_public, write_recovery_file
from tests.unit.sync.transport_kit import household_changes

TEAM_ID = "7" * 32
DEV = "d" * 32


class Gate:
    """A registry that knows one team, one enrolled sender, and who 'we' are."""

    def __init__(self, team_id, signers, me):
        self.team_id, self.signers, self.me = team_id, signers, me

    def check_team(self, m):
        if m.team_id != self.team_id:
            raise B.BundleRefused("sync.refused.other_team")

    def signer_key(self, m):
        if m.sender not in self.signers:
            raise B.BundleRefused("sync.refused.unknown_sender")
        return self.signers[m.sender]

    def check_recipient(self, m):
        if not any((r.device, r.age) == self.me for r in m.recipients):
            raise B.BundleRefused("sync.refused.not_addressed")


@pytest.fixture(scope="module")
def lead():
    return KeyRing.generate("1" * 32).with_team_keys()


@pytest.fixture(scope="module")
def worker():
    return KeyRing.generate(DEV)


def uplink(lead, worker, changes=None, **kw):
    team_pub = str(lead.team_age.to_public())
    args = dict(kind=B.UPLINK, team_id=TEAM_ID, sender=DEV, sender_name="李娜的笔记本",
                signer=worker.device_sign, recipients=[B.Recipient(B.TEAM, team_pub)],
                escrow=[str(lead.recovery_age.to_public())], seq=3, prev="c" * 32,
                vector={DEV: 99}, changes=changes if changes is not None else household_changes(6, DEV))
    args.update(kw)
    return B.write_bundle(**args)


def lead_gate(lead, worker):
    return Gate(TEAM_ID, {DEV: ed25519_public(worker.device_sign)}, (B.TEAM, str(lead.team_age.to_public())))


def refused(key, fn, *args, **kw):
    with pytest.raises(B.BundleRefused) as exc:
        fn(*args, **kw)
    assert exc.value.key == key, exc.value.key
    assert exc.value.message("zh_CN") != key and exc.value.message("en") != key
    return exc.value


def test_round_trip_keeps_manifest_and_changes(lead, worker):
    changes = household_changes(6, DEV)
    data, manifest = uplink(lead, worker, changes)
    opened = B.open_bundle(data, lead.identities(), lead_gate(lead, worker))
    assert opened.changes == changes
    m = opened.manifest
    assert (m.kind, m.team_id, m.sender, m.seq, m.prev, m.vector) == (B.UPLINK, TEAM_ID, DEV, 3, "c" * 32, {DEV: 99})
    assert m.change_count == 8 and m.counts == {"household": 8} and m.bundle_id == manifest.bundle_id
    assert m.payload_sha256 == manifest.payload_sha256


def test_outer_file_is_standard_age_and_inner_has_no_archive(lead, worker):
    data, _ = uplink(lead, worker)
    assert data.startswith(b"age-encryption.org/v1\n")
    inner = B.decrypt(data, [lead.team_age])
    assert inner.startswith(B.MAGIC) and b"PK\x03\x04" not in inner[:4]
    lines = inner.split(b"\n")
    manifest = json.loads(lines[1])
    assert manifest["format_version"] == "1.0" and manifest["payload"]["changes"] == 8
    assert lines[1] == canonical_json(manifest)  # canonical form is what was signed


def test_sender_cannot_read_its_own_outbox(lead, worker):
    data, _ = uplink(lead, worker)
    refused("sync.refused.not_for_us", B.decrypt, data, worker.identities())


@pytest.mark.skipif(shutil.which("age") is None, reason="the age command-line tool is not installed (Debian/Ubuntu package age)")
def test_standard_age_tool_opens_a_bundle_with_the_recovery_identity(lead, worker, tmp_path):
    data, _ = uplink(lead, worker)
    (tmp_path / "b.outreach").write_bytes(data)
    write_recovery_file(tmp_path / "recovery.txt", lead)
    out = subprocess.run(["age", "-d", "-i", str(tmp_path / "recovery.txt"), str(tmp_path / "b.outreach")],
                         capture_output=True, check=True).stdout
    assert out == B.decrypt(data, [lead.recovery_age])
    assert out.startswith(B.MAGIC)


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("damage, key", [
    (lambda d: d[: len(d) // 2], "sync.refused.damaged"),
    (lambda d: d[:-1], "sync.refused.damaged"),
    (lambda d: d[:30], "sync.refused.damaged"),
    (lambda d: d + b"garbage appended", "sync.refused.damaged"),
    (lambda d: flip(d, d.index(b"\n---") + 8), "sync.refused.damaged"),      # header MAC
    (lambda d: flip(d, 5), "sync.refused.not_bundle"),                      # magic line
    (lambda d: flip(d, 40), "sync.refused.not_for_us|sync.refused.damaged"),  # recipient stanza
    (lambda d: flip(d, len(d) - 40), "sync.refused.damaged"),               # payload chunk
    (lambda d: b"", "sync.refused.not_bundle"),
    (lambda d: b"PK\x03\x04" + d, "sync.refused.not_bundle"),
])
def test_damaged_files_are_refused(lead, worker, damage, key):
    data, _ = uplink(lead, worker)
    with pytest.raises(B.BundleRefused) as exc:
        B.open_bundle(damage(data), lead.identities(), lead_gate(lead, worker))
    # a flipped bit in a stanza's base64 may break the encoding (damaged) or the key (not for us)
    assert exc.value.key in key.split("|")


def test_bundle_for_another_team_cannot_even_be_opened(lead, worker):
    other = KeyRing.generate("2" * 32).with_team_keys()
    data, _ = uplink(other, worker)
    refused("sync.refused.not_for_us", B.open_bundle, data, lead.identities(), lead_gate(lead, worker))


def test_validly_signed_bundle_reencrypted_to_another_team_is_refused(lead, worker):
    other = KeyRing.generate("2" * 32).with_team_keys()
    data, _ = uplink(other, worker, team_id="8" * 32)  # a real bundle of team 8 …
    inner = B.decrypt(data, [other.team_age])
    forged = B.seal(inner, [str(lead.team_age.to_public())])  # … re-encrypted to our team key
    refused("sync.refused.other_team", B.open_bundle, forged, lead.identities(), lead_gate(lead, worker))


def test_reencrypted_to_us_but_addressed_to_someone_else_is_refused(lead, worker):
    # A downlink meant for device E, re-encrypted by E to us (our team key): not addressed to us.
    e = KeyRing.generate("e" * 32)
    data, _ = uplink(lead, worker, kind=B.DOWNLINK, recipients=[B.Recipient("e" * 32, str(e.device_age.to_public()))])
    forged = B.seal(B.decrypt(data, [e.device_age]), [str(lead.team_age.to_public())])
    refused("sync.refused.not_addressed", B.open_bundle, forged, lead.identities(), lead_gate(lead, worker))


def test_unknown_signer_and_forged_signature(lead, worker):
    data, _ = uplink(lead, worker, sender="f" * 32)
    refused("sync.refused.unknown_sender", B.open_bundle, data, lead.identities(), lead_gate(lead, worker))
    data, _ = uplink(lead, worker, signer=Ed25519PrivateKey.generate())  # claims DEV, signed by another key
    refused("sync.refused.bad_signature", B.open_bundle, data, lead.identities(), lead_gate(lead, worker))


def resign(lead, worker, data, edit_manifest=None, edit_payload=None, fix_hash=True):
    """What a malicious or buggy enrolled device could produce: a properly signed, edited bundle."""
    inner = B.decrypt(data, [lead.team_age])
    manifest_bytes, _sig, payload = B.split_inner(inner)
    manifest = json.loads(manifest_bytes)
    if edit_payload:
        payload = edit_payload(payload)
        if fix_hash:
            manifest["payload"]["sha256"] = hashlib.sha256(payload).hexdigest()
            manifest["payload"]["bytes"] = len(payload)
    if edit_manifest:
        edit_manifest(manifest)
    return B.seal(B.build_inner(manifest, payload, worker.device_sign), [str(lead.team_age.to_public())])


def test_unknown_major_version_is_refused_and_unknown_minor_fields_ignored(lead, worker):
    data, _ = uplink(lead, worker)
    newer = resign(lead, worker, data, edit_manifest=lambda m: m.update(format_version="2.0"))
    exc = refused("sync.refused.newer_format", B.open_bundle, newer, lead.identities(), lead_gate(lead, worker))
    assert "2.0" in exc.message("en")
    minor = resign(lead, worker, data, edit_manifest=lambda m: m.update(format_version="1.9", shiny_new={"x": 1}))
    opened = B.open_bundle(minor, lead.identities(), lead_gate(lead, worker))
    assert opened.manifest.format_minor == 9 and opened.manifest.extra == {"shiny_new": {"x": 1}}
    assert len(opened.changes) == 8


def test_payload_not_matching_the_signed_manifest_is_refused(lead, worker):
    data, _ = uplink(lead, worker)
    edited = resign(lead, worker, data, edit_payload=lambda p: p.replace(b"13800000000", b"13900000000"),
                    fix_hash=False)
    refused("sync.refused.payload_mismatch", B.open_bundle, edited, lead.identities(), lead_gate(lead, worker))
    fewer = resign(lead, worker, data, edit_payload=lambda p: b"\n".join(p.split(b"\n")[1:]))
    refused("sync.refused.payload_mismatch", B.open_bundle, fewer, lead.identities(), lead_gate(lead, worker))


@pytest.mark.parametrize("edit, reason", [
    (lambda c: c.update(value=json.dumps(13800000000)) if c["field"] == "phone" else None, "phone"),
    (lambda c: c.update(entity="password"), "unknown entity"),
    (lambda c: c.update(field="search_pinyin", entity="person"), "unknown field"),
    (lambda c: c.update(field="hlc") if c["field"] == "phone" else None, "cannot be changed"),
    (lambda c: c.update(hlc=-1), "hlc"),
    (lambda c: c.update(hlc=True), "hlc"),
    (lambda c: c.update(row_id="../../etc/passwd"), "row_id"),
    (lambda c: c.pop("device_id"), "missing"),
    (lambda c: c.update(value="{not json"), "JSON"),
    (lambda c: c.update(value=json.dumps(1.5)) if c["field"] == "phone" else None, "float"),
])
def test_hand_edited_json_breaking_the_schema_is_refused(lead, worker, edit, reason):
    changes = household_changes(3, DEV)
    for c in changes:
        edit(c)
    lines = b"".join(json.dumps(c, ensure_ascii=False).encode() + b"\n" for c in changes)
    data, _ = uplink(lead, worker)
    bad = resign(lead, worker, data, edit_payload=lambda _p: lines,
                 edit_manifest=lambda m: m["payload"].update(changes=len(changes), counts={}))
    exc = refused("sync.refused.bad_change", B.open_bundle, bad, lead.identities(), lead_gate(lead, worker))
    assert reason in exc.message("en")


def test_hard_caps(lead, worker):
    data, _ = uplink(lead, worker)
    gate = lead_gate(lead, worker)
    refused("sync.refused.too_large", B.open_bundle, data, lead.identities(), gate, B.Limits(max_file_bytes=1000))
    refused("sync.refused.too_many_changes", B.open_bundle, data, lead.identities(), gate, B.Limits(max_changes=7))
    refused("sync.refused.bad_change", B.open_bundle, data, lead.identities(), gate, B.Limits(max_line_bytes=100))
    refused("sync.refused.bad_manifest", B.open_bundle, data, lead.identities(), gate,
            B.Limits(max_manifest_bytes=100))


def test_manifest_schema_is_checked(lead, worker):
    data, _ = uplink(lead, worker)
    for edit in (lambda m: m.update(seq=0), lambda m: m.update(team_id="x"), lambda m: m.pop("vector"),
                 lambda m: m.update(recipients=[]), lambda m: m.update(kind="sideways")):
        bad = resign(lead, worker, data, edit_manifest=edit)
        refused("sync.refused.bad_manifest", B.open_bundle, bad, lead.identities(), lead_gate(lead, worker))


def test_empty_bundle_is_valid(lead, worker):
    data, _ = uplink(lead, worker, changes=[])
    opened = B.open_bundle(data, lead.identities(), lead_gate(lead, worker))
    assert opened.changes == [] and opened.manifest.change_count == 0


def test_pyrage_identity_types_are_what_we_expect():
    assert isinstance(KeyRing.generate("3" * 32).device_age, x25519.Identity)


def test_change_base_travels_and_is_checked(lead, worker):
    changes = household_changes(3, DEV)
    changes[1]["base"] = [changes[0]["hlc"], DEV]
    data, _ = uplink(lead, worker, changes)
    opened = B.open_bundle(data, lead.identities(), lead_gate(lead, worker))
    assert opened.changes[1]["base"] == [changes[0]["hlc"], DEV] and "base" not in opened.changes[0]
    changes[1]["base"] = [1, "not a device"]
    data, _ = uplink(lead, worker, changes)
    refused("sync.refused.bad_change", B.open_bundle, data, lead.identities(), lead_gate(lead, worker))


def test_deeply_nested_json_is_refused_not_a_crash(lead, worker):
    data, _ = uplink(lead, worker)
    deep = b"[" * 200_000 + b"\n"
    bad = resign(lead, worker, data, edit_payload=lambda _p: deep,
                 edit_manifest=lambda m: m["payload"].update(changes=1, counts={}))
    refused("sync.refused.bad_change", B.open_bundle, bad, lead.identities(), lead_gate(lead, worker))


# --------------------------------------------------------------------------- issue 14: formats and streaming
def test_bundle_from_the_previous_writer_still_opens(lead, worker):
    """Format 1.0 is unchanged: a payload written line by line with the standard json module (what
    every earlier version wrote), and one that is valid but not canonical, both open."""
    changes = household_changes(4, DEV)
    data, _ = uplink(lead, worker)
    for dumps in (lambda c: B._encode_wire(c),
                  lambda c: json.dumps(dict(reversed(list(c.items()))), ensure_ascii=True, indent=None).encode()):
        payload = b"".join(dumps(c) + b"\n" for c in changes)
        old = resign(lead, worker, data, edit_payload=lambda _p, payload=payload: payload,
                     edit_manifest=lambda m: m["payload"].update(changes=len(changes), counts={"household": len(changes)}))
        opened = B.open_bundle(old, lead.identities(), lead_gate(lead, worker))
        assert opened.changes == changes and opened.manifest.format_minor == 0


def test_lines_are_checked_in_batches_as_they_decrypt(lead, worker, monkeypatch):
    from outreach.sync import bundle_stream

    monkeypatch.setattr(bundle_stream, "BATCH_BYTES", 700)   # a batch every line or two
    changes = household_changes(30, DEV)
    data, _ = uplink(lead, worker, changes)
    assert B.open_bundle(data, lead.identities(), lead_gate(lead, worker)).changes == changes
    changes[25]["row_id"] = "../../etc/passwd"
    lines = b"".join(json.dumps(c, ensure_ascii=False).encode() + b"\n" for c in changes)
    bad = resign(lead, worker, data, edit_payload=lambda _p: lines,
                 edit_manifest=lambda m: m["payload"].update(changes=len(changes), counts={}))
    exc = refused("sync.refused.bad_change", B.open_bundle, bad, lead.identities(), lead_gate(lead, worker))
    assert exc.params["line"] == 26 and "row_id" in exc.message("en")
    # the same file cut short is damaged, whatever its lines say (nothing is trusted before the end)
    refused("sync.refused.damaged", B.open_bundle, bad[:-100], lead.identities(), lead_gate(lead, worker))


def test_payload_of_an_unsigned_or_oversized_bundle_is_not_parsed(lead, worker, monkeypatch):
    checked = []
    real = B.check_lines
    monkeypatch.setattr(B, "check_lines", lambda lines, *a, **k: checked.append(len(lines)) or real(lines, *a, **k))
    data, _ = uplink(lead, worker, signer=Ed25519PrivateKey.generate())     # claims DEV, signed by another key
    refused("sync.refused.bad_signature", B.open_bundle, data, lead.identities(), lead_gate(lead, worker))
    assert checked == []
    # 60 lines where the manifest announces 8 and at most 10 are allowed: parsing stops at the cap
    data, _ = uplink(lead, worker)
    many = b"".join(B._encode_wire(c) + b"\n" for c in household_changes(45, DEV))
    bad = resign(lead, worker, data, edit_payload=lambda _p: many)
    refused("sync.refused.payload_mismatch", B.open_bundle, bad, lead.identities(), lead_gate(lead, worker),
            B.Limits(max_changes=10))
    assert sum(checked) <= 10
