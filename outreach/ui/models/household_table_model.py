"""The household list: a lazily loaded table over ``services.households.query_households``.

Rows arrive in pages from the database thread (``canFetchMore``/``fetchMore``), so a 50,000-household
county never loads into memory: the view asks for the next page as the user scrolls. Changing the
search text, a filter or the sort order starts a new *generation*; pages of an older generation that
arrive late are dropped, and queued page requests of the same model are superseded.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from outreach.domain.enums import BenefitStatus, Priority
from outreach.i18n import tr
from outreach.services.household_rows import HouseholdQuery, HouseholdRow
from outreach.ui.workers import DbRunner

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

# (row attribute, header catalog key, sort key understood by the service)
COLUMNS: list[tuple[str, str, str]] = [
    ("code", "ui.col.code", "code"),
    ("village_name", "ui.col.village", "village"),
    ("head_name", "ui.col.head", "head"),
    ("member_count", "ui.col.members", "member_count"),
    ("phone", "ui.col.phone", "phone"),
    ("benefit_status", "ui.col.benefit", "benefit_status"),
    ("priority", "ui.col.priority", "priority"),
    ("last_visit", "ui.col.last_visit", "last_visit"),
    ("address", "ui.col.address", "address"),
]
SORTABLE = {"code", "village", "head", "member_count", "priority", "last_visit", "address"}
PRIORITY_COLOURS = {"urgent": "#b3261e", "high": "#c25e00", "medium": "#7a6a00"}

Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_ID = int(ID_ROLE)
_ROW = int(ROW_ROLE)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_ATTRS = [c[0] for c in COLUMNS]
_PRIORITY_COL = _ATTRS.index("priority")
_ADDRESS_COL = _ATTRS.index("address")
_MEMBERS_COL = _ATTRS.index("member_count")


def fetch_page(store, query: HouseholdQuery, *, offset: int, limit: int) -> list[HouseholdRow]:
    """A page of the list (on the database thread). The services are imported here, not with the
    window: its first page is read before SQLAlchemy is loaded (issue 14, ``ui.first_page``)."""
    from outreach.services.households import query_households

    return query_households(store, query, offset=offset, limit=limit)


def count_matches(store, query: HouseholdQuery) -> int:
    from outreach.services.households import count_households

    return count_households(store, query)


def _display_texts(row: HouseholdRow) -> tuple[str, ...]:
    return tuple(HouseholdTableModel._display(row, attr) for attr in _ATTRS)


class HouseholdTableModel(QAbstractTableModel):
    sig_total = Signal(int)        # how many households match (arrives after the first page)
    sig_page_loaded = Signal(int)  # rows loaded so far

    def __init__(self, runner: DbRunner, parent=None, *, page_size: int = 200, first_page: int = 60) -> None:
        super().__init__(parent)
        self.runner = runner
        self.page_size = page_size
        # The first page only has to fill the screen (≈25 rows at 1366×768): smaller is answered sooner.
        self.first_page = min(first_page, page_size)
        self.query = HouseholdQuery()
        self._rows: list[HouseholdRow] = []
        self._texts: list[tuple[str, ...] | None] = []
        self._generation = 0
        self._count_for: int | None = None  # the generation whose count is asked for after its first page
        self._loading = False
        self._exhausted = True
        self.total: int | None = None

    # ----------------------------------------------------------------- queries
    def set_query(self, query: HouseholdQuery) -> None:
        self.beginResetModel()
        self.query = query
        self._generation += 1
        self._rows = []
        self._texts = []
        self._loading = False
        self._exhausted = False
        self.total = None
        self.endResetModel()
        generation = self._generation
        # The first page first; the count is asked for when that page has arrived (issue 14): a count
        # takes seconds at county scale, and the one database thread cannot stop a running job, so a
        # count sent with every query (the window sets its query several times while it is built)
        # held the page the user waits for behind it.
        self._count_for = generation
        self.fetchMore(QModelIndex())

    def refresh(self) -> None:
        """Reload after an edit (keeps the query)."""
        self.set_query(self.query)

    def set_text(self, text: str) -> None:
        if text != self.query.text:
            self.set_query(self.query.with_text(text))

    def _counted(self, generation: int, n: int) -> None:
        if generation == self._generation:
            self.total = n
            self.sig_total.emit(n)

    def is_loading(self) -> bool:
        return self._loading

    # ----------------------------------------------------------------- lazy loading
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802,B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802,B008
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        generation = self._generation
        limit = self.page_size if self._rows else self.first_page
        self.runner.query(fetch_page, self.query, offset=len(self._rows), limit=limit,
                          key=f"hh-page-{id(self)}", owner=self,
                          on_done=lambda rows: self._page(generation, rows, limit),
                          on_error=lambda exc: self._failed(generation, exc))

    def _page(self, generation: int, rows: list[HouseholdRow], limit: int) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if self._count_for == generation:
            self._count_for = None
            self.runner.query(count_matches, self.query, key=f"hh-count-{id(self)}", owner=self,
                              on_done=lambda n: self._counted(generation, n))
        if len(rows) < limit:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._texts.extend([None] * len(rows))
            self.endInsertRows()
        self.sig_page_loaded.emit(len(self._rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self._exhausted = True
            self.runner.show_error(exc)

    # ----------------------------------------------------------------- Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(COLUMNS)

    def row_at(self, row: int) -> HouseholdRow:
        return self._rows[row]

    def row_of(self, household_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == household_id), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called thousands of times per repaint: roles compared as plain ints, display texts made once
        # per row (when the page arrives or the language changes), not on every paint.
        r = index.row()
        if not 0 <= r < len(self._rows):
            return None
        role = int(role)
        if role == _DISPLAY:
            texts = self._texts[r]
            if texts is None:
                texts = self._texts[r] = _display_texts(self._rows[r])
            return texts[index.column()]
        column = index.column()
        if role == _FOREGROUND and column == _PRIORITY_COL:
            colour = PRIORITY_COLOURS.get(self._rows[r].priority or "")
            return QBrush(QColor(colour)) if colour else None
        if role == _TOOLTIP and column == _ADDRESS_COL:
            return self._rows[r].address or None
        if role == _ALIGN and column == _MEMBERS_COL:
            return _RIGHT
        if role == _ID:
            return self._rows[r].id
        if role == _ROW:
            return self._rows[r]
        return None

    @staticmethod
    def _display(row: HouseholdRow, attr: str) -> str:
        value = getattr(row, attr)
        if attr == "benefit_status":
            return BenefitStatus(value).label() if value and value != "none" else ""
        if attr == "priority":
            return Priority(value).label() if value else ""
        if attr == "last_visit":
            return value.isoformat() if value else tr("ui.households.never_visited")
        if attr == "member_count":
            return str(value)
        return value or ""

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return tr(COLUMNS[section][1])
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][2]
        if key not in SORTABLE:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.query.sort and descending == self.query.descending:
            return
        self.set_query(replace(self.query, sort=key, descending=descending))

    def retranslate(self) -> None:
        self._texts = [None] * len(self._rows)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
