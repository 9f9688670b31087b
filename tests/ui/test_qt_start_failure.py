"""Qt cannot start (a system library missing): one line in the user's language naming the library and
the README's install line, plus the log's path; the no-display hint still comes first (issue 12)."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outreach.domain.errors import OutreachError
from outreach.logs import shutdown_logging
from outreach.ui import app

NO_LIBGL = "libGL.so.1: cannot open shared object file: No such file or directory"
SUDO = "" if os.geteuid() == 0 else "sudo "


@pytest.fixture
def no_libgl(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "PySide6.QtWidgets":
            raise ImportError(NO_LIBGL)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    yield
    shutdown_logging()


def test_a_missing_libgl_names_the_library_and_the_install_line(no_libgl, tmp_path):
    with pytest.raises(OutreachError) as err:
        app.run_gui(str(tmp_path / "data"))
    zh, en = err.value.message("zh_CN"), err.value.message("en")
    line = SUDO + "apt-get install " + " ".join(app.SYSTEM_PACKAGES)
    for text in (zh, en):
        assert "libGL.so.1" in text and line in text
        assert str(tmp_path / "data" / "logs" / "outreach.log") in text
    assert "缺少系统库" in zh and "is missing" in en
    assert NO_LIBGL in (tmp_path / "data" / "logs" / "outreach.log").read_text(encoding="utf-8")


def test_the_no_display_hint_still_comes_first(no_libgl, monkeypatch, tmp_path):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(OutreachError, match="offscreen"):
        app.run_gui(str(tmp_path / "data"))


def test_a_platform_plugin_that_cannot_load_is_named_instead_of_aborting(tmp_path):
    def loader(_path):
        raise OSError("libxcb-cursor.so.0: cannot open shared object file: No such file or directory")

    with pytest.raises(OutreachError) as err:
        app.check_platform_plugin(env={"DISPLAY": ":0"}, platform="linux", loader=loader,
                                  lister=lambda _path: ["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    text = err.value.message("en")
    assert "libxcb-cursor.so.0" in text and text.rstrip().split(": ", 2)[-1].startswith(SUDO + "apt-get install")
    assert "libxcb-cursor0" in text and "libxcb-icccm4" in text and "libraries" in text


def test_the_plugin_is_only_probed_when_qt_will_use_x11():
    def loader(_path):
        raise AssertionError("probed")

    app.check_platform_plugin(env={"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, platform="linux", loader=loader)
    app.check_platform_plugin(env={"DISPLAY": ":0"}, platform="win32", loader=loader)
    app.check_platform_plugin(env={"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"},
                              platform="linux", loader=loader)


@pytest.mark.parametrize(("library", "package"), [
    ("libGL.so.1", "libgl1"), ("libEGL.so.1", "libegl1"), ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libglib-2.0.so.0", "libglib2.0-0"), ("libdbus-1.so.3", "libdbus-1-3"), ("libfontconfig.so.1", "libfontconfig1"),
])
def test_library_to_debian_package(library, package):
    assert app.debian_package(library) == package


def test_the_packages_named_are_the_readmes():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- system-packages -->", 1)[1].split("```", 2)[1]
    assert "libgl1" in block
    assert [p for p in app.SYSTEM_PACKAGES if p not in block.split()] == []


def test_sudo_only_when_not_root():
    assert app.install_command(root=True).startswith("apt-get install ")
    assert app.install_command(root=False).startswith("sudo apt-get install ")


_CLI = textwrap.dedent(f"""
    import builtins, sys
    real = builtins.__import__
    def fake(name, *a, **k):
        if name == "PySide6.QtWidgets":
            raise ImportError({NO_LIBGL!r})
        return real(name, *a, **k)
    builtins.__import__ = fake
    from outreach.cli.main import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize(("lang", "words"), [("zh_CN", "缺少系统库"), ("en", "is missing")])
def test_outreach_gui_says_it_in_one_line(tmp_path, lang, words):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LC_ALL="C.UTF-8")
    run = subprocess.run([sys.executable, "-c", _CLI, "--data-dir", str(tmp_path), "--lang", lang, "gui"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "libGL.so.1" in lines[0]
    assert str(tmp_path / "logs" / "outreach.log") in lines[0]


@pytest.mark.parametrize(("lang", "words"), [("zh_CN", "磁盘已满"), ("en", "disk is full")])
def test_the_window_says_a_full_disk_in_words_and_names_the_log(tmp_path, monkeypatch, lang, words):
    import sqlite3
    from types import SimpleNamespace

    from outreach.i18n import current_language, set_language
    from outreach.logs import setup_logging
    from outreach.ui import workers

    shown = []
    monkeypatch.setattr(workers.QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    log_file = setup_logging(tmp_path)
    logging_error = sqlite3.OperationalError("database or disk is full")
    workers.log.error("job failed", exc_info=logging_error)
    before = current_language()
    set_language(lang)
    try:
        runner = SimpleNamespace(store=SimpleNamespace(path=tmp_path / "outreach.sqlite3"), error_parent=None)
        workers.DbRunner.show_error(runner, logging_error)
    finally:
        set_language(before)
        shutdown_logging()
    assert len(shown) == 1 and words in shown[0] and str(log_file) in shown[0]
    assert "OperationalError" not in shown[0]
