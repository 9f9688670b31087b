"""New key-file passphrases are judged by zxcvbn, and a weak one is refused with a translated reason
and advice (issue 11, item 8) — never a bare length rule."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from outreach.domain.errors import OutreachError
from outreach.sync import keys

STRONG = "县社工站2026春"


@pytest.mark.parametrize(("weak", "reason"), [
    ("12345678", "hard.passphrase.reason.common"),
    ("        ", "hard.passphrase.reason.empty"),
    ("aaaaaaaaaaaaaaaa", "hard.passphrase.reason.repeat"),   # long, but no better
    ("xcvbnm,./;lk", "hard.passphrase.reason.keyboard"),
    ("abcdefghijklmn", "hard.passphrase.reason.sequence"),
    ("19900101", "hard.passphrase.reason.date"),
    ("zhangwei", "hard.passphrase.reason.name"),
])
def test_weak_passphrases_are_refused_with_the_reason(weak, reason):
    assert keys.weakness_reason(weak) == reason
    with pytest.raises(OutreachError) as exc:
        keys.check_new_passphrase(weak)
    assert exc.value.key == "hard.passphrase.weak"


def test_the_explanation_is_translated_with_advice():
    zh = keys.OutreachError("hard.passphrase.weak", reason=keys.tr("hard.passphrase.reason.common", "zh_CN"),
                            advice=keys.tr("hard.passphrase.advice", "zh_CN")).message("zh_CN")
    en = keys.OutreachError("hard.passphrase.weak", reason=keys.tr("hard.passphrase.reason.common", "en"),
                            advice=keys.tr("hard.passphrase.advice", "en")).message("en")
    assert "口令太容易被猜到" in zh and "常见密码" in zh and "一句只有自己记得的话" in zh
    assert "too easy to guess" in en and "common passwords" in en and "sentence" in en
    assert not any(ch.isascii() and ch.isalpha() for ch in zh.replace("password", "")), zh  # no English leaks


def test_names_the_user_gave_count_against_the_passphrase():
    assert keys.weakness_reason("liguoqiang", ["liguoqiang"]) == "hard.passphrase.reason.personal"


@pytest.mark.parametrize("strong", [STRONG, "correct horse battery", "山上的桃树开了三回花", "short Lu 8 x!"])
def test_strong_passphrases_pass_whatever_their_length(strong):
    assert keys.weakness_reason(strong) is None
    keys.check_new_passphrase(strong)


def test_a_very_long_passphrase_is_judged_not_crashed_on():
    assert keys.weakness_reason("山上的桃树开了三回花" * 20) is None


def test_changing_to_a_weak_passphrase_keeps_the_old_file(tmp_path):
    path = tmp_path / "keys.json"
    keys.save_keyring(path, keys.KeyRing.generate("c" * 32), STRONG, kdf=keys.FAST_KDF_FOR_TESTS)
    before = path.read_bytes()
    with pytest.raises(OutreachError):
        keys.change_passphrase(path, STRONG, "12345678")
    assert path.read_bytes() == before


@pytest.mark.parametrize(("lang", "expected"), [("zh_CN", "常见密码"), ("en", "common passwords")])
def test_the_cli_refuses_a_weak_passphrase_in_one_translated_line(tmp_path, lang, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env |= {"OUTREACH_PASSPHRASE": "12345678", "LC_ALL": "C.UTF-8"}
    run = subprocess.run([sys.executable, "-m", "outreach", "--data-dir", str(tmp_path), "--lang", lang,
                          "team", "create", "--name", "东坪社工站"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert expected in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "keys.json").exists() and not list(tmp_path.glob("*.key*"))
