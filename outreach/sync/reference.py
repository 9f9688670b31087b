"""The team's reference data in an invite: areas, the service directory, the assessment templates in
use and the team profile, as the lead's own change-log records (the bundle wire format), so that a
laptop that has just joined shows the team's villages, providers and letterhead at once, and the
first downlink later merges with them as with any other change (same stamps, nothing twice).

    section = pack_reference(conn)               # on the lead, inside make_invite
    changes = unpack_reference(section)          # on the joining laptop, after the signature check
    apply_changes(writer, changes, source=…)     # the ordinary merge

The section is zlib-compressed JSON lines in base64. The invite must stay a small file
(``team.MAX_SMALL_FILE``): when everything does not fit, whole groups are left out, templates first,
then providers, then areas (``complete`` is false) — the first downlink brings them anyway.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from typing import Any

from sqlalchemy import Connection

from outreach.sync.changes import REFERENCE_ENTITIES, collect_changes, from_wire, to_wire

SECTION_FORMAT = "outreach-reference"
MAX_UNPACKED = 8 * 2**20          # a compressed section never inflates beyond this
MAX_CHANGES = 50_000
# Left out in this order when the invite would be too big (the profile always goes).
DROP_ORDER = ("assessmenttemplate", "provider", "area")


def _pack(changes: list[dict[str, Any]]) -> dict[str, Any]:
    lines = b"".join(json.dumps(to_wire(c), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
                     + b"\n" for c in changes)
    return {"format": SECTION_FORMAT, "encoding": "zlib+jsonl", "count": len(changes),
            "sha256": hashlib.sha256(lines).hexdigest(),
            "entities": sorted({c["entity"] for c in changes}),
            "data": base64.b64encode(zlib.compress(lines, 9)).decode("ascii")}


def pack_reference(conn: Connection, *, budget: int) -> dict[str, Any]:
    """The reference section of an invite, at most about ``budget`` bytes once written."""
    changes = [c for c in collect_changes(conn, None, villages=set()) if c["entity"] in REFERENCE_ENTITIES]
    section = _pack(changes)
    dropped: list[str] = []
    for entity in DROP_ORDER:
        if len(json.dumps(section)) <= budget:
            break
        dropped.append(entity)
        changes = [c for c in changes if c["entity"] != entity]
        section = _pack(changes)
    section["complete"] = not dropped
    section["left_out"] = dropped
    return section


def unpack_reference(section: Any) -> list[dict[str, Any]]:
    """The changes of a reference section (already covered by the invite's signature), each checked
    as a bundle reader checks it. Raises ValueError on anything malformed."""
    from outreach.sync.bundle import check_change

    if not isinstance(section, dict) or section.get("format") != SECTION_FORMAT \
            or section.get("encoding") != "zlib+jsonl" or not isinstance(section.get("data"), str):
        raise ValueError("not a reference section")
    inflater = zlib.decompressobj()
    lines = inflater.decompress(base64.b64decode(section["data"], validate=True), MAX_UNPACKED)
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("reference section too large or truncated")
    if hashlib.sha256(lines).hexdigest() != section.get("sha256"):
        raise ValueError("reference section hash differs")
    out = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        problem = check_change(record)
        if problem:
            raise ValueError(problem)
        if record["entity"] not in REFERENCE_ENTITIES:
            raise ValueError(f"{record['entity']} is not reference data")
        out.append(from_wire(record))
        if len(out) > MAX_CHANGES:
            raise ValueError("too many changes")
    if len(out) != section.get("count"):
        raise ValueError("change count differs")
    return out
