"""Many letters at once: all into one PDF (each letter starts a new page), or one file per letter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from outreach.domain.errors import OutreachError
from outreach.letters.data import ReferralLetterData
from outreach.letters.layout import os_reason, write_pdf
from outreach.letters.referral_letter import render_referral_letters

_UNSAFE = re.compile(r"[^\w.-]+", re.UNICODE)


def write_letters_pdf(path: str | Path, letters: Sequence[ReferralLetterData], *, lang: str = "zh_CN") -> int:
    """All letters into one PDF at ``path`` (written atomically); returns how many."""
    if not letters:
        raise OutreachError("letters.error.no_letters")
    return write_pdf(path, lambda fh: render_referral_letters(letters, fh, lang=lang))


def letter_file_name(reference: str) -> str:
    """A safe file name for a letter: its reference, e.g. ``ZJ-ABCD-000123.pdf``."""
    return (_UNSAFE.sub("_", reference).strip("._") or "letter") + ".pdf"


def write_letter_files(folder: str | Path, letters: Sequence[ReferralLetterData], *,
                       lang: str = "zh_CN") -> list[Path]:
    """One PDF per letter in ``folder`` (created if needed), named by reference; returns the paths."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutreachError("error.file.unwritable", path=str(target), reason=os_reason(exc)) from exc
    paths = []
    for data in letters:
        path = target / letter_file_name(data.reference)
        write_pdf(path, lambda fh, d=data: render_referral_letters([d], fh, lang=lang))
        paths.append(path)
    return paths
