"""Language and fonts for the GUI: one catalog (``outreach.i18n.tr``) for every visible string, Qt's own
translations for its dialogs, and the shipped CJK font so Chinese renders on any machine.

Qt's own dialogs: Qt ships ``qtbase_zh_CN.qm`` (in PySide6's ``Qt/translations``), but it was made for
older sources: Qt 6 asks for "&Look in:" and "Files of &type:" where the catalog has "Look in:" and
"Files of type:", so the file dialog stayed half English. ``AcceleratorFallback`` answers such strings
from the same catalog with the shortcut letter put back ("查找范围(&L)："). Native dialogs follow the
operating system's language, not ours, so the app uses Qt's own (``Qt.AA_DontUseNativeDialogs``,
set in ``app.create_application``).

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


class AcceleratorFallback(QTranslator):
    """Translates a Qt string that has a shortcut marker ("&Look in:") which the shipped catalog only
    knows without it ("Look in:"), putting the shortcut back in Chinese style: "查找范围(&L)："."""

    def __init__(self, base: QTranslator, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._base = base

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: ANN001 - Qt override
        """The translation, or None (a null string: Qt then asks the next translator; an empty
        string would count as a translation and blank the text)."""
        if not source or "&" not in source or "&&" in source:
            return None
        at = source.index("&")
        if at + 1 >= len(source):
            return None
        plain = source[:at] + source[at + 1:]
        text = self._base.translate(context, plain, disambiguation, n)
        if not text or "&" in text:
            return None
        tail = text[-1] if text[-1] in ":：" else ""
        core = text[:-1] if tail else text
        return f"{core}(&{source[at + 1].upper()}){tail}"

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


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
                fallback = AcceleratorFallback(translator, self)  # installed last: asked first
                self._app.installTranslator(fallback)
                self._translators.append(fallback)
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
