"""Errors the user sees. Each carries a catalog key, so it reads well in every language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outreach.i18n import Msg, tr


class OutreachError(Exception):
    """An expected failure with a message for the user (bad input, missing record, refused file …)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    @property
    def msg(self) -> Msg:
        return Msg(self.key, dict(self.params))

    def message(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.message()


class NotFound(OutreachError):
    """The record asked for does not exist (or was archived)."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field: which field, and why (a catalog key with parameters)."""

    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.params)


def field_label(name: str, lang: str | None = None) -> str | None:
    """The translated label of a form field, or None where the message names the field itself."""
    key = "field." + name
    text = tr(key, lang)
    return None if text == key else text


class ValidationError(OutreachError):
    """Input refused; nothing was written. ``errors`` says which fields and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("error.validation", details="; ".join(e.message() for e in self.errors))

    def message(self, lang: str | None = None) -> str:
        details = "; ".join(f"{label}: {e.message(lang)}" if (label := field_label(e.field, lang)) else e.message(lang)
                            for e in self.errors)
        return tr(self.key, lang, details=details)

    def for_field(self, name: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == name]
