"""A recorded assessment, read-only: its priority, score, and every answer rendered against the template
version it was made with (so old assessments stay readable after the template changes)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from outreach.domain.enums import NeedDomain, Priority
from outreach.i18n import current_language, tr
from outreach.services import assessments as assessments_svc
from outreach.ui.text import join_list, labelled
from outreach.ui.widgets import bounded_size


def load_detail(store, assessment_id: str):
    return assessments_svc.get_assessment(store, assessment_id, lang=current_language())


class AssessmentDetailDialog(QDialog):
    def __init__(self, ctx, assessment_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("ui.assessment.title"))
        self.text = QTextBrowser(self)
        self.text.setPlainText(tr("ui.loading"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(bounded_size(self, QSize(640, 560)))
        ctx.runner.query(load_detail, assessment_id, owner=self, on_done=self._loaded)

    def _loaded(self, detail) -> None:
        unfinished = "" if detail.complete else \
            f"<p style='color:#c25e00'><b>{escape(tr('forms.assessment.incomplete_note'))}</b></p>"
        head = unfinished + (f"<h3>{escape(detail.assessed_on.isoformat())} · "
                f"{escape(tr('ui.assessment.priority', priority=detail.priority.label()))} · "
                f"{escape(tr('ui.assessment.score', score=detail.score))}</h3>")
        domains = join_list(labelled(NeedDomain.label_of(d), Priority.label_of(p))
                            for d, p in detail.domain_priorities.items() if p != "low")
        rows = "".join(f"<tr><td>{escape(line.question)}</td><td><b>{escape(line.answer)}</b></td></tr>"
                       for line in detail.lines)
        notes = f"<p>{escape(labelled(tr('ui.field.notes'), detail.notes))}</p>" if detail.notes else ""
        self.text.setHtml(f"{head}<p>{escape(domains)}</p><table cellspacing='4'>{rows}</table>{notes}"
                          f"<p style='color:#666'>{escape(labelled(tr('ui.col.worker'), detail.created_by))} · "
                          f"{escape(detail.template_key)} v{detail.template_version}</p>")
