"""What every command handler gets: parsed arguments, the store (opened on first use), output helpers."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from outreach.storage.store import Store


def bounded_int(minimum: int, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number within [minimum, maximum], refused in the user's language
    before it can size anything (``--limit 99999999999999999999999`` is a usage error, not a crash)."""
    from outreach.i18n import tr

    def parse(text: str) -> int:
        digits = unicodedata.normalize("NFKC", text).strip()  # full-width ５０ is 50
        if not digits.lstrip("+-").isascii() or not digits.lstrip("+-").isdigit() or len(digits) > 40:
            raise argparse.ArgumentTypeError(tr("cli.not_a_number", value=_shown(text)))
        value = int(digits)
        if value < minimum:
            raise argparse.ArgumentTypeError(tr("hard.number.too_small", value=digits, minimum=minimum))
        if value > maximum:
            raise argparse.ArgumentTypeError(tr("hard.number.too_large", value=digits, maximum=maximum))
        return value

    parse.__name__ = "int"
    return parse


def _shown(text: str) -> str:
    return os.fsencode(text).decode("utf-8", "backslashreplace") if text.isascii() is False else text


class LazyModule:
    """A module imported on first use, so `outreach --help` and quick commands start in a blink
    instead of loading the database layer, reportlab, pinyin tables and cryptography first."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


@dataclass
class CliContext:
    args: argparse.Namespace
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from outreach.storage.store import Store

            self._store = Store.open(getattr(self.args, "data_dir", None))
            logging.getLogger("outreach.cli").info("outreach %s on %s", getattr(self.args, "command", ""),
                                                   self._store.path)
        return self._store

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        json.dump(value, self.out, ensure_ascii=False, indent=2, default=str)
        self.out.write("\n")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
