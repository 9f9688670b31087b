"""The CJK font every PDF embeds: WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``).

reportlab subsets and embeds TrueType fonts, so letters print the same on a machine with no Chinese
font. The collection's first face (index 0) has TrueType outlines that reportlab can embed. The font
has no bold face; headings use size, not weight, and the bold slot maps to the same face.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from outreach.resources import resource_path

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = ("fonts", "wqy-microhei.ttc")


@cache
def register_fonts() -> str:
    """Register the font with reportlab once per process and return its name."""
    path = resource_path(*FONT_FILE)
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME
