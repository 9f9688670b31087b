"""What every command handler gets: parsed arguments, the store (opened on first use), output helpers."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from outreach.storage.store import Store


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
        return self._store

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        json.dump(value, self.out, ensure_ascii=False, indent=2, default=str)
        self.out.write("\n")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
