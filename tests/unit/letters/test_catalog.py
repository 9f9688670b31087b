"""Every catalog key the letters code uses exists, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from outreach.i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [*ROOT.joinpath("outreach", "letters").glob("*.py"),
           ROOT / "outreach" / "services" / "letter_sources.py",
           ROOT / "outreach" / "services" / "directory_csv.py",
           ROOT / "outreach" / "cli" / "letters_cmd.py"]


def test_every_letters_key_used_is_in_the_catalog_in_both_languages():
    entries = catalog()
    used = set()
    for path in SOURCES:
        used |= set(re.findall(r'"(letters\.[a-z_.]+[a-z_])"', path.read_text(encoding="utf-8")))
    assert len(used) > 50
    missing = sorted(k for k in used if k not in entries)
    assert missing == []
    for key, texts in entries.items():
        if key.startswith("letters."):
            for lang in LANGUAGES:   # a text, or plural forms ({"one": …, "other": …}) that are all texts
                text = texts.get(lang, "")
                forms = list(text.values()) if isinstance(text, dict) else [text]
                assert forms and all(f.strip() for f in forms), key
