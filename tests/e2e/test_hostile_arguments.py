"""The bad-argument sweep (issue 11): every command, with a byte that is not UTF-8, a huge number, a
file name in GBK, an oversized CSV cell — one translated line on stderr and a non-zero exit, never a
traceback; a GBK file name given to -o works as a path. Plus the full disk (a small tmpfs, where this
test may mount one) and the read-only medium."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PASS = "县社工站2026春"
BAD = os.fsdecode(b"\xc4\xe3\xba\xc3")  # 你好 in GBK, as Python hands it over on a UTF-8 system
HUGE = "99999999999999999999999"
CJK = re.compile(r"[\u4e00-\u9fff]")


def outreach(data: Path, *args, lang: str = "zh_CN", passphrase: str | None = PASS, check_ok: bool = False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env |= {"LC_ALL": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen", "OUTREACH_TEST_FAST_KDF": "1"}
    if passphrase:
        env["OUTREACH_PASSPHRASE"] = passphrase
    run = subprocess.run([sys.executable, "-m", "outreach", "--data-dir", str(data), "--lang", lang, *map(str, args)],
                         env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=180)
    out = run.stdout.decode("utf-8")  # strict: whatever we print is valid UTF-8, even a GBK file name
    err = run.stderr.decode("utf-8")
    if check_ok:
        assert run.returncode == 0, err
    return run.returncode, out, err


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A lead with demo data and a team, and a worker laptop enrolled in it."""
    root = tmp_path_factory.mktemp("hostile")
    lead, worker = root / "lead", root / "worker"
    outreach(lead, "demo", "--households", "60", check_ok=True)
    outreach(lead, "team", "create", "--name", "东坪社工站", check_ok=True)
    outreach(lead, "team", "invite", "-o", root / "invite.txt", check_ok=True)
    _, joined, _ = outreach(worker, "team", "join", root / "invite.txt", "-o", root / "request.txt", check_ok=True)
    fingerprint = re.search(r"(\d{4}(?: \d{4}){3,})", joined).group(1)
    village = json.loads(outreach(lead, "areas", "list", "--json", check_ok=True)[1])
    village = next(a["code"] if "code" in a else a["id"] for a in village if a.get("level") == "village")
    outreach(lead, "team", "enroll", root / "request.txt", "--villages", village, "--fingerprint", fingerprint,
             check_ok=True)
    reference = json.loads(outreach(lead, "referrals", "list", "--json", check_ok=True)[1])[0]["reference"]
    return {"root": root, "lead": lead, "worker": worker, "village": village, "reference": reference}


def _errors(c) -> list[tuple[str, tuple, str]]:
    """(who, arguments, a word the English line must contain) for each hostile call that must fail."""
    out = c["root"] / "out.pdf"
    ref, village = c["reference"], c["village"]
    return [
        ("lead", ("search", BAD), "UTF-8"),
        ("lead", ("search", "张", "--limit", HUGE), "too large"),
        ("lead", ("search", "张", "--limit", "0"), "too small"),
        ("lead", ("demo", "--households", HUGE), "too large"),
        ("lead", ("demo", "--seed", HUGE), "too large"),
        ("lead", ("validate-id", BAD), "UTF-8"),
        ("lead", ("letter", BAD, "-o", out), "UTF-8"),
        ("lead", ("letters", "--date", BAD, "-o", out), "UTF-8"),
        ("lead", ("register", "--village", BAD, "--month", "2026-11", "-o", out), "UTF-8"),
        ("lead", ("register", "--village", village, "--month", BAD, "-o", out), "UTF-8"),
        ("lead", ("visit-form", "--village", BAD, "-o", out), "UTF-8"),
        ("lead", ("report", "--month", "2026-11", "--worker", BAD, "-o", out), "UTF-8"),
        ("lead", ("report", "--month", "2026-11", "--area", BAD, "-o", out), "UTF-8"),
        ("lead", ("referrals", "reply", BAD, "--result", "served"), "UTF-8"),
        ("lead", ("referrals", "reply", ref, "--result", "served", "--note", BAD), "UTF-8"),
        ("lead", ("referrals", "reply", ref, "--result", "served", "--services", BAD), "UTF-8"),
        ("lead", ("settings", "--set", f"org_name={BAD}"), "UTF-8"),
        ("lead", ("settings", "--set", f"{BAD}=x"), "UTF-8"),
        ("lead", ("team", "create", "--name", BAD), "UTF-8"),
        ("lead", ("team", "assign", BAD, "--villages", village), "UTF-8"),
        ("lead", ("team", "revoke", BAD), "UTF-8"),
        ("lead", ("sync", "export", "--to", BAD, "-o", c["root"] / "x.age"), "UTF-8"),
        ("lead", ("export", "--format", "csv", "--area", BAD, "-o", c["root"] / "e.csv"), "UTF-8"),
        ("lead", ("areas", "import", c["root"] / f"{BAD}.csv"), ""),
        ("lead", ("providers", "import", c["root"] / f"{BAD}.csv"), ""),
        ("lead", ("sync", "import", c["root"] / f"{BAD}.age"), ""),
        ("lead", ("areas", "import", c["big_csv"]), "line 3"),
    ]


