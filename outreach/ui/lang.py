"""Language and fonts for the GUI: one catalog (``outreach.i18n.tr``) for every visible string, Qt's own
translations for its dialogs, and the shipped CJK font so Chinese renders on any machine.

Switching language at run time: ``LanguageSwitcher.apply(lang)`` sets the catalog language, swaps
Qt's translator and emits ``sig_changed``; each screen implements ``retranslate()`` and the main
window calls it on every screen.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTranslator, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from outreach.i18n import current_language, normalize_language, set_language
from outreach.resources import resource_path

log = logging.getLogger(__name__)

FONT_FILE = ("fonts", "wqy-microhei.ttc")
FALLBACK_FAMILY = "WenQuanYi Micro Hei"


def register_fonts(app: QApplication) -> list[str]:
    """Register the shipped CJK font and put it behind the default family as a fallback for Han text.

    Returns the families registered (empty if the font file is missing, which is logged)."""
    path = resource_path(*FONT_FILE)
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        log.warning("could not register font %s", path)
        return []
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        return []
    primary = families[0]
    # Han script falls back to our font when the system font has no Chinese glyphs (Qt ≥ 6.9).
    if hasattr(QFontDatabase, "addApplicationFallbackFontFamily"):
        from PySide6.QtCore import QChar

        QFontDatabase.addApplicationFallbackFontFamily(QChar.Script.Script_Han, primary)
    font = QFont(app.font())
    current = [f for f in font.families() if f != primary] or [font.family()]
    # On a machine whose default font lacks Chinese, the first family must still resolve to something
    # readable; putting ours second keeps Latin text in the system's face and Chinese in ours.
    font.setFamilies([*current, primary])
    app.setFont(font)
    return list(families)


class LanguageSwitcher(QObject):
    """Owns Qt's translators and announces language changes."""

    sig_changed = Signal(str)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._translators: list[QTranslator] = []

    def apply(self, lang: str) -> str:
        norm = normalize_language(lang) or current_language()
        set_language(norm)
        self._install_qt_translations(norm)
        QLocale.setDefault(QLocale("zh_CN")
                           if norm == "zh_CN" else QLocale("en_US"))
        self.sig_changed.emit(norm)
        return norm

    def _install_qt_translations(self, lang: str) -> None:
        self.uninstall()
        if lang != "zh_CN":
            return
        directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name in ("qtbase_zh_CN", "qt_zh_CN"):
            translator = QTranslator(self)
            if translator.load(name, directory):
                self._app.installTranslator(translator)
                self._translators.append(translator)
                break
        else:
            log.warning("Qt's Chinese translations not found in %s", directory)

    def uninstall(self) -> None:
        """Remove Qt's translators (when this context closes; the catalog language stays)."""
        for t in self._translators:
            self._app.removeTranslator(t)
        self._translators.clear()

    @property
    def qt_translation_installed(self) -> bool:
        return bool(self._translators)
