"""The people search index: substring search on name, phone and household code that stays fast at
county scale (660k people), kept current by triggers so that every write path — the Writer, the
merge's bulk Core inserts, the demo build, a raw UPDATE — updates it in the same transaction.

SQLite (this module is the only SQLite-specific part of search):

- ``person_search_key(rid INTEGER PRIMARY KEY, person_id UNIQUE)``: a stable integer handle per
  person (FTS5 rows are addressed by an integer rowid; ``person.rowid`` is not stable across VACUUM
  because person has a text primary key).
- ``person_search_fts``: FTS5 with the ``trigram`` tokenizer (SQLite ≥ 3.34) over name, phone and
  the household's code; rowid = rid. Answers any query of three characters or more.
- ``person_search_gram(gram, rid)``: the one- and two-character pieces of each name (a trigram index
  cannot answer "李" or "秀英"); WITHOUT ROWID, so a lookup is one index range.
- triggers on ``person`` (insert, delete, update of name / phone / household) and ``household``
  (insert, update of code).

PostgreSQL (issue 15): ``outreach.storage.search_index_pg`` makes the same tables under the same
names (``person_search_fts`` a plain table with pg_trgm GIN indexes, answering ``ILIKE '%x%'``),
filled by PL/pgSQL triggers; ``create``/``rebuild`` branch on the connection's dialect, and the one
condition that differs (MATCH / ILIKE) is compiled per dialect, so callers build one statement.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from outreach.storage import search_index_pg
from outreach.storage.tables import Person

PERSON = Person.__table__
KEY = sa.table("person_search_key", sa.column("rid"), sa.column("person_id"))
GRAM = sa.table("person_search_gram", sa.column("gram"), sa.column("rid"))
FTS = sa.table("person_search_fts", sa.column("rowid"), sa.column("name"), sa.column("phone"), sa.column("code"))

MIN_TRIGRAM = 3   # the trigram tokenizer finds nothing for shorter text
MAX_GRAM = 2      # gram rows hold pieces of 1 and 2 characters

_RID = "(SELECT rid FROM person_search_key WHERE person_id = {who}.id)"
_CODE = "(SELECT code FROM household WHERE id = {who}.household_id)"


def _grams(name: str) -> str:
    """SELECT of the distinct 1- and 2-character pieces of ``name`` (lower-case, no blanks): one row
    of ``person_search_seq`` per position, found by its primary key."""
    piece = f"lower(substr({name}, s.n, {{w}}))"
    return (f"SELECT {piece.format(w=1)} FROM person_search_seq s WHERE s.n <= length({name}) "
            f"AND trim(substr({name}, s.n, 1)) = substr({name}, s.n, 1) UNION "
            f"SELECT {piece.format(w=2)} FROM person_search_seq s WHERE s.n < length({name}) "
            f"AND trim(substr({name}, s.n, 2)) = substr({name}, s.n, 2)")


def _fill(who: str) -> str:
    """Statements (inside a trigger) that write the index rows of person ``who`` (NEW)."""
    rid = _RID.format(who=who)
    return f"""
    INSERT INTO person_search_fts(rowid, name, phone, code)
        VALUES ({rid}, {who}.name, {who}.phone, {_CODE.format(who=who)});
    INSERT OR IGNORE INTO person_search_gram(gram, rid) SELECT g.*, {rid} FROM ({_grams(f"{who}.name")}) AS g;"""


def _clear(who: str, old_name: str) -> str:
    """Statements that remove the index rows of person ``who`` whose indexed name was ``old_name``
    (gram rows are found by their primary key (gram, rid): one probe per piece, no scan)."""
    rid = _RID.format(who=who)
    return f"""
    DELETE FROM person_search_gram WHERE rid = {rid} AND gram IN ({_grams(old_name)});
    DELETE FROM person_search_fts WHERE rowid = {rid};"""


DDL = [
    "CREATE TABLE person_search_key (rid INTEGER PRIMARY KEY, person_id VARCHAR(32) NOT NULL UNIQUE)",
    "CREATE TABLE person_search_gram (gram VARCHAR(2) NOT NULL, rid INTEGER NOT NULL, "
    "PRIMARY KEY (gram, rid)) WITHOUT ROWID",
    # positions 1..64 (a name is at most 64 characters), to cut names into pieces inside a trigger
    "CREATE TABLE person_search_seq (n INTEGER PRIMARY KEY)",
    "INSERT INTO person_search_seq(n) " + " UNION ALL ".join(f"SELECT {i}" for i in range(1, 65)),
    "CREATE VIRTUAL TABLE person_search_fts USING fts5(name, phone, code, tokenize = 'trigram')",
    # An INSERT OR REPLACE of a person (no delete trigger fires without recursive_triggers) passes its
    # REPLACE on to these statements: the FTS row is replaced whole; gram rows of the old name may stay,
    # so searches re-check the name of what the gram table finds.
    f"""CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT OR IGNORE INTO person_search_key(person_id) VALUES (NEW.id);{_fill("NEW")}
