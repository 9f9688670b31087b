"""Small compositions of service calls the GUI runs on the database thread, each ``fn(store, ...)``.
Anything bigger belongs in ``outreach.services``."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.services import areas as areas_svc
from outreach.services import households as households_svc


@dataclass(frozen=True)
class WorkerSettings:
    worker_name: str
    device_name: str
    language: str
    villages: tuple[str, ...]
    worker_phone: str = ""   # the worker's own phone (a local setting, never team data)


def load_worker_settings(store) -> WorkerSettings:
    villages = tuple(v for v in store.get_setting("villages").split(",") if v)
    return WorkerSettings(store.get_setting("worker_name"), store.get_setting("device_name"),
                          store.get_setting("language"), villages, store.get_setting("worker_phone"))


def save_worker_settings(store, settings: WorkerSettings) -> WorkerSettings:
    store.set_setting("worker_name", settings.worker_name.strip())
    store.set_setting("device_name", settings.device_name.strip())
    store.set_setting("language", settings.language)
    store.set_setting("villages", ",".join(settings.villages))
    store.set_setting("worker_phone", settings.worker_phone.strip())
    return settings


def load_setup(store) -> tuple[WorkerSettings, list]:
    """What the first-run / settings dialog shows: current settings and the area tree."""
    return load_worker_settings(store), areas_svc.all_areas(store)


def count_households(store) -> int:
    return households_svc.count_households(store, households_svc.HouseholdQuery())


def build_demo(store, *, progress=None, households: int = 300, seed: int = 1):
    from outreach.services import demo

    demo.build_demo(store, households=households, seed=seed, progress=progress)
    return load_worker_settings(store)


@dataclass(frozen=True)
class HouseholdBundle:
    """Everything the household page shows, read in one trip to the database thread."""

    detail: object          # services.households.HouseholdDetail
    visits: list
    assessments: list
    referrals: list
    history: list
    device_id: str


def load_household_bundle(store, household_id: str) -> HouseholdBundle:
    from outreach.services import assessments, history, referrals, visits

    return HouseholdBundle(
        detail=households_svc.get_household(store, household_id),
        visits=visits.list_visits(store, household_id),
        assessments=assessments.list_assessments(store, household_id),
        referrals=referrals.list_referrals(store, household_id=household_id),
        history=history.household_history(store, household_id, limit=300),
        device_id=store.device.id,
    )