@pytest.fixture(scope="module")
def big_csv(county):
    path = county["root"] / "areas-big.csv"
    path.write_text("code,name,level,parent_code\n520000,贵州省,province,\n522700," + "x" * 2_000_000
                    + ",city,520000\n", encoding="utf-8")
    county["big_csv"] = path
    return path


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_command_refuses_hostile_values_in_one_translated_line(county, big_csv, lang):
    failures = []
    for who, args, english_word in _errors(county):
        code, out, err = outreach(county[who], *args, lang=lang)
        lines = [line for line in err.splitlines() if line.strip()]
        problem = None
        if "Traceback" in err or code in (0, 3) or len(lines) != 1:
            problem = "crashed, succeeded or said more than one line"
        elif lang == "zh_CN" and not CJK.search(lines[0]):
            problem = "not in Chinese"
        elif lang == "en" and (CJK.search(lines[0].replace("东坪", "")) or english_word not in lines[0]):
            problem = "not in English, or does not say why"
        if problem:
            failures.append(f"{problem}: outreach {' '.join(map(str, args))!r} → exit {code}\n{err}")
    assert not failures, "\n".join(failures)


def test_gbk_file_names_work_as_output_paths(county):
    root, lead, worker = county["root"], county["lead"], county["worker"]
    outputs = {
        "letter": (lead, ("letter", county["reference"], "-o", root / f"{BAD}.pdf")),
        "report": (lead, ("report", "--month", "2026-11", "-o", root / f"{BAD}-report.pdf")),
        "export": (lead, ("export", "--format", "csv", "--redact", "-o", root / f"{BAD}-export")),
        "uplink": (worker, ("sync", "export", "-o", root / f"{BAD}.age")),
        "data_dir": (root / f"{BAD}-data", ("stats",)),
    }
    for name, (data, args) in outputs.items():
        code, out, err = outreach(data, *args)
        assert code == 0 and "Traceback" not in err, f"{name}: {err}"
    names = {os.fsencode(p.name) for p in root.iterdir()}
    assert b"\xc4\xe3\xba\xc3.pdf" in names and b"\xc4\xe3\xba\xc3.age" in names
    assert b"\xc4\xe3\xba\xc3-report.pdf" in names and b"\xc4\xe3\xba\xc3-export" in names
    # and the bundle with the GBK name imports on the lead
    code, _, err = outreach(lead, "sync", "import", root / f"{BAD}.age")
    assert code == 0 and "Traceback" not in err, err


# ----------------------------------------------------------------------------- full disk, read-only medium
def _mount_tmpfs(path: Path, size: str) -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "usb"
    if not _mount_tmpfs(mount, "3m"):
        pytest.skip("cannot mount a small tmpfs here (needs root on Linux)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_full_disk_during_demo_is_one_line_and_the_store_stays_intact(small_disk, lang):
    data = small_disk / "data"
    code, _, err = outreach(data, "demo", "--households", "3000", lang=lang)
    assert code == 2 and "Traceback" not in err and "sqlalche.me" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert ("磁盘已满" if lang == "zh_CN" else "disk is full") in lines[0]
    assert str(data / "logs" / "outreach.log") in lines[0]
    assert "database or disk is full" in (data / "logs" / "outreach.log").read_text(encoding="utf-8")
    code, out, err = outreach(data, "stats", "--json")
    assert code == 0, err
    assert json.loads(out)["households"] % 5000 == 0  # whole batches only: nothing half-written


def test_a_full_disk_while_writing_an_export_is_one_line_and_leaves_no_file(county, small_disk):
    code, _, err = outreach(county["lead"], "--lang", "en", "export", "--format", "xlsx", "-o", small_disk / "big.xlsx")
    filler = small_disk / "filler"
    if code == 0:  # the export fit: fill the disk and try again
        (small_disk / "big.xlsx").unlink()
        with open(filler, "wb") as fh, contextlib.suppress(OSError):  # a full disk is the point
            fh.write(b"\0" * 4 * 1024 * 1024)
        code, _, err = outreach(county["lead"], "--lang", "en", "export", "--format", "xlsx", "-o",
                                small_disk / "big.xlsx")
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "full" in err
    assert sorted(p.name for p in small_disk.iterdir() if p.name != "filler") == []


def test_a_read_only_medium_is_named(tmp_path):
    mount = tmp_path / "cdrom"
    if not _mount_tmpfs(mount, "20m"):
        pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
    try:
        data = mount / "data"
        outreach(data, "demo", "--households", "20", check_ok=True)
        assert subprocess.run(["mount", "-o", "remount,ro", str(mount)]).returncode == 0
        for lang, words in (("zh_CN", "只读"), ("en", "read-only")):
            for args in (("stats",), ("settings", "--set", "org_name=x")):
                code, _, err = outreach(data, *args, lang=lang)
                assert code == 2 and "Traceback" not in err and words in err, err
                assert len(err.strip().splitlines()) == 1
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_another_process_holding_the_store_is_one_translated_line(county):
    """A writer holding the store (another import, a stuck program): after the bounded wait, one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env |= {"LC_ALL": "C.UTF-8", "OUTREACH_PASSPHRASE": PASS}
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys
        from sqlalchemy import text
        from outreach.storage.store import Store
        store = Store.open(sys.argv[1])
        with store.transaction() as w:  # BEGIN IMMEDIATE at the first statement: the write lock
            w.conn.execute(text("SELECT 1"))
            print("held", flush=True)
            sys.stdin.readline()
    """), str(county["lead"])], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        runs = {lang: subprocess.Popen([sys.executable, "-m", "outreach", "--data-dir", str(county["lead"]),
                                        "--lang", lang, "settings", "--set", "org_phone=0871-6123457"],
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for lang in ("zh_CN", "en")}
        results = {lang: (p.wait(timeout=120), p.stderr.read()) for lang, p in runs.items()}
    finally:
        holder.communicate("\n", timeout=30)
    for lang, (code, err) in results.items():
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert bool(CJK.search(err.replace(str(county["lead"]), ""))) == (lang == "zh_CN"), err
