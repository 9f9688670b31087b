"""Where the shipped resources (fonts, catalogs, assessment templates) live.

In a source checkout: the top-level ``resources/`` folder. In a frozen build (PyInstaller, see
packaging/outreach.spec): ``resources/`` inside the bundle's data folder, ``sys._MEIPASS``
(``/opt/outreach/_internal`` for the .deb, ``…\\Programs\\Outreach\\_internal`` on Windows). Other freezers
that set ``sys.frozen`` but no ``_MEIPASS`` keep it next to the executable.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The top-level ``resources/`` folder, in a source checkout or a frozen build."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "resources"
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
