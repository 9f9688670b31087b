"""argparse's own words follow the user's language (window-only audit, finding 12): ``outreach --help``
in Chinese no longer says "usage:", "options", "show this help message and exit"; its usage errors are
Chinese too; the English help is argparse's own."""

from __future__ import annotations

import pytest

from outreach.cli.main import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out = capsys.readouterr()
    return stop.value.code, out.out, out.err


def test_help_in_chinese_has_no_english_words_of_argparse(capsys):
    code, out, _err = _run(capsys, "--lang", "zh_CN", "today", "--help")
    assert code == 0
    assert out.startswith("用法：outreach today")
    assert "选项" in out and "显示本帮助并退出" in out
    for english in ("usage:", "options:", "show this help message and exit"):
        assert english not in out
    code, out, _err = _run(capsys, "--lang", "zh_CN", "--help")
    assert "位置参数" in out and "显示本帮助并退出" in out and "positional arguments" not in out


def test_usage_errors_in_chinese_and_english(capsys):
    code, _out, err = _run(capsys, "--lang", "zh_CN", "today", "--date")
    assert code == 2 and "参数 --date：需要一个值" in err and "expected" not in err
    code, _out, err = _run(capsys, "--lang", "zh_CN", "today", "--bogus")
    assert code == 2 and "无法识别的参数：--bogus" in err
    code, out, _err = _run(capsys, "--lang", "en", "today", "--help")
    assert out.startswith("usage: outreach today") and "show this help message and exit" in out
    code, _out, err = _run(capsys, "--lang", "en", "today", "--date")
    assert code == 2 and "argument --date: expected one argument" in err
