from __future__ import annotations

from datetime import date

import pytest

from outreach.reports.scope import Scope
from outreach.storage.store import Store

from .dataset import T, build

TODAY = date(2024, 6, 15)


@pytest.fixture
def team(store):
    """The hand-built team of dataset.py; returns its ids."""
    return build(store)


@pytest.fixture
def data_dir(tmp_path):
    """A data folder holding the team of dataset.py (worker 陈静), closed: for the CLI's commands."""
    path = tmp_path / "data"
    store = Store.open(path)
    store.set_setting("worker_name", "陈静")
    build(store)
    store.close()
    return path


@pytest.fixture
def may():
    """May 2024 for township 石门镇, looked at in mid-June."""
    return Scope.for_month("2024-05", area_id=T, today=TODAY)
