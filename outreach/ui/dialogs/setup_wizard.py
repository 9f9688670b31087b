"""First run (and Settings later): the worker's name, this laptop's name, the language, and the villages
this worker covers, picked from the area tree. Stored with ``store.set_setting`` under ``worker_name``,
``device_name``, ``language`` and ``villages`` (comma-separated area codes)."""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTreeView, QWidget

from outreach.domain.errors import FieldError
from outreach.i18n import current_language, tr
from outreach.ui.dialogs.form_base import FormDialog
from outreach.ui.models.area_tree_model import AreaTreeModel
from outreach.ui.ops import WorkerSettings, load_setup, save_worker_settings


class SetupWizard(FormDialog):
    title_key = "ui.setup.title"
    changes = ("settings",)

    def __init__(self, ctx, parent: QWidget | None = None, *, first_run: bool = True) -> None:
        super().__init__(ctx, parent)
        self.first_run = first_run
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.body.insertWidget(0, self.intro)
        self.worker_name = self.add_field("worker_name", "ui.setup.worker_name", QLineEdit(self))
        self.device_name = self.add_field("device_name", "ui.setup.device_name", QLineEdit(self))
        self.language = QComboBox(self)
        self.language.addItem("中文", "zh_CN")
        self.language.addItem("English", "en")
        self.add_field("language", "ui.setup.language", self.language)
        self.area_model = AreaTreeModel(self, checkable_villages=True)
        self.villages = QTreeView(self)
        self.villages.setHeaderHidden(True)
        self.villages.setModel(self.area_model)
        self.villages.setMinimumHeight(220)
        self.add_field("villages", "ui.setup.villages", self.villages)
        self.area_model.itemChanged.connect(self.mark_dirty)
        self.language.setCurrentIndex(max(self.language.findData(current_language()), 0))
        self.language.currentIndexChanged.connect(self._language_picked)
        self.resize(560, 560)
        self.finish_layout()
        self.worker_name.setFocus()
        ctx.runner.query(load_setup, on_done=self._loaded, owner=self)

    def _loaded(self, result: tuple[WorkerSettings, list]) -> None:
        settings, areas = result
        with self.loading():
            self.worker_name.setText(settings.worker_name)
            self.device_name.setText(settings.device_name or socket.gethostname())
            if settings.language:
                self.language.setCurrentIndex(max(self.language.findData(settings.language), 0))
            self.area_model.set_areas(areas, checked=settings.villages)
            self.villages.expandToDepth(1)
            # A fresh laptop knows no villages yet: they arrive with the team's first bundle (Sync)
            # or from an area list (File → Import area list); the worker can pick them later here.
            self.no_areas = not areas
            self._show_area_hint()
        self.loaded = True

    loaded = False
    no_areas = False

    def _show_area_hint(self) -> None:
        self.fields["villages"].error.show_message(tr("ui.setup.no_areas") if self.no_areas else "")

    def _language_picked(self) -> None:
        lang = self.language.currentData()
        if lang and lang != current_language():
            self.ctx.language.apply(lang)
            with self.loading():
                self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.intro.setText(tr("ui.setup.intro_first" if self.first_run else "ui.setup.intro"))
        self.area_model.retranslate()
        self._show_area_hint()

    def values(self) -> dict[str, Any]:
        return {
            "worker_name": self.worker_name.text().strip(),
            "device_name": self.device_name.text().strip(),
            "language": self.language.currentData(),
            "villages": tuple(self.area_model.checked_villages()),
        }

    def local_errors(self, values: dict[str, Any]) -> list[FieldError]:
        return [FieldError(k, "error.required") for k in ("worker_name", "device_name") if not values[k]]

    def submit(self, store, values: dict[str, Any]) -> WorkerSettings:
        return save_worker_settings(store, WorkerSettings(**values))
