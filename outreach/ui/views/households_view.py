"""The main screen: the area tree beside the household list, with search-as-you-type and filters.

Typing in the search box waits for a pause (250 ms) and then asks the database thread for the first
page of matches; older queries still queued are dropped, so the window never stalls while typing.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from outreach.domain.enums import AreaLevel, BenefitStatus, Priority, Vulnerability
from outreach.i18n import tr
from outreach.services.household_rows import HouseholdQuery
from outreach.ui.models.area_tree_model import ID_ROLE as AREA_ID_ROLE
from outreach.ui.models.area_tree_model import LEVEL_ROLE, AreaTreeModel
from outreach.ui.models.household_table_model import COLUMNS, ID_ROLE, HouseholdTableModel
from outreach.ui.widgets import EnumCombo, SearchBox

NOT_VISITED_DAYS = 90
REFRESH_ON = {"household", "person", "visit", "assessment", "referral", "area", "sync"}


def all_areas(store) -> list:
    """The area tree (on the database thread; the services are imported there, after the window's
    first page, issue 14)."""
    from outreach.services.areas import all_areas as read_all

    return read_all(store)


class HouseholdsView(QWidget):
    sig_open_household = Signal(str)
    sig_new_household = Signal(str)  # the selected village id ("" if none)

    view_name = "households"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._areas: list = []
        self.area_model = AreaTreeModel(self, all_item=True)
        self.tree = QTreeView(self)
        self.tree.setHeaderHidden(True)
        self.tree.setModel(self.area_model)
        self.tree.setMinimumWidth(170)
        self.tree.selectionModel().currentChanged.connect(self._area_changed)

        self.search = SearchBox(self)
        self.search.sig_search.connect(self._search)
        self.search.sig_down.connect(self._focus_results)
        self.flag_filter = EnumCombo(Vulnerability, none_key="ui.filter.all_groups", parent=self)
        self.benefit_filter = EnumCombo(BenefitStatus, none_key="ui.filter.all_benefits", exclude=("none",),
                                        parent=self)
        self.priority_filter = EnumCombo(Priority, none_key="ui.filter.all_priorities", parent=self)
        self.not_visited = QCheckBox(self)
        for combo in (self.flag_filter, self.benefit_filter, self.priority_filter):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.not_visited.toggled.connect(self._filters_changed)
        self.count_label = QLabel(self)
        self.new_button = QPushButton(self)
        self.new_button.clicked.connect(lambda: self.sig_new_household.emit(self.selected_village()))

        self.model = HouseholdTableModel(ctx.runner, self)
        self.model.sig_total.connect(self._show_total)
        self.model.sig_page_loaded.connect(self._page_loaded)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        # The indicator before sorting is enabled: enabling sorts by the indicator at once, and Qt's
        # default one (descending) sent a whole query the database thread could not stop (issue 14).
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().hide()
        for i, width in enumerate((130, 80, 80, 50, 110, 90, 70, 90)):
            self.table.setColumnWidth(i, width)
        self.table.activated.connect(self._open_index)
        self.table.doubleClicked.connect(self._open_index)

        filters = QHBoxLayout()
        filters.addWidget(self.flag_filter)
        filters.addWidget(self.benefit_filter)
        filters.addWidget(self.priority_filter)
        filters.addWidget(self.not_visited)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        right = QWidget(self)
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(top)
        col.addLayout(filters)
        col.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([200, 1100])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.setTabOrder(self.search, self.new_button)
        self.setTabOrder(self.new_button, self.flag_filter)
        self.setTabOrder(self.flag_filter, self.benefit_filter)
        self.setTabOrder(self.benefit_filter, self.priority_filter)
        self.setTabOrder(self.priority_filter, self.not_visited)
        self.setTabOrder(self.not_visited, self.table)
        self.setTabOrder(self.table, self.tree)
        self.retranslate()
        # The saved column order and sort before the first query, then sorting on: the first page is
        # asked for once, in its final order (issue 14: three identical or superseded queries, each
        # one the database thread cannot interrupt, used to run before the first page).
        self.restore_state(ctx.ui_settings)
        self.table.setSortingEnabled(True)
        ctx.runner.sig_changed.connect(self._data_changed)
        self.load()

    # ----------------------------------------------------------------- loading
    def load(self) -> None:
        self.ctx.runner.query(all_areas, on_done=self._areas_loaded, owner=self)
        self._set_query(self._query())

    _queried = False

    def _set_query(self, query: HouseholdQuery) -> None:
        """Ask for ``query``'s first page, unless that query is the one already shown or asked for
        (selecting the area that is already current, as the tree does when the areas arrive)."""
        asked = query == self.model.query and (self._queried or self.model.is_loading())  # or by a sort
        self._queried = True
        if not asked:
            self.model.set_query(query)

    def _areas_loaded(self, areas: list) -> None:
        self._areas = areas
        current = self.selected_area_id()
        self.area_model.set_areas(areas, highlight=self.ctx.settings.villages)
        self.tree.expandToDepth(1)
        self.select_area(current or "")

    def select_area(self, area_id: str) -> None:
        item = self.area_model.item_for(area_id) if area_id else self.area_model.item(0)
        if item is not None:
            self.tree.selectionModel().setCurrentIndex(
                item.index(), QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def selected_area_id(self) -> str:
        index = self.tree.currentIndex()
        return index.data(AREA_ID_ROLE) or "" if index.isValid() else ""

    def selected_village(self) -> str:
        """The village of the selected area (itself, or a group's parent), or ""."""
        index = self.tree.currentIndex()
        if not index.isValid():
            return ""
        level = index.data(LEVEL_ROLE)
        if level == AreaLevel.VILLAGE.value:
            return index.data(AREA_ID_ROLE)
        if level == AreaLevel.GROUP.value:
            return index.parent().data(AREA_ID_ROLE) or ""
        return ""

    def _village_ids(self) -> tuple[str, ...] | None:
        area_id = self.selected_area_id()
        if not area_id:
            return None
        by_parent: dict[str | None, list] = {}
        by_id = {a.id: a for a in self._areas}
        for a in self._areas:
            by_parent.setdefault(a.parent_id, []).append(a)
        node = by_id.get(area_id)
        if node is not None and node.level == AreaLevel.GROUP.value:
            return (node.parent_id,) if node.parent_id else None
        found, stack = [], [area_id]
        while stack:
            current = stack.pop()
            a = by_id.get(current)
            if a is not None and a.level == AreaLevel.VILLAGE.value:
                found.append(current)
                continue
            stack.extend(c.id for c in by_parent.get(current, []))
        return tuple(sorted(found))

    def _group_ids(self) -> tuple[str, ...] | None:
        """A village group (组) picked in the tree narrows the list to its households."""
        index = self.tree.currentIndex()
        if index.isValid() and index.data(LEVEL_ROLE) == AreaLevel.GROUP.value:
            return (index.data(AREA_ID_ROLE),)
        return None

    def _query(self) -> HouseholdQuery:
        base = self.model.query
        return replace(
            base,
            text=self.search.text().strip(),
            village_ids=self._village_ids(),
            group_ids=self._group_ids(),
            flags=(self.flag_filter.value(),) if self.flag_filter.value() else (),
            benefit_status=self.benefit_filter.value() or None,
            priority=self.priority_filter.value() or None,
            not_visited_days=NOT_VISITED_DAYS if self.not_visited.isChecked() else None,
        )

    # ----------------------------------------------------------------- reactions
    def _search(self, text: str) -> None:
        self.model.set_query(replace(self._query(), text=text))

    def _filters_changed(self, *_args) -> None:
        self._set_query(self._query())

    def _area_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._set_query(self._query())

    def _data_changed(self, changes: frozenset) -> None:
        if "area" in changes or "settings" in changes:
            self.ctx.runner.query(all_areas, on_done=self._areas_loaded, owner=self)
        if changes & REFRESH_ON:
            # Hidden behind a household page: refresh when shown again, so the page's own reload is
            # not queued behind a county-wide list query.
            if self.isVisible():
                self.model.refresh()
            else:
                self._stale = True

    _stale = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self.model.refresh()

    def _show_total(self, n: int) -> None:
        self.count_label.setText(tr("ui.households.count", n=n))

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_open_household.emit(index.data(ID_ROLE))

    def _page_loaded(self, _rows: int) -> None:
        # Typed, pressed Down before the answer came: the first match is ready for Enter.
        if self.table.hasFocus() and not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _focus_results(self) -> None:
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def current_household_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ----------------------------------------------------------------- language
    def retranslate(self) -> None:
        self.search.setPlaceholderText(tr("ui.households.search_placeholder"))
        self.search.setToolTip(tr("ui.households.search_tooltip"))
        self.not_visited.setText(tr("ui.filter.not_visited", days=NOT_VISITED_DAYS))
        self.new_button.setText(tr("ui.households.new"))
        for combo in (self.flag_filter, self.benefit_filter, self.priority_filter):
            combo.retranslate()
        self.area_model.retranslate()
        self.model.retranslate()
        self._fit_columns()
        if self.model.total is not None:
            self._show_total(self.model.total)
        else:
            self.count_label.setText("")

    def _fit_columns(self) -> None:
        """Widen (never narrow) a column whose header, or the longest benefit label, would be clipped in
        the current language ("Members", "Minimum living allowance (dibao)")."""
        header = self.table.horizontalHeader()
        fm = self.table.fontMetrics()
        benefit = [c[0] for c in COLUMNS].index("benefit_status")
        for i in range(len(COLUMNS) - 1):  # the last column stretches
            need = header.sectionSizeFromContents(i).width() + 8
            if i == benefit:
                need = max(need, max(fm.horizontalAdvance(b.label()) for b in BenefitStatus) + 16)
            if header.sectionSize(i) < need:
                self.table.setColumnWidth(i, need)

    def save_state(self, settings) -> None:
        settings.set_value("households/splitter", self.splitter.saveState())
        settings.set_value("households/header", self.table.horizontalHeader().saveState())

    def restore_state(self, settings) -> None:
        splitter = settings.bytes("households/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = settings.bytes("households/header")
        if header is not None and self.table.horizontalHeader().count() == len(COLUMNS):
            self.table.horizontalHeader().restoreState(header)
            self._fit_columns()