END""",
    f"""CREATE TRIGGER person_search_au AFTER UPDATE OF name, phone, household_id ON person
WHEN OLD.name IS NOT NEW.name OR OLD.phone IS NOT NEW.phone OR OLD.household_id IS NOT NEW.household_id
BEGIN{_clear("NEW", "OLD.name")}{_fill("NEW")}
END""",
    f"""CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN{_clear("OLD", "OLD.name")}
    DELETE FROM person_search_key WHERE person_id = OLD.id;
END""",
    """CREATE TRIGGER household_search_au AFTER UPDATE OF code ON household WHEN OLD.code IS NOT NEW.code BEGIN
    UPDATE person_search_fts SET code = NEW.code WHERE rowid IN (
        SELECT k.rid FROM person_search_key k JOIN person p ON p.id = k.person_id WHERE p.household_id = NEW.id);
END""",
    # a household that arrives after its members (a merge's order): give them its code
    """CREATE TRIGGER household_search_ai AFTER INSERT ON household BEGIN
    UPDATE person_search_fts SET code = NEW.code WHERE rowid IN (
        SELECT k.rid FROM person_search_key k JOIN person p ON p.id = k.person_id WHERE p.household_id = NEW.id);
END""",
]


# the 1- and 2-character pieces of {name} (one row each) from the rows of {source}, set-based
# (the bound on s.n is written as a range of its key: 2.2 ms instead of 5.3 ms per 400 people, each of
# whom made all 64 × 2 positions tested otherwise)
_GRAMS_OF = ("SELECT lower(substr({name}, s.n, w.w)), {rid} FROM {source}, person_search_seq s, "
             "(SELECT 1 AS w UNION ALL SELECT 2) AS w WHERE s.n <= length({name}) - w.w + 1 "
             "AND trim(substr({name}, s.n, w.w)) = substr({name}, s.n, w.w)")


def _index(conn: Connection, where: str, params: tuple = ()) -> None:
    """FTS and gram rows for the people (with their key) that ``where`` selects (on k and p)."""
    source = "person_search_key k JOIN person p ON p.id = k.person_id"
    conn.exec_driver_sql(
        "INSERT INTO person_search_fts(rowid, name, phone, code) SELECT k.rid, p.name, p.phone, "
        f"(SELECT code FROM household WHERE id = p.household_id) FROM {source} WHERE {where}", params)
    conn.exec_driver_sql("INSERT OR IGNORE INTO person_search_gram(gram, rid) "
                         + _GRAMS_OF.format(name="p.name", rid="k.rid", source=source) + f" AND {where}", params)


def create(conn: Connection) -> None:
    """Create the index and fill it for the people already stored (a new database: none)."""
    if conn.dialect.name == "postgresql":
        search_index_pg.create(conn)
        return
    for statement in DDL:
        conn.exec_driver_sql(statement)
    rebuild(conn)


def rebuild(conn: Connection) -> None:
    """Fill the index from the person table (what the triggers would have written)."""
    if conn.dialect.name == "postgresql":
        search_index_pg.rebuild(conn)
        return
    conn.exec_driver_sql("DELETE FROM person_search_fts")
    conn.exec_driver_sql("DELETE FROM person_search_gram")
    conn.exec_driver_sql("DELETE FROM person_search_key")
    conn.exec_driver_sql("INSERT INTO person_search_key(person_id) SELECT id FROM person ORDER BY rowid")
    _index(conn, "1")


def _trigger(conn: Connection, name: str) -> str | None:
    """The stored SQL of SQLite trigger ``name`` (None elsewhere: PostgreSQL's triggers just run)."""
    if conn.dialect.name != "sqlite":
        return None
    return conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                (name,)).scalar()


