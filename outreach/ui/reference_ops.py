"""The team's reference data as the window uses it — villages and groups, the service directory, the team
profile — and who may change it, as small ``fn(store, ...)`` jobs for the database thread.

The services behind these are the core's (issue 9: ``services.team_data``, ``services.team_profile``,
the new functions in ``services.areas`` and ``services.providers``); they are looked up when called, so
the window keeps working — read-only where a function is missing — while the core grows.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any

from outreach.domain.errors import OutreachError
from outreach.services import areas as areas_svc
from outreach.services import providers as providers_svc


def _service(module: str, name: str):
    """A service function, or an error the user can read if this version does not have it yet."""
    try:
        fn = getattr(importlib.import_module(f"outreach.services.{module}"), name, None)
    except ImportError:
        fn = None
    if fn is None:
        raise OutreachError("ui.dayone.not_available")
    return fn


def _call_with_progress(fn, *args, progress=None, **kwargs):
    """Pass ``progress`` on only to services that take it."""
    if progress is not None and "progress" in inspect.signature(fn).parameters:
        kwargs["progress"] = progress
    return fn(*args, **kwargs)


# --------------------------------------------------------------------------- who edits team data
@dataclass(frozen=True)
class Role:
    can_edit: bool        # the lead, or a laptop in no team (its own lead)
    maintainer: str       # who keeps the team's data ("" when this laptop does)
    in_team: bool


def load_role(store) -> Role:
    from outreach.sync.team import get_team

    with store.connect() as conn:
        team = get_team(conn)
    try:
        from outreach.services import team_data
    except ImportError:
        team_data = None
    if team_data is not None and hasattr(team_data, "can_edit_team_data"):
        can_edit = bool(team_data.can_edit_team_data(store))
        maintainer = "" if can_edit else str(team_data.team_data_maintainer(store))
    else:
        can_edit = team is None or team.is_lead
        maintainer = ""
    return Role(can_edit=can_edit, maintainer=maintainer, in_team=team is not None)


# --------------------------------------------------------------------------- areas
def load_areas(store, include_archived: bool = False) -> tuple[Role, list]:
    if include_archived:
        return load_role(store), areas_svc.all_areas(store, include_archived=True)
    return load_role(store), areas_svc.all_areas(store)


def add_area(store, *, code: str, name: str, level: str, parent_id: str | None) -> str:
    return areas_svc.add_area(store, code=code, name=name, level=level, parent_id=parent_id or None)


def rename_area(store, area_id: str, name: str):
    return _service("areas", "rename_area")(store, area_id, name)


def move_area(store, area_id: str, parent_id: str):
    return _service("areas", "move_area")(store, area_id, parent_id)


def archive_area(store, area_id: str, archived: bool = True):
    return _service("areas", "archive_area")(store, area_id, archived=archived)


def import_areas(store, path: str, *, progress=None) -> int:
    return _call_with_progress(areas_svc.import_areas_csv, store, path, progress=progress)


# --------------------------------------------------------------------------- the service directory
@dataclass(frozen=True)
class Directory:
    role: Role
    providers: list
    suggestions: list      # waiting for the lead (empty on a worker's laptop)


def load_directory(store, text: str = "", include_archived: bool = False) -> Directory:
    role = load_role(store)
    providers = providers_svc.list_providers(store, text=text, include_archived=include_archived)
    suggestions: list = []
    if role.can_edit and hasattr(providers_svc, "list_provider_suggestions"):
        suggestions = list(providers_svc.list_provider_suggestions(store))
    return Directory(role, providers, suggestions)


def save_provider(store, provider_id: str | None, values: dict[str, Any]):
    if provider_id:
        return providers_svc.update_provider(store, provider_id, **values)
    return providers_svc.create_provider(store, **values)


def suggest_provider(store, values: dict[str, Any]):
    return _service("providers", "suggest_provider")(store, **values)


def archive_provider(store, provider_id: str, archived: bool = True):
    fn = getattr(providers_svc, "archive_provider", None)
    if fn is not None:
        return fn(store, provider_id, archived=archived)
    return providers_svc.update_provider(store, provider_id, archived=archived)


def accept_suggestion(store, suggestion_id: str):
    return _service("providers", "accept_provider_suggestion")(store, suggestion_id)


def dismiss_suggestion(store, suggestion_id: str):
    return _service("providers", "dismiss_provider_suggestion")(store, suggestion_id)


def import_providers(store, path: str):
    from outreach.services.directory_csv import import_providers_csv

    return import_providers_csv(store, path)


def export_providers(store, path: str, lang: str | None = None) -> int:
    from outreach.services.directory_csv import export_providers_csv

    return export_providers_csv(store, path, lang=lang)


# --------------------------------------------------------------------------- the team profile
def load_profile(store):
    from outreach.services.team_profile import get_team_profile

    return load_role(store), get_team_profile(store)


def save_profile(store, changes: dict[str, Any]):
    return _service("team_profile", "update_team_profile")(store, **changes)
