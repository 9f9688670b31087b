"""Helpers shared by the transport tests (keys, bundle, team, transport, e2e): synthetic change records
in the change-log contract's shape, without needing the merge engine."""

from __future__ import annotations

import json
import uuid
from typing import Any

HLC0 = 1_700_000_000_000 << 16


def change(entity: str, row_id: str, field: str, value: Any, hlc: int, device_id: str,
           worker: str = "李娜") -> dict[str, Any]:
    return {"entity": entity, "row_id": row_id, "field": field,
            "value": json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
            "hlc": hlc, "device_id": device_id, "worker": worker}


def household_changes(n: int, device_id: str, *, start: int = HLC0, village: str = "530102001001") -> list[dict]:
    """n household creations, every third followed by a phone change: 'n + n//3' changes."""
    out = []
    hlc = start
    for i in range(n):
        hid = uuid.uuid4().hex
        hlc += 1
        row = {"id": hid, "code": f"东坪-{i:04d}", "village_id": village, "address": "东坪村一组",
               "phone": "", "notes": "独居老人，儿子在东莞务工。" * 3, "archived": False,
               "created_at": "2026-11-23T02:00:00.000+00:00", "created_by": "李娜", "hlc": hlc}
        out.append(change("household", hid, "*", row, hlc, device_id))
        if i % 3 == 0:
            hlc += 1
            out.append(change("household", hid, "phone", f"1380000{i:04d}", hlc, device_id))
    return out