def _without(conn: Connection, trigger: str, sql: str, write: Callable[[], object]) -> None:
    """Run ``write`` with SQLite trigger ``trigger`` (stored SQL ``sql``) dropped, re-created from
    its own SQL right after, inside the caller's transaction (a rollback restores it)."""
    conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    try:
        write()
    finally:
        conn.exec_driver_sql(sql)


def insert_people(conn: Connection, insert: Callable[[], None], person_ids: list[str]) -> None:
    """Run ``insert`` — which inserts exactly the people ``person_ids`` — and index them set-based
    instead of row by row (the merge's bulk path, issue 14): on SQLite the insert trigger is dropped
    and re-created from its own stored SQL inside the caller's transaction (a rollback restores it),
    then the key, FTS and name-piece rows are written as the trigger would have (same statements as
    ``rebuild``). Elsewhere (PostgreSQL's PL/pgSQL trigger) ``insert`` just runs."""
    trigger = _trigger(conn, "person_search_ai")
    if trigger is None or not person_ids:
        insert()
        return
    _without(conn, "person_search_ai", trigger, insert)
    conn.exec_driver_sql("INSERT OR IGNORE INTO person_search_key(person_id) VALUES (?)", [(i,) for i in person_ids])
    for start in range(0, len(person_ids), 400):
        batch = tuple(person_ids[start:start + 400])
        _index(conn, f"p.id IN ({','.join('?' * len(batch))})", batch)


def insert_households(conn: Connection, insert: Callable[[], None], household_ids: list[str]) -> None:
    """Run ``insert`` — which inserts exactly the households ``household_ids`` — without the
    per-row trigger that gives a new household's code to its members already indexed (the merge's
    bulk path, issue 14). That trigger runs an UPDATE of the FTS5 table for every household even when
    it has no member (FTS5 syncs its pending rows at each writing statement): measured in a merge of
    7,500 households, 1.9 s CPU with it, 0.16 s without. The members are looked up once for the whole
    set instead (in a merge, parents come before their children: usually none) and only theirs are
    rewritten, as the trigger would. Elsewhere (PostgreSQL) ``insert`` just runs."""
    trigger = _trigger(conn, "household_search_ai")
    if trigger is None or not household_ids:
        insert()
        return
    _without(conn, "household_search_ai", trigger, insert)
    members: list[tuple[str, int]] = []
    for start in range(0, len(household_ids), 400):
        batch = tuple(household_ids[start:start + 400])
        members += map(tuple, conn.exec_driver_sql(
            "SELECT h.code, k.rid FROM household h JOIN person p ON p.household_id = h.id "
            f"JOIN person_search_key k ON k.person_id = p.id WHERE h.id IN ({','.join('?' * len(batch))})",
            batch).fetchall())
    if members:
        conn.exec_driver_sql("UPDATE person_search_fts SET code = ? WHERE rowid = ?", members)


def update_people(conn: Connection, update: Callable[[], object], person_ids: list[str]) -> None:
    """Run ``update`` — which changes no name, and the phone or household of exactly the people
    ``person_ids`` — and refresh their FTS rows set-based instead of row by row (the merge's bulk
    path, issue 14). Name pieces depend on the name only, so they stay as they are (the update
    trigger would delete and re-insert the same ones). On SQLite the update trigger is dropped and
    re-created from its stored SQL inside the caller's transaction; elsewhere ``update`` just runs."""
    trigger = _trigger(conn, "person_search_au")
    if trigger is None or not person_ids:
        update()
        return
    _without(conn, "person_search_au", trigger, update)
    for start in range(0, len(person_ids), 400):
        batch = tuple(person_ids[start:start + 400])
        marks = ",".join("?" * len(batch))
        conn.exec_driver_sql("DELETE FROM person_search_fts WHERE rowid IN (SELECT rid FROM person_search_key "
                             f"WHERE person_id IN ({marks}))", batch)
        conn.exec_driver_sql(
            "INSERT INTO person_search_fts(rowid, name, phone, code) SELECT k.rid, p.name, p.phone, "
            "(SELECT code FROM household WHERE id = p.household_id) FROM person_search_key k "
            f"JOIN person p ON p.id = k.person_id WHERE p.id IN ({marks})", batch)


