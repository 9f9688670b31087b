"""Window state remembered between sessions (geometry, splitter sizes, last view, last household).

Kept in an INI file beside the database (``ui.ini`` in the data folder), so each data folder — and each
test — has its own; the worker's own settings (name, device, language, villages) live in the store.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings


class UiSettings:
    def __init__(self, path: Path | None) -> None:
        if path is None:
            # In-memory store (tests): keep the settings in memory only.
            self._qs = None
            self._mem: dict[str, object] = {}
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._qs = QSettings(str(path), QSettings.Format.IniFormat)
            self._mem = {}

    @classmethod
    def for_store(cls, store) -> UiSettings:
        return cls(store.path.parent / "ui.ini" if store.path else None)

    def value(self, key: str, default=None):
        if self._qs is None:
            return self._mem.get(key, default)
        v = self._qs.value(key, default)
        return default if v is None else v

    def set_value(self, key: str, value) -> None:
        if self._qs is None:
            self._mem[key] = value
        else:
            self._qs.setValue(key, value)

    def bytes(self, key: str) -> QByteArray | None:
        v = self.value(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def sync(self) -> None:
        if self._qs is not None:
            self._qs.sync()
