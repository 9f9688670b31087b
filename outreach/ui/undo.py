"""Undo/redo for edits (QUndoStack). A command records how to apply and how to revert an edit as two
service calls; both run on the database thread like every other write.

Forms save first (the service validates; nothing is written unless valid) and push the command only
when the save succeeded, so the first ``redo()`` that ``QUndoStack.push`` performs is skipped: the
edit is already in the database. Undo writes the old values back through the same service, which
stamps and change-logs it like any edit (so an undo also syncs).

A command's text ("编辑住户 王秀英") follows language switches: give it as a function of no arguments
(``lambda: tr("ui.undo.edit_member", name=…)``) and ``retranslate_stack`` renames every command on
the stack in the new language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtGui import QUndoCommand, QUndoStack

from outreach.ui.workers import DbRunner

ServiceCall = Callable[..., Any]  # fn(store) -> Any
Text = str | Callable[[], str]


class ServiceCommand(QUndoCommand):
    """An edit that was already applied; undo runs ``revert``, redo runs ``apply`` again."""

    def __init__(self, runner: DbRunner, text: Text, *, apply: ServiceCall, revert: ServiceCall,
                 changes: Iterable[str], already_applied: bool = True) -> None:
        super().__init__(text() if callable(text) else text)
        self._text = text
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

    def retranslate(self) -> None:
        if callable(self._text):
            self.setText(self._text())


def retranslate_stack(stack: QUndoStack) -> None:
    """Rename every command on the stack in the current language (call before reading undoText)."""
    for i in range(stack.count()):
        command = stack.command(i)
        if isinstance(command, ServiceCommand):
            command.retranslate()


def make_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(200)
    return stack
