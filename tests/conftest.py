"""Shared test set-up: Qt offscreen, English-independent defaults, isolated data folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Stores on disk are encrypted (issue 13): module-scoped fixtures open stores too, before _isolate.
os.environ.setdefault("OUTREACH_PASSPHRASE", "县社工站2026春")
os.environ.setdefault("OUTREACH_TEST_FAST_KDF", "1")

import pytest  # noqa: E402

from outreach.i18n import set_language  # noqa: E402


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """Each test gets its own data folder and starts in Chinese, the app's primary language."""
    monkeypatch.setenv("OUTREACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OUTREACH_LANG", raising=False)
    # Stores on disk are encrypted (issue 13): the tests' passphrase (the sync tests' PASS) and cheap
    # Argon2id parameters for the key files they create.
    monkeypatch.setenv("OUTREACH_PASSPHRASE", "县社工站2026春")
    monkeypatch.setenv("OUTREACH_TEST_FAST_KDF", "1")
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture
def store():
    from outreach.storage.store import Store

    s = Store.in_memory()
    s.set_setting("worker_name", "李娜")
    s.set_setting("device_name", "李娜的笔记本")
    yield s
    s.close()
