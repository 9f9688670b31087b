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

PostgreSQL equivalent (a hub later): ``CREATE EXTENSION pg_trgm``; ``CREATE INDEX person_name_trgm
ON person USING gin (name gin_trgm_ops)`` (and on phone, household.code) answers ``ILIKE '%x%'`` from
three characters on; the one/two-character gram table stays the same (an index on (gram, person_id))
and is filled by a PL/pgSQL trigger using ``generate_series`` instead of ``json_each``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection

KEY = sa.table("person_search_key", sa.column("rid"), sa.column("person_id"))
GRAM = sa.table("person_search_gram", sa.column("gram"), sa.column("rid"))
FTS = sa.table("person_search_fts", sa.column("rowid"), sa.column("name"), sa.column("phone"), sa.column("code"))

MIN_TRIGRAM = 3   # the trigram tokenizer finds nothing for shorter text
MAX_GRAM = 2      # gram rows hold pieces of 1 and 2 characters
_POSITIONS = "[" + ",".join(str(i) for i in range(1, 65)) + "]"  # name is at most 64 characters

_RID = "(SELECT rid FROM person_search_key WHERE person_id = {who}.id)"
_CODE = "(SELECT code FROM household WHERE id = {who}.household_id)"


def _fill(who: str) -> str:
    """Statements (inside a trigger) that (re)write the index rows of person ``who`` (NEW)."""
    rid = _RID.format(who=who)
    return f"""
    INSERT INTO person_search_fts(rowid, name, phone, code)
        VALUES ({rid}, {who}.name, {who}.phone, {_CODE.format(who=who)});
    INSERT OR IGNORE INTO person_search_gram(gram, rid)
        SELECT lower(substr({who}.name, p.value, n.value)), {rid}
        FROM json_each('{_POSITIONS}') AS p, json_each('[1,2]') AS n
        WHERE p.value + n.value - 1 <= length({who}.name)
          AND trim(substr({who}.name, p.value, n.value)) = substr({who}.name, p.value, n.value);"""


def _clear(who: str) -> str:
    rid = _RID.format(who=who)
    return f"""
    DELETE FROM person_search_fts WHERE rowid = {rid};
    DELETE FROM person_search_gram WHERE rid = {rid};"""


DDL = [
    "CREATE TABLE person_search_key (rid INTEGER PRIMARY KEY, person_id VARCHAR(32) NOT NULL UNIQUE)",
    "CREATE TABLE person_search_gram (gram VARCHAR(2) NOT NULL, rid INTEGER NOT NULL, "
    "PRIMARY KEY (gram, rid)) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE person_search_fts USING fts5(name, phone, code, tokenize = 'trigram')",
    # INSERT OR IGNORE / clear first: an INSERT OR REPLACE of a person (no delete trigger fires
    # without recursive_triggers) must not leave a stale or duplicate entry.
    f"""CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT OR IGNORE INTO person_search_key(person_id) VALUES (NEW.id);{_clear("NEW")}{_fill("NEW")}
END""",
    f"""CREATE TRIGGER person_search_au AFTER UPDATE OF name, phone, household_id ON person
WHEN OLD.name IS NOT NEW.name OR OLD.phone IS NOT NEW.phone OR OLD.household_id IS NOT NEW.household_id
BEGIN{_clear("NEW")}{_fill("NEW")}
END""",
    f"""CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN{_clear("OLD")}
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


def create(conn: Connection) -> None:
    """Create the index and fill it for the people already stored (a new database: none)."""
    for statement in DDL:
        conn.exec_driver_sql(statement)
    rebuild(conn)


def rebuild(conn: Connection) -> None:
    """Fill the index from the person table (what the triggers would have written)."""
    conn.exec_driver_sql("DELETE FROM person_search_fts")
    conn.exec_driver_sql("DELETE FROM person_search_gram")
    conn.exec_driver_sql("DELETE FROM person_search_key")
    conn.exec_driver_sql("INSERT INTO person_search_key(person_id) SELECT id FROM person ORDER BY rowid")
    conn.exec_driver_sql(
        "INSERT INTO person_search_fts(rowid, name, phone, code) "
        "SELECT k.rid, p.name, p.phone, h.code FROM person_search_key k JOIN person p ON p.id = k.person_id "
        "LEFT JOIN household h ON h.id = p.household_id")
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO person_search_gram(gram, rid) "
        "SELECT lower(substr(p.name, s.value, n.value)), k.rid FROM person_search_key k "
        f"JOIN person p ON p.id = k.person_id, json_each('{_POSITIONS}') AS s, json_each('[1,2]') AS n "
        "WHERE s.value + n.value - 1 <= length(p.name) "
        "AND trim(substr(p.name, s.value, n.value)) = substr(p.name, s.value, n.value)")


def _phrase(text: str) -> str:
    """An FTS5 string: the text as one phrase (a substring, with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def matching_rids(text: str, columns: tuple[str, ...]) -> sa.Select | None:
    """Index handles (``rid``) of people with ``text`` inside one of ``columns`` (name, phone, code),
    or None when the index cannot answer (shorter than three characters outside names)."""
    if len(text) >= MIN_TRIGRAM:
        query = "{" + " ".join(columns) + "} : " + _phrase(text)
        return sa.select(FTS.c.rowid.label("rid")).where(sa.text("person_search_fts MATCH :fts_query")
                                                        .bindparams(fts_query=query))
    if columns == ("name",) and len(text) <= MAX_GRAM:
        return sa.select(GRAM.c.rid).where(GRAM.c.gram == text)
    return None


def person_ids(rids: sa.Select) -> sa.Select:
    """Person ids for a selection of index handles (to join with ``person.id``)."""
    sub = rids.subquery()
    return sa.select(KEY.c.person_id).join(sub, sub.c.rid == KEY.c.rid)
