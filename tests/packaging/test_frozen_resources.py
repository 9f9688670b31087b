"""A frozen build finds its font, catalogs and templates inside the bundle, not next to the source."""

from __future__ import annotations

import sys
from pathlib import Path

from outreach import resources

REPO = Path(__file__).resolve().parents[2]


def test_source_checkout_uses_the_repository_resources():
    assert resources.resource_path("fonts", "wqy-microhei.ttc") == REPO / "resources" / "fonts" / "wqy-microhei.ttc"
    assert resources.resource_path("fonts", "wqy-microhei.ttc").is_file()


def test_pyinstaller_bundle_is_found_through_meipass(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert resources.resource_path("i18n") == tmp_path / "_internal" / "resources" / "i18n"


def test_other_freezers_keep_resources_next_to_the_executable(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "outreach.exe"))
    assert resources.resource_path("assessments") == tmp_path.resolve() / "resources" / "assessments"

