"""Undo/redo for edits (QUndoStack). A command records how to apply and how to revert an edit as two
service calls; both run on the database thread like every other write.

Forms save first (the service validates; nothing is written unless valid) and push the command only
when the save succeeded, so the first ``redo()`` that ``QUndoStack.push`` performs is skipped: the
edit is already in the database. Undo writes the old values back through the same service, which
stamps and change-logs it like any edit (so an undo also syncs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from outreach.ui.workers import DbRunner

ServiceCall = Callable[..., Any]  # fn(store) -> Any


class ServiceCommand(QUndoCommand):
    """An edit that was already applied; undo runs ``revert``, redo runs ``apply`` again."""

    def __init__(self, runner: DbRunner, text: str, *, apply: ServiceCall, revert: ServiceCall,
                 changes: Iterable[str], already_applied: bool = True) -> None:
        super().__init__(text)
        self._runner = runner
        self._apply = apply
        self._revert = revert
        self._changes = frozenset(changes)
        self._skip_redo = already_applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._runner.op(self._apply, changes=self._changes)

    def undo(self) -> None:
        self._runner.op(self._revert, changes=self._changes)


def make_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(200)
    return stack
