"""The `outreach` command as team leads script it: exit codes, one-line errors, JSON keys."""

import json
import os
import subprocess
import sys

import pytest

from outreach.cli.main import main


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_dir(tmp_path, capsys):
    d = tmp_path / "demo"
    assert run(capsys, "--data-dir", str(d), "demo", "--households", "60", "--seed", "2")[0] == 0
    return d


def test_stats_json_keys(demo_dir, capsys):
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "stats", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"households", "people", "visits", "assessments", "referrals", "providers"} <= set(data)
    assert data["households"] == 60 and data["people"] > 60


def test_search_json_has_masked_ids_only(demo_dir, capsys):
    code, out, _ = run(capsys, "--data-dir", str(demo_dir), "search", "wang", "--json")
    hits = json.loads(out)
    assert code == 0 and hits
    for h in hits:
        assert {"id", "name", "household_code", "id_number_masked"} <= set(h)
        assert h["name"].startswith(("王", "汪"))
        assert h["id_number_masked"] == "" or "*" in h["id_number_masked"]


def test_demo_refuses_a_folder_with_data(demo_dir, capsys):
    code, out, err = run(capsys, "--data-dir", str(demo_dir), "demo")
    assert code == 2 and "60" in err and len(err.strip().splitlines()) == 1


def test_validate_id(capsys):
    code, out, _ = run(capsys, "validate-id", "11010519491231002X")
    assert code == 0 and "1949-12-31" in out
    code, out, _ = run(capsys, "--lang", "en", "validate-id", "110105194912310021")
    assert code == 1 and "check digit" in out and "X" in out
    code, out, _ = run(capsys, "validate-id", "11010519490230002X")
    assert code == 1 and "不是真实日期" in out


def test_usage_errors_are_one_translated_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "demo", "--households", "lots"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "not a number" in err and "Traceback" not in err


def test_help_is_in_the_users_language(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    assert "household visits" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "走访" in capsys.readouterr().out


def test_a_newer_database_gives_one_line_not_a_traceback(tmp_path):
    from sqlalchemy import text

    from outreach.storage.store import Store

    s = Store.open(tmp_path)
    with s.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01T00:00:00+00:00')"))
    s.close()
    env = {**os.environ, "OUTREACH_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "outreach", "--data-dir", str(tmp_path), "stats"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "newer version" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_settings_set_and_show(tmp_path, capsys):
    code, out, _ = run(capsys, "--data-dir", str(tmp_path), "settings", "--set", "org_name=青山镇社工站", "--json")
    data = json.loads(out)
    assert code == 0 and data["org_name"] == "青山镇社工站" and len(data["device_code"]) == 4
    code, _, err = run(capsys, "--data-dir", str(tmp_path), "settings", "--set", "nonsense")
    assert code == 2 and "KEY=VALUE" in err


def test_an_unsupported_language_is_a_usage_error_not_a_traceback(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "fr", "stats"])
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_building_the_command_line_loads_no_heavy_library():
    """`outreach --help` and quick commands start at once: the database layer, PDF, pinyin tables,
    cryptography and Qt load only when a command needs them."""
    code = ("import sys; from outreach.cli.main import build_parser; build_parser(); "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'reportlab', 'pypinyin', 'cryptography', "
            "'pyrage', 'PySide6', 'openpyxl') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_passphrase_variable_name_is_the_one_the_key_store_reads():
    from outreach.cli import sync_cmd
    from outreach.sync import keys

    assert sync_cmd.PASSPHRASE_ENV == keys.PASSPHRASE_ENV == "OUTREACH_PASSPHRASE"
