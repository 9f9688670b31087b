"""An export's changes as the bundle writer takes them (issue 14): ``changes.iter_changes(wire=True)``.

The writer needs the payload's lines in (hlc, device, seq) order, their SHA-256 and counts before it
can sign the manifest that comes first, so the lines are made while the log is read and held until
the file is written; what is kept per change should be little more than its line.

- ``WireRows``: log rows as ``changes._collect_rows`` read them (since-ack and village-scoped
  exports, which gather rows from several queries), encoded batch by batch by
  ``bundle_codec.encode_rows`` — no dict per change.
- ``EncodedRows``: a full export (no vector, no villages: a new laptop's first uplink, ``--full``,
  the benchmark). The log is read once in log order in batches; each change's base is worked out on
  the way (exactly as ``changes._bases_of_whole_rows`` does from the whole history: an own edit's
  base is the newest stamp of the field or of the row's creation logged before it; a received
  edit's is in ``change_base``), each batch is encoded into lines at once and its log rows let go,
  and the lines are ordered at the end. So a full export holds its lines plus one stamp per row,
  never all the log rows.

Either way every query runs before ``iter_changes`` returns (the changes are those of this moment of
the transaction), and the rows or lines are let go as the writer takes them. Iterated, both give
the wire dicts of ``changes.to_wire`` (the same changes ``collect_changes(wire=True)`` gives).
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, select

from outreach.sync import changes as C

READ_BATCH = 2048   # log rows encoded at a time
CHUNK_BYTES = 1 << 16


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a bundle's changes are read, written or parsed: they are
    tuples, dicts and strings with no cycles, and a hundred thousand of them would otherwise be
    scanned again at every collection."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class WireRows:
    """Log rows ``(seq, entity, row_id, field, value, hlc, device, worker)`` in output order and the
    bases of their edits, read once."""

    def __init__(self, rows: list[tuple], bases: dict[int, C.Stamp | None]) -> None:
        self._rows, self._bases = rows, bases

    def __iter__(self) -> Iterator[dict[str, Any]]:
        rows, self._rows = self._rows, []
        return C._emit(rows, self._bases, True)

    def batches(self, size: int) -> Iterator[list[tuple]]:
        """The changes as tuples ``(entity, row_id, field, hlc, device_id, worker, value, base)``,
        ``base`` being ``(hlc, device)`` or None, ``size`` at a time; each batch's rows let go."""
        rows, self._rows = self._rows, []
        rows.reverse()
        get = self._bases.get
        while rows:
            batch = rows[-size:]
            del rows[-size:]
            batch.reverse()
            yield [(entity, row_id, fld, hlc, device, worker, value, get(seq) if fld != "*" else None)
                   for seq, entity, row_id, fld, value, hlc, device, worker in batch]

    def chunks(self, size: int) -> Iterator[tuple[bytes, int, Counter[str]]]:
        """(JSON Lines, number of changes, changes per entity) of each batch of ``size``."""
        from outreach.sync.bundle_codec import encode_rows

        for rows in self.batches(size):
            yield encode_rows(rows), len(rows), Counter(map(itemgetter(0), rows))


class EncodedRows:
    """A full export's lines, each with its order key: ``(hlc, device, seq, entity, line)``."""

    def __init__(self, lines: list[tuple[int, str, int, str, bytes]]) -> None:
        self._lines = lines

    def __iter__(self) -> Iterator[dict[str, Any]]:
        import msgspec

        lines, self._lines = self._lines, []
        for *_key, line in lines:
            change = msgspec.json.decode(line)
            yield {k: change[k] for k in ("entity", "row_id", "field", "hlc", "device_id", "worker", "value")} \
                | ({"base": change["base"]} if "base" in change else {})

    def chunks(self, size: int) -> Iterator[tuple[bytes, int, Counter[str]]]:
        """Chunks of at most ``size`` lines and about ``CHUNK_BYTES``: small enough to be made from
        the memory the lines they replace are let go into (a large one would be mapped anew, and
        the export would hold every line twice at its end)."""
        lines, self._lines = self._lines, []
        lines.reverse()
        while lines:
            batch, total = [], 0
            while lines and total < CHUNK_BYTES and len(batch) < size:
                batch.append(lines.pop())
                total += len(batch[-1][4])
            yield b"\n".join(map(itemgetter(4), batch)) + b"\n", len(batch), Counter(map(itemgetter(3), batch))


def read_full(conn: Connection) -> EncodedRows:
    """Every change of the log (the full export), encoded as it is read; see the module doc."""
    from outreach.sync.bundle_codec import encode_rows

    c = C.CHANGE_LOG.c
    cols = (c.seq, c.entity, c.row_id, c.field, c.value, c.hlc, c.device_id, c.worker)
    skip = "teamprofile" if C._is_member(conn) else None   # the lead's alone (see _collect_rows)
    me = C.own_device_id(conn)
    known: dict[tuple, C.Stamp] | None = None   # received edits' bases, read at the first one
    latest: dict[tuple, C.Stamp] = {}            # (entity, row, field) -> newest stamp so far
    star: dict[tuple, C.Stamp] = {}              # (entity, row) -> newest creation stamp so far
    nothing = C.NOTHING
    out: list[tuple[int, str, int, str, bytes]] = []
    interned: dict[str, str] = {}                 # one string per device and per entity, not per row
    # streamed (a server-side cursor on PostgreSQL; SQLite steps through the table anyway)
    result = conn.execute(select(*cols).where(c.hlc > -1).order_by(c.seq)
                          .execution_options(stream_results=True, max_row_buffer=READ_BATCH))
    while batch := result.fetchmany(READ_BATCH):
        wire = []
        keys = []
        for seq, entity, row_id, fld, value, hlc, device, worker in batch:
            if entity == skip:
                continue
            entity = interned.setdefault(entity, entity)
            device = interned.setdefault(device, device)
            stamp = (hlc, device)
            if fld == "*":
                key = (entity, row_id)
                if stamp > star.get(key, nothing):
                    star[key] = stamp
                base = None
            else:
                fkey = (entity, row_id, fld)
                before = latest.get(fkey, nothing)
                if device == me:
                    base = max(before, star.get((entity, row_id), nothing))
                else:
                    if known is None:
                        known = C._all_stored_bases(conn)
                    base = known.get((entity, row_id, fld, hlc, device))
                if stamp > before:
                    latest[fkey] = stamp
            wire.append((entity, row_id, fld, hlc, device, worker, value, base))
            keys.append((hlc, device, seq, entity))
        del batch
        if wire:
            lines = encode_rows(wire).split(b"\n")
            lines.pop()
            out.extend(key + (line,) for key, line in zip(keys, lines, strict=True))
    out.sort(key=_ORDER)
    return EncodedRows(out)


_ORDER = itemgetter(0, 1, 2)


__all__ = ["EncodedRows", "WireRows", "collector_paused", "read_full"]
