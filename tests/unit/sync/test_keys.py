"""Device and team keys: the passphrase-protected key file, fingerprints, signatures."""

from __future__ import annotations

import json
import os
import stat

import pytest

from outreach.domain.errors import OutreachError
from outreach.sync import keys
from outreach.sync.keys import FAST_KDF_FOR_TESTS, KeyRing

PASS = "correct horse battery"


@pytest.fixture
def ring():
    return KeyRing.generate("a" * 32).with_team_keys()


def test_key_file_round_trip_keeps_every_key(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    back = keys.load_keyring(path, PASS)
    assert back.public() == ring.public()
    assert back.is_lead and back.device_id == ring.device_id
    sig = keys.sign(back.device_sign, b"msg")
    assert keys.verify(ring.public()["device_sign"], b"msg", sig)
    assert not keys.verify(ring.public()["team_sign"], b"msg", sig)


def test_key_file_holds_no_secret_in_clear_and_is_owner_only(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    text = path.read_text()
    assert "AGE-SECRET-KEY" not in text
    assert str(ring.device_age) not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    doc = json.loads(text)
    assert doc["kdf"]["name"] == "argon2id" and doc["kdf"]["memory_kib"] == FAST_KDF_FOR_TESTS.memory_kib


def test_default_kdf_parameters_are_stored_with_the_file(tmp_path):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, KeyRing.generate("b" * 32), PASS)
    kdf = json.loads(path.read_text())["kdf"]
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (65536, 3, 4)
    assert keys.load_keyring(path, PASS).device_id == "b" * 32


def test_wrong_passphrase_is_one_clear_error(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    with pytest.raises(OutreachError) as exc:
        keys.load_keyring(path, "wrong horse battery")
    assert exc.value.key == "sync.error.wrong_passphrase"
    assert "口令" in exc.value.message("zh_CN") and "passphrase" in exc.value.message("en")


def test_swapped_public_key_in_the_file_refuses_to_open(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    doc = json.loads(path.read_text())
    doc["public"]["team_age"] = str(KeyRing.generate("c" * 32).device_age.to_public())
    path.write_text(json.dumps(doc))
    with pytest.raises(OutreachError):
        keys.load_keyring(path, PASS)


def test_absurd_kdf_parameters_are_refused_before_deriving(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    doc = json.loads(path.read_text())
    doc["kdf"]["memory_kib"] = 2**40
    path.write_text(json.dumps(doc))
    with pytest.raises(OutreachError) as exc:
        keys.load_keyring(path, PASS)
    assert exc.value.key == "sync.error.keystore_damaged"


def test_missing_and_garbage_key_files(tmp_path):
    with pytest.raises(OutreachError) as exc:
        keys.load_keyring(tmp_path / "nope.json", PASS)
    assert exc.value.key == "sync.error.no_keys"
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\xff not json")
    with pytest.raises(OutreachError) as exc:
        keys.load_keyring(bad, PASS)
    assert exc.value.key == "sync.error.keystore_damaged"


def test_change_passphrase(tmp_path, ring):
    path = tmp_path / keys.KEYSTORE_NAME
    keys.save_keyring(path, ring, PASS, kdf=FAST_KDF_FOR_TESTS)
    keys.change_passphrase(path, PASS, "another long phrase", kdf=FAST_KDF_FOR_TESTS)
    assert keys.load_keyring(path, "another long phrase").public() == ring.public()
    with pytest.raises(OutreachError):
        keys.load_keyring(path, PASS)
    with pytest.raises(OutreachError) as exc:
        keys.change_passphrase(path, "another long phrase", "short")
    assert exc.value.key == "hard.passphrase.weak"


def test_fingerprint_is_deterministic_short_and_sensitive_to_every_key():
    a = keys.fingerprint("team", "age1x", "dev", "age1y")
    assert a == keys.fingerprint("team", "age1x", "dev", "age1y")
    groups = a.split(" ")
    assert len(groups) == 5 and all(len(g) == 4 and g.isdigit() for g in groups)
    assert a != keys.fingerprint("team", "age1x", "dev", "age1z")
    assert a != keys.fingerprint("team", "age1y", "dev", "age1x")


def test_recovery_identity_file_is_an_age_identity(ring, tmp_path):
    path = tmp_path / "recovery.txt"
    keys.write_recovery_file(path, ring)
    text = path.read_text()
    assert text.strip().splitlines()[-1].startswith("AGE-SECRET-KEY-1")
    assert f"# public key: {ring.recovery_age.to_public()}" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(OutreachError):
        KeyRing.generate("d" * 32).recovery_identity_file()


def test_canonical_json_refuses_floats_and_sorts_keys():
    assert keys.canonical_json({"b": 1, "a": "东"}) == '{"a":"东","b":1}'.encode()
    with pytest.raises(TypeError):
        keys.canonical_json({"a": [1.5]})
