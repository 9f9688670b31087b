"""The area tree (county › township › village › group) as a Qt item model.

A county has a few thousand areas at most, so the whole tree is built at once from
``services.areas.all_areas`` (fetched on the database thread). Province and city levels are skipped:
counties are the top-level items, which is what a township station works in.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from outreach.domain.enums import AreaLevel
from outreach.i18n import tr

ID_ROLE = Qt.ItemDataRole.UserRole + 1
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 2
SKIPPED_LEVELS = {AreaLevel.PROVINCE.value, AreaLevel.CITY.value}


class AreaTreeModel(QStandardItemModel):
    """Items carry the area id (``ID_ROLE``) and level (``LEVEL_ROLE``). With ``checkable_villages``
    every village gets a check box (the first-run setup uses that to pick a worker's villages).
    With ``all_item`` a first row "all areas" (id "") selects everything."""

    def __init__(self, parent=None, *, checkable_villages: bool = False, all_item: bool = False) -> None:
        super().__init__(parent)
        self.checkable_villages = checkable_villages
        self.all_item = all_item
        self._items: dict[str, QStandardItem] = {}
        self._areas: list = []

    def set_areas(self, areas: Iterable, checked: Iterable[str] = (), highlight: Iterable[str] = ()) -> None:
        """``checked``: villages ticked (setup); ``highlight``: villages shown bold (the worker's own)."""
        self._areas = list(areas)
        checked = set(checked)
        highlight = set(highlight)
        self.clear()
        self._items.clear()
        root = self.invisibleRootItem()
        if self.all_item:
            item = QStandardItem(tr("ui.areas.all"))
            item.setData("", ID_ROLE)
            item.setData("", LEVEL_ROLE)
            item.setEditable(False)
            root.appendRow(item)
        by_id = {a.id: a for a in self._areas}
        for area in sorted(self._areas, key=lambda a: a.id):
            if area.level in SKIPPED_LEVELS:
                continue
            item = QStandardItem(area.name)
            item.setEditable(False)
            item.setData(area.id, ID_ROLE)
            item.setData(area.level, LEVEL_ROLE)
            item.setToolTip(f"{area.name} · {AreaLevel(area.level).label()} · {area.id}")
            if self.checkable_villages and area.level == AreaLevel.VILLAGE.value:
                item.setCheckable(True)
                item.setCheckState(Qt.CheckState.Checked if area.id in checked else Qt.CheckState.Unchecked)
            if area.id in highlight:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self._items[area.id] = item
        for area in sorted(self._areas, key=lambda a: a.id):
            item = self._items.get(area.id)
            if item is None:
                continue
            parent = area.parent_id
            while parent and parent not in self._items and parent in by_id:
                parent = by_id[parent].parent_id
            self._items.get(parent or "", root).appendRow(item)

    def item_for(self, area_id: str) -> QStandardItem | None:
        return self._items.get(area_id)

    def checked_villages(self) -> list[str]:
        return sorted(aid for aid, item in self._items.items()
                      if item.isCheckable() and item.checkState() == Qt.CheckState.Checked)

    def retranslate(self) -> None:
        if self.all_item and self.rowCount():
            self.item(0).setText(tr("ui.areas.all"))
        for area in self._areas:
            item = self._items.get(area.id)
            if item is not None:
                item.setToolTip(f"{area.name} · {AreaLevel(area.level).label()} · {area.id}")
