"""One catalog system for the whole app: core errors, CLI, GUI, letters and reports.

Catalogs are JSON files in ``resources/i18n/*.json`` (one per area of the app, so parallel work never
edits the same file). Each maps a key to its text in every supported language::

    {"error.id.check_digit": {"zh_CN": "校验码错误，应为 {expected}", "en": "Wrong check digit, expected {expected}"}}

``tr(key, **params)`` formats the text in the current language. The current language is process-wide
and set once by the shell (CLI or GUI) at start-up; renderers that must not depend on it (letters,
reports) pass ``lang=`` explicitly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from outreach.resources import resource_path

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_current = {"lang": DEFAULT_LANGUAGE}


class CatalogError(Exception):
    """A catalog file is malformed or a key is defined twice."""


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All catalog entries, merged from every ``resources/i18n/*.json`` file."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(resource_path("i18n").glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            entries = json.load(fh)
        for key, texts in entries.items():
            if key in merged:
                raise CatalogError(f"{path.name}: key {key!r} is already defined in another catalog")
            merged[key] = texts
    return merged


def normalize_language(value: str | None) -> str | None:
    """Map 'zh', 'zh_CN.UTF-8', 'en_US', 'English', '中文' … to a supported language, or None."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    if v.startswith("zh") or v in {"中文", "chinese"}:
        return "zh_CN"
    if v.startswith("en") or v == "english":
        return "en"
    return None


def language_from_environment() -> str:
    """OUTREACH_LANG, then LC_ALL / LC_MESSAGES / LANG; Chinese when nothing says otherwise."""
    for var in ("OUTREACH_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        lang = normalize_language(os.environ.get(var))
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    norm = normalize_language(lang)
    if norm is None:
        raise ValueError(f"unsupported language: {lang!r}")
    _current["lang"] = norm


def current_language() -> str:
    return _current["lang"]


def tr(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (default: the current language), formatted with ``params``.

    A missing key returns the key itself so the gap is visible, and the catalog test fails on it.
    """
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang or _current["lang"]) or entry.get(DEFAULT_LANGUAGE) or key
    if isinstance(text, dict):  # plural forms: {"one": "1 household", "other": "{count} households"}
        text = plural_form(text, params.get("count", params.get("n")))  # {n} counts as well as {count}
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def plural_form(forms: dict[str, str], count: Any) -> str:
    """The form of a plural entry for ``count``: ``one`` for exactly 1, else ``other``.

    Chinese has no plural: its entries are plain strings. English entries that count things are
    ``{"one": …, "other": …}``, so "1 households" cannot happen.
    """
    try:
        is_one = int(count) == 1
    except (TypeError, ValueError):
        is_one = False
    return forms.get("one" if is_one else "other") or forms.get("other") or next(iter(forms.values()), "")


@dataclass(frozen=True)
class Msg:
    """A message to be translated later, at the shell: a key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.text()
