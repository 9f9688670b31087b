"""Screenshots of the main screens, in Chinese, at 1366×768 (the cheap laptop's screen), for the README.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--lang zh_CN]

Builds a small demo county in a temporary data folder, opens the real window and forms, and saves
PNGs: the household list, a household page, the Today panel, and the member, visit, assessment and
referral forms.
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
    args = parser.parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
