"""Writing PDFs: all or nothing, with ordinary file permissions."""

from __future__ import annotations

import stat

import pytest

from outreach.domain.errors import OutreachError
from outreach.letters.batch import write_letters_pdf
from outreach.letters.layout import atomic_output, write_pdf
from tests.unit.letters.conftest import make_letter


def test_a_failure_while_rendering_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"old")

    def broken(fh):
        fh.write(b"%PDF-1.4 half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        write_pdf(target, broken)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.pdf"]


def test_new_file_appears_only_when_complete_and_owner_only(tmp_path):
    target = tmp_path / "new.pdf"
    with atomic_output(target) as fh:
        fh.write(b"%PDF")
        assert not target.exists()
    assert target.read_bytes() == b"%PDF"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600   # a letter names a resident (issue 13)


def test_unwritable_target_fails_before_rendering(tmp_path):
    calls = []
    with pytest.raises(OutreachError) as err:
        write_pdf(tmp_path / "nope" / "x.pdf", calls.append)
    assert calls == []
    assert "文件夹不存在" in err.value.message()
    with pytest.raises(OutreachError) as err:
        write_letters_pdf(tmp_path, [make_letter()])
    assert err.value.key == "error.file.is_directory"
