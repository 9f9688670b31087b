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
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate
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
    """A full export's lines in output order, each with what sorted it: rows whose last two items
    are the change's entity and its line (``(hlc, device, seq, entity, line)`` as ``read_full``
    makes them in Python; ``(hlc, device, entity, line)`` as SQLite makes them, ``_sql_lines``)."""

    def __init__(self, lines: list[tuple]) -> None:
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
        sizes = []   # lines per chunk: up to the first line that reaches CHUNK_BYTES, at most ``size``
        ends = list(accumulate(map(len, map(_LINE, lines))))
        start = done = 0
        while start < len(lines):
            stop = min(bisect_left(ends, done + CHUNK_BYTES, start) + 1, start + size, len(lines))
            sizes.append(stop - start)
            start, done = stop, ends[stop - 1]
        del ends
        lines.reverse()   # taken from the end, so each chunk's lines are let go as it is made
        for n in sizes:
            batch = lines[-n:]
            del lines[-n:]
            batch.reverse()
            yield b"\n".join(map(_LINE, batch)) + b"\n", n, Counter(map(_ENTITY, batch))


_LINE, _ENTITY = itemgetter(-1), itemgetter(-2)


def read_full(conn: Connection) -> EncodedRows:
    """Every change of the log (the full export), encoded as it is read; see the module doc."""
    from outreach.sync.bundle_codec import encode_rows

    c = C.CHANGE_LOG.c
    cols = (c.seq, c.entity, c.row_id, c.field, c.value, c.hlc, c.device_id, c.worker)
    skip = "teamprofile" if C._is_member(conn) else None   # the lead's alone (see _collect_rows)
    me = C.own_device_id(conn)
    lines = _sql_lines(conn, skip, me)
    if lines is not None:
        return EncodedRows(lines)
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


# --------------------------------------------------------------------------- the lines made by SQLite
# A full export's lines made, ordered and based inside SQLite (json_object: C, no Python object per
# column): the same bytes as ``bundle_codec.encode_rows`` — canonical keys in sorted order, no
# spaces, UTF-8, the same string escapes (checked once per process: ``_sqlite_writes_our_json``) —
# and the same bases as ``read_full``'s loop (an own edit's base: the newest (hlc, device) of the
# row's creation or of the field logged before it, ``[0,""]`` if none; a received edit's: its row
# in ``change_base``, else no base). A row whose columns are not the types the wire form wants comes
# out NULL and the Python path (which refuses what it always refused) runs instead.
_LOG, _BASES = C.CHANGE_LOG.name, C.CHANGE_BASE.name
_JSON = ("json_object('device_id', e.device_id, 'entity', e.entity, 'field', e.field, 'hlc', e.hlc,"
         " 'row_id', e.row_id, 'value', e.value, 'worker', e.worker)")
_OWN_BASE = (f"(SELECT '[' || r.hlc || ',' || json_quote(r.device_id) || ']' FROM {_LOG} r"
             " WHERE r.entity = e.entity AND r.row_id = e.row_id AND r.field IN (e.field, '*')"
             " AND r.seq < e.seq AND r.hlc > -1 ORDER BY r.hlc DESC, r.device_id DESC LIMIT 1)")
_RECEIVED_BASE = (f"(SELECT '[' || b.base_hlc || ',' || json_quote(b.base_device) || ']' FROM {_BASES} b"
                  " WHERE b.entity = e.entity AND b.row_id = e.row_id AND b.field = e.field"
                  " AND b.hlc = e.hlc AND b.device_id = e.device_id)")
_TYPES_OK = ("typeof(e.hlc) = 'integer' AND typeof(e.entity) = 'text' AND typeof(e.row_id) = 'text'"
             " AND typeof(e.field) = 'text' AND typeof(e.device_id) = 'text' AND typeof(e.worker) = 'text'"
             " AND typeof(e.value) = 'text'")
_QUERY = (f"SELECT e.hlc, e.device_id, e.entity, CAST(CASE WHEN {_TYPES_OK} THEN CASE WHEN e.field = '*' THEN {_JSON}"
          f" ELSE coalesce('{{\"base\":' || CASE WHEN e.device_id = :me THEN coalesce({_OWN_BASE}, '[0,\"\"]')"
          f" ELSE {_RECEIVED_BASE} END || ',' || substr({_JSON}, 2), {_JSON}) END END AS BLOB)"
          f" FROM {_LOG} e WHERE e.hlc > -1 AND e.entity IS NOT :skip ORDER BY e.seq")
_ODD_BASES = (f"SELECT 1 FROM {_BASES} WHERE typeof(base_hlc) != 'integer' OR typeof(base_device) != 'text'"
              " LIMIT 1")
_PROBE = ["", "\x00\x01\x08\t\n\x0b\x0c\r\x1f \"\\/\x7f", "".join(map(chr, range(128))),
          "独居老人，儿子在东莞务工😀\u2028\u2029\ufeff\U0010ffff", '{"name":"王秀英","id":"a\\"b"}']
_WRITES_OUR_JSON: dict[tuple[str, str], bool] = {}   # (DB-API module, SQLite version) -> probe passed


def _sqlite_writes_our_json(cursor: Any) -> bool:
    """Whether this SQLite's json_object writes the probe strings byte for byte as msgspec does
    (asked once per SQLite library: a process may hold SQLCipher's and the standard one)."""
    try:
        which = (type(cursor).__module__, cursor.execute("SELECT sqlite_version()").fetchone()[0])
    except Exception:   # noqa: BLE001  (not a SQLite we can ask: the Python path)
        return False
    if which not in _WRITES_OUR_JSON:
        from outreach.sync.bundle_codec import encode_rows

        rows = [(t, t, t, 2**63 - 1 - i, t, t, t, None) for i, t in enumerate(_PROBE)]
        try:
            got = [cursor.execute(f"SELECT CAST({_JSON} AS BLOB) FROM (SELECT ? AS device_id, ? AS entity,"
                                  " ? AS field, ? AS hlc, ? AS row_id, ? AS value, ? AS worker) e",
                                  (d, e, f, h, r, v, w)).fetchone()[0] for e, r, f, h, d, w, v, _b in rows]
        except Exception:   # noqa: BLE001  (no JSON functions in this SQLite: the Python path)
            got = []
        _WRITES_OUR_JSON[which] = b"".join(line + b"\n" for line in got) == encode_rows(rows)
    return _WRITES_OUR_JSON[which]


def _sql_lines(conn: Connection, skip: str | None, me: str) -> list[tuple[int, str, str, bytes]] | None:
    """``(hlc, device, entity, line)`` of every change a full export sends, in output order;
    ``None`` when this is not SQLite, its JSON is not ours, or a row is odd (the Python path decides).
    Read in log order and sorted here by (hlc, device), stably, so seq breaks ties: the log is
    nearly in that order already, which Python's sort takes in one pass (SQLite's sorter would copy
    every line through its merge)."""
    if conn.dialect.name != "sqlite":
        return None
    cursor = conn.connection.dbapi_connection.cursor()   # this transaction's; plain tuples, no Row objects
    try:
        if not _sqlite_writes_our_json(cursor) or cursor.execute(_ODD_BASES).fetchone():
            return None
        cursor.execute(_QUERY, {"me": me, "skip": skip})
        lines = cursor.fetchall()
    finally:
        cursor.close()
    if None in map(_LINE, lines):
        return None
    lines.sort(key=_STAMP)
    return lines


_STAMP = itemgetter(0, 1)


__all__ = ["EncodedRows", "WireRows", "collector_paused", "read_full"]
