"""Files the app writes with personal data (issue 13): owner-only, and an unredacted export that can
leave as an AES-256 zip a township office opens with 7-Zip / WinRAR and the passphrase."""

from __future__ import annotations

import io
import stat
import zipfile

import openpyxl
import pytest
import pyzipper

from outreach.cli.main import main
from outreach.domain.errors import OutreachError
from outreach.reports import exports
from outreach.services import demo

from .helpers import leaks, secrets_of

ZIP_PASS = "青山镇民政办-2026"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def filled(store):
    demo.build_demo(store, households=15, seed=4)
    return store


def test_exports_are_owner_only(filled, tmp_path):
    exports.write_xlsx(filled, tmp_path / "team.xlsx", exports.ExportOptions())
    exports.write_csv(filled, tmp_path / "csv", exports.ExportOptions())
    assert _mode(tmp_path / "team.xlsx") == 0o600
    assert _mode(tmp_path / "csv") == 0o700
    assert {_mode(p) for p in (tmp_path / "csv").iterdir()} == {0o600}


def test_an_encrypted_export_holds_nothing_readable_and_opens_with_the_passphrase(filled, tmp_path):
    target = tmp_path / "名单.zip"
    counts = exports.write_xlsx(filled, target, exports.ExportOptions(), zip_passphrase=ZIP_PASS)
    assert counts["households"] == 15 and _mode(target) == 0o600
    assert leaks(target, secrets_of(filled)) == []
    assert [p.name for p in tmp_path.iterdir()] == ["名单.zip"], "no workbook in clear beside it"
    with zipfile.ZipFile(target) as plain_zip:      # a tool without the passphrase gets nothing
        assert plain_zip.namelist() == ["名单.xlsx"]
        with pytest.raises(RuntimeError):
            plain_zip.read("名单.xlsx")
    with pyzipper.AESZipFile(target) as zf:
        zf.setpassword(ZIP_PASS.encode())
        book = openpyxl.load_workbook(io.BytesIO(zf.read("名单.xlsx")), read_only=True)
    names = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert secrets_of(filled)[0].decode() in names
    with pyzipper.AESZipFile(target) as zf, pytest.raises(RuntimeError):
        zf.setpassword(b"wrong passphrase")
        zf.read("名单.xlsx")


def test_a_short_zip_passphrase_is_refused_and_nothing_written(filled, tmp_path):
    with pytest.raises(OutreachError) as exc:
        exports.write_xlsx(filled, tmp_path / "x.zip", exports.ExportOptions(), zip_passphrase="123")
    assert exc.value.key == "sec.error.export_passphrase_short"
    assert list(tmp_path.iterdir()) == []


def test_the_cli_writes_an_encrypted_export(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "demo", "--households", "10"]) == 0
    monkeypatch.setenv("OUTREACH_EXPORT_PASSPHRASE", ZIP_PASS)
    target = tmp_path / "out.zip"
    assert main(["--data-dir", str(data), "--lang", "en", "export", "--format", "xlsx", "--encrypt",
                 "-o", str(target)]) == 0
    with pyzipper.AESZipFile(target) as zf:
        zf.setpassword(ZIP_PASS.encode())
        assert zf.read("out.xlsx")[:2] == b"PK"
    capsys.readouterr()
    assert main(["--data-dir", str(data), "--lang", "en", "export", "--format", "csv", "--encrypt",
                 "-o", str(tmp_path / "c")]) == 2
    assert "XLSX only" in capsys.readouterr().err