def _phrase(text: str) -> str:
    """An FTS5 string: the text as one phrase (a substring, with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def match_params(text: str, columns: tuple[str, ...]) -> dict[str, str] | None:
    """The values for ``prepared_match(kind)`` (``kind`` from ``match_kind``), or None (see ``matches``)."""
    if len(text) >= MIN_TRIGRAM:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return {"fts_query": "{" + " ".join(columns) + "} : " + _phrase(text), "like_pattern": pattern}
    if columns == ("name",) and len(text) <= MAX_GRAM:
        return {"gram": text}
    return None


def match_kind(text: str, columns: tuple[str, ...]) -> str | None:
    if len(text) >= MIN_TRIGRAM:
        return "trigram"
    return "gram" if columns == ("name",) and len(text) <= MAX_GRAM else None


def prepared_match(kind: str, columns: tuple[str, ...], values: dict[str, str] | None = None,
                   ) -> tuple[sa.FromClause, sa.ColumnElement]:
    """(index rows joined to ``person``, condition) for a ``match_kind``. Without ``values`` its bound
    parameters are named as ``match_params`` returns them, so the statement is built once and reused
    (search-as-you-type, issue 14: building the expression cost more than SQLite answering it); with
    ``values`` they are bound, under unique names (see ``matches``)."""

    def param(name: str) -> sa.BindParameter:
        if values is None:
            return sa.bindparam(name, type_=sa.String())
        return sa.bindparam(name, values[name], type_=sa.String(), unique=True)

    if kind == "trigram":
        return (FTS.join(KEY, KEY.c.rid == FTS.c.rowid).join(PERSON, PERSON.c.id == KEY.c.person_id),
                _PerDialect(sa.text("person_search_fts MATCH :fts_query").bindparams(param("fts_query")),
                            sa.or_(*(FTS.c[c].ilike(param("like_pattern"), escape="\\") for c in columns))
                            .self_group()))
    # the name is checked again: gram rows of a name replaced by INSERT OR REPLACE may remain
    gram = param("gram")
    return (GRAM.join(KEY, KEY.c.rid == GRAM.c.rid).join(PERSON, PERSON.c.id == KEY.c.person_id),
            sa.and_(GRAM.c.gram == gram, _PerDialect(
                sa.func.instr(sa.func.lower(PERSON.c.name), gram) > 0,
                sa.func.strpos(sa.func.translate(PERSON.c.name, search_index_pg.UPPER,
                                                 search_index_pg.UPPER.lower()), gram) > 0)))


def matches(text: str, columns: tuple[str, ...]) -> tuple[sa.FromClause, sa.ColumnElement] | None:
    """(index rows joined to ``person``, condition) for people with ``text`` inside one of ``columns``
    (name, phone, code): select ``PERSON`` columns from it. None when the index cannot answer: shorter
    than three characters, except one or two characters of a name."""
    kind = match_kind(text, columns)
    return None if kind is None else prepared_match(kind, columns, match_params(text, columns))


def person_ids(text: str, columns: tuple[str, ...]) -> sa.Select | None:
    """The ids of people matching (see ``matches``), for ``person.id IN (…)``."""
    found = matches(text, columns)
    if found is None:
        return None
    source, condition = found
    return sa.select(PERSON.c.id).select_from(source).where(condition).correlate(None)  # its own person


class _PerDialect(sa.ColumnElement):
    """A condition written once per dialect: ``default`` (SQLite) or ``postgresql``, chosen when the
    statement is compiled (callers build one statement for either engine)."""

    inherit_cache = True
    type = sa.types.NullType()   # a bare condition: no "= 1" added on SQLite
    _traverse_internals = [("default", InternalTraversal.dp_clauseelement),
                           ("postgresql", InternalTraversal.dp_clauseelement)]

    def __init__(self, default: sa.ClauseElement, postgresql: sa.ClauseElement) -> None:
        self.default, self.postgresql = default, postgresql


@compiles(_PerDialect)
def _compile_default(element: _PerDialect, compiler, **kw) -> str:
    return compiler.process(element.default, **kw)


@compiles(_PerDialect, "postgresql")
def _compile_postgresql(element: _PerDialect, compiler, **kw) -> str:
    return compiler.process(element.postgresql, **kw)
