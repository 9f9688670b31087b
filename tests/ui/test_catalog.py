"""Every catalog entry is translated, and every key the code asks for exists."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from outreach.i18n import LANGUAGES, catalog
from outreach.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]


def test_every_catalog_entry_has_every_language():
    missing = []
    for path in sorted(resource_path("i18n").glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            for lang in LANGUAGES:
                text = texts.get(lang) if isinstance(texts, dict) else None
                if isinstance(text, dict):  # plural forms: "other" is required, every form filled
                    if "other" not in text or not all(isinstance(t, str) and t.strip() for t in text.values()):
                        missing.append(f"{path.name}: {key} [{lang}] (plural forms)")
                elif not isinstance(text, str) or not text.strip():
                    missing.append(f"{path.name}: {key} [{lang}]")
    assert not missing, "untranslated catalog entries:\n" + "\n".join(missing)


def _literal_keys(tree: ast.AST) -> set[str]:
    """Keys passed as a string literal to tr(...) / Msg(...) / an error, anywhere in a module."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0]
        if name in {"tr", "Msg", "OutreachError", "NotFound"} \
                and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
        if name == "FieldError" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            found.add(node.args[1].value)
    return found


def test_every_literal_key_in_the_code_has_a_catalog_entry():
    keys = catalog()
    missing = []
    for path in sorted((ROOT / "outreach").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for key in sorted(_literal_keys(tree)):
            if key not in keys:
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "keys used in the code but missing from resources/i18n:\n" + "\n".join(missing)


def test_gui_label_keys_exist():
    """Keys the GUI names as constants (column headers, form labels) rather than in tr(...) calls."""
    import re

    keys = catalog()
    pattern = re.compile(r'"((?:ui|field)\.[a-z0-9_]+(?:\.[a-z0-9_]+)+)"')
    missing = []
    for path in sorted((ROOT / "outreach" / "ui").rglob("*.py")):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in keys:
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(missing)


def test_plural_forms_pick_one_and_other():
    from outreach.i18n import plural_form

    forms = {"one": "{count} household", "other": "{count} households"}
    assert plural_form(forms, 1) == "{count} household"
    assert plural_form(forms, 0) == "{count} households"
    assert plural_form(forms, 2) == "{count} households"
    assert plural_form({"other": "{count} 户"}, 1) == "{count} 户"

