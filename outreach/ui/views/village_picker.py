"""A small modal list of villages with check boxes, for the lead: which villages a laptop covers when
it is enrolled, or later (``outreach team assign`` from the window)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


def choose_villages(parent: QWidget, title: str, lines: list[str], villages: list[tuple[str, str]],
                    checked: set[str] | frozenset[str] = frozenset()) -> list[str] | None:
    """The codes ticked, or None when cancelled. ``lines`` are shown above the list."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    choices = QListWidget(dialog)
    for code, name in villages:
        item = QListWidgetItem(f"{name}  {code}", choices)
        item.setData(Qt.ItemDataRole.UserRole, code)
        item.setCheckState(Qt.CheckState.Checked if code in checked else Qt.CheckState.Unchecked)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    box = QVBoxLayout(dialog)
    for text in lines:
        label = QLabel(text, dialog)
        label.setWordWrap(True)
        box.addWidget(label)
    box.addWidget(choices)
    box.addWidget(buttons)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return [choices.item(i).data(Qt.ItemDataRole.UserRole) for i in range(choices.count())
                if choices.item(i).checkState() == Qt.CheckState.Checked]
    finally:
        dialog.deleteLater()
