"""Dashboard: the team's indicators for a chosen period, area and worker, as clickable numbers and bar
charts drawn with QPainter (QtCharts is not part of PySide6-Essentials).

Every number and every bar leads to the households behind it: a click (or Enter on a focused card or
bar) emits ``sig_open_households(HouseholdQuery)``. The receiver runs ``query.resolve(store)`` on the
database thread (``runner.query(query.resolve, on_done=…)`` — the store is passed first) and shows the
list; ``query.title`` says what the list is ("从未走访 · 石门村").

The indicators are computed on the database thread (``outreach.reports.indicators``); the view only
draws what comes back, and redraws in the new language without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.i18n import current_language, tr
from outreach.reports import formatting as fmt
from outreach.reports.figures import Indicators, ratio
from outreach.reports.first_figures import FirstFigures, first_figures
from outreach.reports.indicators import HouseholdQuery, compute_indicators, report_choices
from outreach.reports.scope import Scope, months_between
from outreach.ui.models.record_table_model import Column, RecordTableModel
from outreach.ui.text import labelled
from outreach.ui.views.bar_chart import Bar, BarChart

RELOAD_ON = {"household", "person", "visit", "assessment", "need", "referral", "sync", "merge", "area"}


# --------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    key: str            # catalog key of its label, or "" for a plain month
    start: date
    end: date
    month: str = ""     # "YYYY-MM" when the period is one calendar month (a monthly report can be saved)

    def label(self) -> str:
        return tr(self.key, month=self.month) if self.key else self.month


def period_choices(today: date) -> list[Period]:
    this = date(today.year, today.month, 1)
    months = months_between(date(this.year - 1, this.month, 1), this)[::-1]   # this month first, 13 in all
    out = []
    for i, (start, _end) in enumerate(months):
        nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        key = {0: "reports.dash.period.this_month", 1: "reports.dash.period.last_month"}.get(i, "")
        out.append(Period(key, start, nxt - timedelta(days=1), f"{start:%Y-%m}"))
    out.append(Period("reports.dash.period.last_12", months[11][0], out[0].end))
    out.append(Period("reports.dash.period.this_year", date(today.year, 1, 1), date(today.year, 12, 31)))
    return out


# --------------------------------------------------------------------------- a clickable number
class FigureCard(QFrame):
    """A big number over its label; click or Enter opens the households behind it."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("FigureCard { background: #f6f8fb; border: 1px solid #d5dce6; border-radius: 4px; }"
                           "FigureCard:focus { border: 2px solid #2f6db5; }")
        self.value = QLabel(self)
        self.caption = QLabel(self)
        self.detail = QLabel(self)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setStyleSheet("color: #1a3d6d;")
        self.detail.setStyleSheet("color: #666666;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        for w in (self.value, self.caption, self.detail):
            layout.addWidget(w)
        self.query: HouseholdQuery | None = None

    def set(self, value: str, caption: str, detail: str, query: HouseholdQuery | None) -> None:
        self.value.setText(value)
        self.caption.setText(caption)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.query = query
        self.setToolTip(tr("reports.dash.click_hint") if query else "")
        self.setAccessibleName(f"{caption} {value}")

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


# --------------------------------------------------------------------------- the screen
def _pct_int(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole) if whole else 0


def _bucket_label(start: date, end: date) -> str:
    if start.day == 1 and (end + timedelta(days=1)).day == 1 and (end - start).days > 7:
        return f"{start:%Y-%m}"
    return f"{start.month}/{start.day}" if start == end else f"{start.month}/{start.day}–{end.month}/{end.day}"


VILLAGE_COLUMNS = [
    (Column("reports.pdf.col.village", lambda r: r.name), "households.total"),
    (Column("reports.pdf.col.households", lambda r: fmt.count(r.households)), "households.total"),
    (Column("reports.pdf.col.visited", lambda r: fmt.count(r.visited)), "households.visited"),
    (Column("reports.pdf.col.visited_90", lambda r: fmt.count(r.visited_90)), "coverage.visited_90"),
    (Column("reports.pdf.col.coverage_90", lambda r: fmt.percent(ratio(r.visited_90, r.households))),
     "coverage.unvisited_90"),
    (Column("reports.pdf.col.never", lambda r: fmt.count(r.never_visited)), "households.never_visited"),
]


class DashboardView(QWidget):
    """Period, area and worker pickers; twelve clickable figures; six bar charts; a village table."""

    sig_open_households = Signal(object)   # HouseholdQuery
    view_name = "dashboard"

    def __init__(self, ctx, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.periods = period_choices(today or date.today())
        self.areas: list = []
        self.workers: list[str] = []
        self.indicators: Indicators | None = None
        self.period_box, self.area_box, self.worker_box = QComboBox(self), QComboBox(self), QComboBox(self)
        self.area_box.setMinimumContentsLength(12)
        for box in (self.period_box, self.area_box, self.worker_box):   # as wide as their words, in either language
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.refresh_button, self.save_button = QPushButton(self), QPushButton(self)
        self.status = QLabel(self)
        bar = QHBoxLayout()
        self.picker_labels = [QLabel(self) for _ in range(3)]
        for label, box in zip(self.picker_labels, (self.period_box, self.area_box, self.worker_box), strict=True):
            label.setBuddy(box)
            bar.addWidget(label)
            bar.addWidget(box)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.save_button)
        bar.addStretch(1)
        bar.addWidget(self.status)

        body = QWidget(self)
        grid = QGridLayout()
        self.cards = [FigureCard(body) for _ in range(12)]
        for i, card in enumerate(self.cards):
            grid.addWidget(card, i // 4, i % 4)
            card.clicked.connect(lambda c=card: self._open(c.query))
        self.charts = {
            "time": BarChart(horizontal=False, parent=body), "villages": BarChart(max_value=100, parent=body),
            "outcome": BarChart(parent=body), "vulnerability": BarChart(parent=body),
            "needs": BarChart(parent=body), "referrals": BarChart(parent=body),
        }
        charts = QGridLayout()
        for i, chart in enumerate(self.charts.values()):
            charts.addWidget(chart, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
            chart.sig_clicked.connect(self._open)
        self.village_model = RecordTableModel([c for c, _k in VILLAGE_COLUMNS], self)
        self.village_table = QTableView(body)
        self.village_table.setModel(self.village_model)
        self.village_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.village_table.verticalHeader().hide()
        self.village_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.village_table.setAlternatingRowColors(True)
        self.village_table.activated.connect(self._village_cell)
        self.village_title = QLabel(body)
        inner = QVBoxLayout(body)
        inner.addLayout(grid)
        inner.addLayout(charts)
        inner.addWidget(self.village_title)
        inner.addWidget(self.village_table)
        inner.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

        for box in (self.period_box, self.area_box, self.worker_box):
            box.currentIndexChanged.connect(self._scope_changed)
        self.refresh_button.clicked.connect(self.reload)
        self.save_button.clicked.connect(self.save_report)
        ctx.runner.sig_changed.connect(self._data_changed)
        self._fill_pickers()
        self.retranslate()
        # The first figures of the opening scope (this month, whole team, all workers: no choice needed)
        # go first, before the picker choices and before the full set (issue 14: ≤ 1 s on 50k households).
        self._first_asked: Scope | None = self.scope()
        self._ask_first(self._first_asked)
        self.load_choices()

    # ----------------------------------------------------------------- scope
    def _fill_pickers(self) -> None:
        keep = (self.period_box.currentIndex(), self.area_box.currentIndex(), self.worker_box.currentIndex())
        for box in (self.period_box, self.area_box, self.worker_box):
            box.blockSignals(True)
            box.clear()
        for p in self.periods:
            self.period_box.addItem(p.label(), p)
        self.area_box.addItem(tr("reports.area.whole_team"), None)
        for a in self.areas:
            self.area_box.addItem("　" * a.depth + a.name, a.id)
        self.worker_box.addItem(tr("reports.dash.all_workers"), None)
        for w in self.workers:
            self.worker_box.addItem(w, w)
        for box, i in zip((self.period_box, self.area_box, self.worker_box), keep, strict=True):
            box.setCurrentIndex(max(0, min(i, box.count() - 1)))
            box.blockSignals(False)

    def scope(self) -> Scope:
        p: Period = self.period_box.currentData() or self.periods[0]
        return Scope(p.start, p.end, area_id=self.area_box.currentData(), worker=self.worker_box.currentData(),
                     today=self.today)

    def select(self, *, period: int | None = None, area_id: str | None = None, worker: str | None = None) -> None:
        """Choose what to show (for code and tests); triggers one reload."""
        for box, value in ((self.area_box, area_id), (self.worker_box, worker)):
            if value is not None:
                box.blockSignals(True)
                box.setCurrentIndex(max(0, box.findData(value)))
                box.blockSignals(False)
        if period is not None:
            self.period_box.blockSignals(True)
            self.period_box.setCurrentIndex(period)
            self.period_box.blockSignals(False)
        self._scope_changed()

    def _scope_changed(self, *_args) -> None:
        p: Period | None = self.period_box.currentData()
        self.save_button.setEnabled(bool(p and p.month))
        self.reload()

    def load_choices(self) -> None:
        self.ctx.runner.query(report_choices, key=f"dashboard-choices-{id(self)}", owner=self,
                              on_done=self._choices_loaded)

    def _choices_loaded(self, choices) -> None:
        self.areas, self.workers = choices
        self._fill_pickers()
        asked, self._first_asked = self._first_asked, None
        self.reload(first=asked != self.scope())   # the opening's first figures are already on their way

    def reload(self, *, first: bool = True) -> None:
        self.status.setText(tr("reports.dash.loading"))
        # the first six cards come from a quick query of their own, shown before the full set (issue 14)
        if first:
            self._ask_first(self.scope())
        self.ctx.runner.query(compute_indicators, self.scope(), key=f"dashboard-{id(self)}", owner=self,
                              on_done=self.show_indicators, on_error=self._failed)

    def _ask_first(self, scope: Scope) -> None:
        self.status.setText(tr("reports.dash.loading"))
        self.ctx.runner.query(first_figures, scope, key=f"dashboard-first-{id(self)}", owner=self,
                              on_done=self.show_first_figures, on_error=self._failed)

    def _data_changed(self, changes: frozenset) -> None:
        if changes & RELOAD_ON:
            self.load_choices()

    def _failed(self, exc: BaseException) -> None:
        message = exc.message() if hasattr(exc, "message") else str(exc)
        self.status.setText(message)

    # ----------------------------------------------------------------- showing
    def show_indicators(self, ind: Indicators) -> None:
        self.indicators = ind
        if ind.scope.area_id is None and self.area_box.count():   # "whole team", or "whole county" on a hub
            self.area_box.setItemText(0, ind.area_name)
        self._render()

    def show_first_figures(self, first: FirstFigures) -> None:
        """Households, visited and coverage, before the rest (ignored once the full set is shown or
        when the scope has changed since)."""
        if first.scope != self.scope() or (self.indicators is not None and self.indicators.scope == first.scope):
            return
        for card, (value, caption, detail, tally) in zip(self.cards, self._first_cards(first), strict=False):
            card.set(value, tr(caption), detail, self._q(tally.key, caption, first.scope) if tally.households else None)

    def _first_cards(self, ind: Indicators | FirstFigures) -> list[tuple]:
        cov, hh = ind.coverage, ind.households
        return [
            (fmt.count(hh.total.count), "reports.pdf.k.households_total", "", hh.total),
            (fmt.count(hh.visited.count), "reports.pdf.k.households_visited",
             tr("reports.dash.d.visits", n=fmt.count(ind.visits.total.count), count=ind.visits.total.count), hh.visited),
            (fmt.percent(cov.share(cov.visited_30)), "reports.pdf.k.coverage_30",
             tr("reports.dash.d.of", n=fmt.count(cov.visited_30.count), total=fmt.count(cov.households)), cov.visited_30),
            (fmt.percent(cov.share(cov.visited_90)), "reports.pdf.k.coverage_90",
             tr("reports.dash.d.of", n=fmt.count(cov.visited_90.count), total=fmt.count(cov.households)), cov.visited_90),
            (fmt.count(cov.unvisited_90.count), "reports.dash.k.unvisited_90", "", cov.unvisited_90),
            (fmt.count(hh.never_visited.count), "reports.pdf.k.never_visited", "", hh.never_visited),
        ]

    def _q(self, key: str, title_key: str, scope: Scope | None = None, **params) -> HouseholdQuery:
        ind = self.indicators
        scope = scope or ind.scope
        area = self._area_name(scope)
        return HouseholdQuery(key, scope, f"{tr(title_key, **params)} · {area}")

    def _area_name(self, scope: Scope) -> str:
        if scope.area_id is None:
            if self.indicators is not None and self.indicators.scope.area_id is None:
                return self.indicators.area_name     # the whole team, or the whole county on a hub
            return tr("reports.area.whole_team")
        names = {a.id: a.name for a in self.areas}
        if self.indicators is not None and scope.area_id == self.indicators.scope.area_id:
            return self.indicators.area_name
        return names.get(scope.area_id, scope.area_id)

    def _render(self) -> None:
        ind = self.indicators
        if ind is None:
            return
        self.status.setText(tr("reports.dash.as_of", date=ind.as_of.isoformat()))
        r, n = ind.referrals, ind.needs
        cards = [
            *self._first_cards(ind),
            (fmt.count(ind.overdue_followups.count), "reports.pdf.k.overdue_followups",
             tr("papers.as_of", date=ind.as_of.isoformat()), ind.overdue_followups),
            (fmt.count(ind.people.vulnerable.count), "reports.pdf.k.people_vulnerable",
             tr("reports.dash.d.households", n=fmt.count(ind.people.vulnerable.households),
                count=ind.people.vulnerable.households), ind.people.vulnerable),
            (fmt.count(n.identified.count), "reports.pdf.k.needs_identified",
             tr("papers.dash.d.open_urgent", n=fmt.count(n.open.count), urgent=fmt.count(n.urgent_waiting.count)),
             n.identified),
            (fmt.count(r.issued.count), "reports.pdf.k.referrals_issued",
             tr("reports.dash.d.median", days=fmt.days(r.median_days_to_reply)), r.issued),
            (fmt.percent(r.share_served), "reports.pdf.k.referrals_served",
             tr("reports.dash.d.of", n=fmt.count(r.served.count), total=fmt.count(r.issued.count)), r.served),
            (fmt.count(r.overdue_replies.count), "reports.pdf.k.overdue_replies",
             tr("papers.as_of", date=ind.as_of.isoformat()), r.overdue_replies),
        ]
        for card, (value, caption, detail, tally) in zip(self.cards, cards, strict=True):
            card.set(value, tr(caption), detail, self._q(tally.key, caption) if tally.households else None)
        self._render_charts(ind)
        self.village_title.setText(tr("reports.pdf.h.villages"))
        self.village_model.set_records(list(ind.villages))
        self._fit_table()

    def _fit_table(self) -> None:
        """Show every village row; the page scrolls, not the table."""
        t = self.village_table
        t.resizeRowsToContents()
        rows = sum(t.rowHeight(i) for i in range(self.village_model.rowCount()))
        t.setFixedHeight(t.horizontalHeader().height() + rows + 2 * t.frameWidth() + 2)

    def _tally_bars(self, tallies, title_key: str, *, skip_zero: bool = False) -> list[Bar]:
        bars = []
        for t in tallies:
            if skip_zero and not t.count:
                continue
            label = fmt.tally_label(t.key, t.code, t.label)
            query = HouseholdQuery(t.key, self.indicators.scope,
                                   f"{labelled(tr(title_key), label)} · {self._area_name(self.indicators.scope)}")
            bars.append(Bar(label, t.count, fmt.count(t.count), query if t.households else None))
        return bars

    def _render_charts(self, ind: Indicators) -> None:
        c = self.charts
        time_bars = [Bar(_bucket_label(b.start, b.end), b.tally.count, fmt.count(b.tally.count),
                         self._q(b.tally.key, "reports.dash.q.visited_between", when=_bucket_label(b.start, b.end))
                         if b.tally.households else None) for b in ind.visits.over_time]
        c["time"].set_bars(tr("reports.dash.chart.time"), time_bars)
        villages = sorted(ind.villages, key=lambda v: (ratio(v.visited_90, v.households) or 0, v.name))
        c["villages"].set_bars(tr("reports.dash.chart.villages"), [
            Bar(v.name, _pct_int(v.visited_90, v.households), fmt.percent(ratio(v.visited_90, v.households)),
                self._q("coverage.unvisited_90", "reports.dash.k.unvisited_90", ind.scope.narrowed(v.village_id))
                if v.households > v.visited_90 else None)
            for v in villages])
        c["outcome"].set_bars(tr("reports.dash.chart.outcome"), self._tally_bars(ind.visits.by_outcome,
                                                                                  "reports.pdf.col.outcome"))
        c["vulnerability"].set_bars(tr("reports.pdf.chart.vulnerability"),
                                    self._tally_bars(ind.people.by_vulnerability, "reports.pdf.col.group"))
        c["needs"].set_bars(tr("reports.pdf.chart.needs"),
                            self._tally_bars(ind.needs.by_domain, "reports.pdf.col.domain", skip_zero=True))
        c["referrals"].set_bars(tr("reports.dash.chart.referrals"),
                                self._tally_bars(ind.referrals.by_status, "reports.pdf.col.status"))

    def _village_cell(self, index) -> None:
        if not index.isValid() or self.indicators is None:
            return
        row = self.village_model.record_at(index.row())
        column, key = VILLAGE_COLUMNS[index.column()]
        title = "reports.dash.k.unvisited_90" if key == "coverage.unvisited_90" else column.header_key
        self._open(self._q(key, title, self.indicators.scope.narrowed(row.village_id)))

    def _open(self, query: HouseholdQuery | None) -> None:
        if query is not None:
            self.sig_open_households.emit(query)

    # ----------------------------------------------------------------- the monthly report
    def ask_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, tr("reports.dash.save_title"), suggested, "PDF (*.pdf)")
        return path

    def save_report(self) -> None:
        p: Period | None = self.period_box.currentData()
        if not p or not p.month:
            return
        scope = self.scope()
        path = self.ask_save_path(f"{tr('reports.dash.file_prefix')}-{p.month}.pdf")
        if not path:
            return
        from outreach.reports.report_pdf import write_monthly_report  # reportlab: only when a report is saved

        self.status.setText(tr("reports.dash.saving"))
        self.ctx.runner.query(write_monthly_report, path, month=p.month, area=scope.area_id, worker=scope.worker,
                              lang=current_language(), today=self.today, owner=self, on_error=self._failed,
                              on_done=lambda _ind: self.status.setText(tr("reports.dash.saved", path=path)))

    def retranslate(self) -> None:
        texts = ("reports.dash.period", "reports.dash.area", "reports.dash.worker")
        for label, key in zip(self.picker_labels, texts, strict=True):
            label.setText(tr(key))
        self.refresh_button.setText(tr("reports.dash.refresh"))
        self.save_button.setText(tr("reports.dash.save_report"))
        self.save_button.setToolTip(tr("reports.dash.save_hint"))
        self._fill_pickers()
        self.village_model.retranslate()
        self._render()


def build_dashboard(ctx, parent: QWidget) -> DashboardView:
    """The factory ``outreach.ui.external_views`` expects."""
    return DashboardView(ctx, parent)
