"""Punctuation that differs between Chinese and English text (、 vs ", ", ：vs ": ", full-width
brackets), taken from the catalog so every screen joins words the way its language does."""

from __future__ import annotations

from collections.abc import Iterable

from outreach.i18n import tr


def join_list(items: Iterable[str]) -> str:
    """王秀英、刘小雨 / Wang, Liu."""
    return tr("ui.punct.list_sep").join(i for i in items if i)


def join_clauses(items: Iterable[str]) -> str:
    """Longer parts: 甲，乙 / a, b."""
    return tr("ui.punct.clause_sep").join(i for i in items if i)


def labelled(label: str, value: str) -> str:
    """地址：… / Address: …"""
    return tr("ui.punct.labelled", label=label, value=value)


def bracketed(text: str, inner: str) -> str:
    """东坪村（石门镇） / 东坪村 (石门镇)"""
    return tr("ui.punct.bracketed", text=text, inner=inner)


def spaced(items: Iterable[str]) -> str:
    """Facts side by side on one line."""
    return tr("ui.punct.gap").join(i for i in items if i)
