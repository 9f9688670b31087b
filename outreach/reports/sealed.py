"""An export a township office can open without this app (issue 13): the XLSX inside a zip encrypted
with AES-256 (WinZip AE-2, via ``pyzipper``) under a passphrase given to the office by phone.

Why this and not age: 7-Zip, WinRAR, Bandizip and 360压缩 — what township offices have — open AES
zips after asking for the password; an age file needs a tool nobody there has. Windows Explorer's own
zip folder cannot open AES zips (it offers to use an installed archiver). The workbook never touches
the disk in clear: it is built in memory and only the encrypted zip is written (owner-only).
"""

from __future__ import annotations

from pathlib import Path

from outreach.domain.errors import OutreachError

MIN_EXPORT_PASSPHRASE = 10


def aes_zip(member_name: str, data: bytes, passphrase: str) -> bytes:
    """One member, AES-256 encrypted, as the bytes of a zip file."""
    import io

    import pyzipper

    if len(passphrase) < MIN_EXPORT_PASSPHRASE:
        raise OutreachError("sec.error.export_passphrase_short", count=MIN_EXPORT_PASSPHRASE)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(passphrase.encode("utf-8"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr(member_name, data)
    return buffer.getvalue()


def member_name(path: str | Path) -> str:
    """``名单.zip`` → ``名单.xlsx`` (the workbook's name inside the zip)."""
    p = Path(path)
    return (p.stem if p.suffix.lower() == ".zip" else p.name) + ".xlsx"
