"""Screenshots of the main screens, in Chinese, at 1366×768 (the cheap laptop's screen), for the README.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh_CN]

Builds a small demo county in a temporary data folder, opens the real window and forms, and saves
PNGs: the household list, a household page, the Today panel, and the member, visit, assessment and
referral forms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --dayone [--out docs/screenshots]

Day one (issue 9), in zh_CN and en: first run (the choice, then each of the two ways), villages and
groups, the service directory, the team profile, the lead's Print & reports menu, the register dialog,
team set-up and the recovery identity — each shown over the 1366×768 window, so what does not fit shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZE = (1366, 768)


def _spin(ctx, ms: int = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = [ms]

    def check() -> None:
        deadline[0] -= 50
        if ctx.runner.is_idle() and deadline[0] <= 0:
            loop.quit()
        else:
            QTimer.singleShot(50, check)

    QTimer.singleShot(50, check)
    loop.exec()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--dayone", action="store_true", help="only the day-one screens, in zh_CN and en")
    args = parser.parse_args(argv)
    if args.dayone:
        return dayone(Path(args.out), ("zh_CN", "en"))

    from outreach.i18n import set_language
    from outreach.services import demo, households
    from outreach.storage.store import Store
    from outreach.ui.app import build_context, create_application
    from outreach.ui.main_window import MainWindow

    set_language(args.lang)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        demo.build_demo(store, households=args.households, seed=1)
        store.set_setting("language", args.lang)
        first = households.query_households(store, households.HouseholdQuery(priority="high"), limit=1)
        ctx = build_context(store, app)
        try:
            window = MainWindow(ctx)
            window.resize(*SIZE)
            window.show()
            _spin(ctx, 800)
            shots: list[str] = []

            def save(widget, name: str) -> None:
                path = out / f"{name}.png"
                widget.grab().save(str(path))
                shots.append(str(path))

            window.show_view("households")
            _spin(ctx)
            save(window, "01-households")
            hid = first[0].id if first else window.households.model.row_at(0).id
            window.open_household(hid)
            _spin(ctx, 600)
            save(window, "02-household")
            window.household_page.tabs.setCurrentIndex(4)
            _spin(ctx)
            save(window, "03-household-history")
            window.household_page.tabs.setCurrentIndex(0)
            window.show_view("today")
            _spin(ctx, 600)
            save(window, "04-today")
            for name, view in (("09-referrals", "referrals"), ("10-dashboard", "dashboard"), ("11-sync", "sync")):
                window.show_view(view)
                _spin(ctx, 1500)
                save(window, name)
            window.open_household(hid)
            _spin(ctx)
            member = window.household_page.members.record_at(0)
            for name, form in (("05-member-form", window.forms.edit_member(hid, member.id)),
                               ("06-visit-form", window.forms.record_visit(hid)),
                               ("07-assessment-form", window.forms.assess(hid)),
                               ("08-referral-form", window.forms.refer(hid))):
                _spin(ctx, 600)
                if name == "05-member-form":
                    form.id_number.setText(form.id_number.text()[:17] + "0")
                save(form, name)
                form.ask_unsaved = lambda: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.StandardButton.Discard
                form.reject()
                _spin(ctx, 100)
            window.close()
        finally:
            ctx.close()
            store.close()
    for path in shots:
        print(path)
    return 0


def _over_window(window, dialog, path: Path, *, at=None) -> None:
    """The window at 1366×768 with ``dialog`` (or an open menu at ``at``) painted where it would be."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    shot = window.grab()
    top = dialog.grab()
    painter = QPainter(shot)
    if at is None:
        at = QPoint(max((shot.width() - top.width()) // 2, 0), max((shot.height() - top.height()) // 2, 0))
    painter.drawPixmap(at, top)
    painter.setPen(QColor("#5a5f66"))  # the dialog's edge (an offscreen grab has no window frame)
    painter.drawRect(at.x() - 1, at.y() - 1, top.width() + 1, top.height() + 1)
    painter.end()
    shot.save(str(path))


def dayone(out: Path, langs: tuple[str, ...]) -> int:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMessageBox

    from outreach.i18n import set_language
    from outreach.services import demo
    from outreach.storage.store import Store
    from outreach.ui.app import build_context, create_application
    from outreach.ui.dialogs.form_base import FormDialog
    from outreach.ui.dialogs.setup_wizard import SetupWizard
    from outreach.ui.main_window import MainWindow

    FormDialog.ask_unsaved = lambda self: QMessageBox.StandardButton.Discard
    out.mkdir(parents=True, exist_ok=True)
    app = create_application()
    shots: list[str] = []
    for lang in langs:
        set_language(lang)
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Store.open(Path(tmp) / "fresh")
            fresh.set_setting("language", lang)
            ctx = build_context(fresh, app)
            try:
                wizard = SetupWizard(ctx)
                wizard.resize(640, 660)
                wizard.show()
                _spin(ctx, 400)
                for step in ("", "join", "lead"):
                    wizard.choose(step)
                    if step:
                        wizard.worker_name.setText("李娜" if lang == "zh_CN" else "Li Na")
                    _spin(ctx, 200)
                    path = out / f"20-first-run{'-' + step if step else ''}-{lang}.png"
                    wizard.grab().save(str(path))
                    shots.append(str(path))
                wizard.reject()
            finally:
                ctx.close()
                fresh.close()
            store = Store.open(Path(tmp) / "lead")
            demo.build_demo(store, households=60, seed=1)
            store.set_setting("language", lang)
            ctx = build_context(store, app)
            try:
                window = MainWindow(ctx)
                window.resize(*SIZE)
                window.show()
                _spin(ctx, 800)
                for name, key in (("21-areas", "areas"), ("22-directory", "directory"), ("23-team-profile", "profile")):
                    dialog = window.dayone.run(key)
                    _spin(ctx, 800)
                    if key == "areas":
                        dialog.tree.expandAll()
                        first = dialog.model.item(0)
                        if first is not None:
                            dialog.tree.setCurrentIndex(first.index())
                        _spin(ctx, 100)
                    path = out / f"{name}-{lang}.png"
                    _over_window(window, dialog, path)
                    shots.append(str(path))
                    dialog.reject()
                    _spin(ctx, 100)
                menu = window.dayone.print_menu
                bar = window.menuBar()
                rect = bar.actionGeometry(menu.menuAction())
                menu.popup(bar.mapToGlobal(rect.bottomLeft()))
                _spin(ctx, 200)
                path = out / f"24-print-menu-{lang}.png"
                _over_window(window, menu, path, at=QPoint(rect.left(), bar.y() + rect.bottom() + 1))
                shots.append(str(path))
                menu.hide()
                for name, key in (("25-register-dialog", "register"), ("26-create-team", "create_team"),
                                  ("27-recovery", "recovery")):
                    dialog = window.dayone.run(key)
                    _spin(ctx, 500)
                    path = out / f"{name}-{lang}.png"
                    _over_window(window, dialog, path)
                    shots.append(str(path))
                    dialog.reject()
                    _spin(ctx, 100)
                window.close()
            finally:
                ctx.close()
                store.close()
    for path in shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
