"""Set-based inserts: many rows of one table in one statement (the bulk start's instances, open tasks and
timers; the ledger loader's water users, wells and cases).
"""
from __future__ import annotations

import json

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection


def insert_many(conn: Connection, table, rows: list[dict], returning: tuple[str, ...] = ()) -> list:
    """Insert rows (dicts with the same keys) in one statement; with ``returning``, those columns of each
    inserted row (in no particular order: map them by a key).

    PostgreSQL: one ``INSERT … SELECT … FROM json_to_recordset(:rows)`` (one parameter, so neither the
    driver nor the server parses a statement with thousands of placeholders, as multi-row VALUES would);
    SQLite: executemany."""
    if not rows:
        return []
    names = [c for c in rows[0] if c in table.c]
    if conn.dialect.name != "postgresql":
        statement = insert(table)
        if returning:
            statement = statement.returning(*[table.c[n] for n in returning])
            return [tuple(r) for r in conn.execute(statement, [{n: row[n] for n in names} for row in rows])]
        conn.execute(statement, [{n: row[n] for n in names} for row in rows])
        return []
    columns = ", ".join(names)
    sql = (f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM json_to_recordset(CAST(:rows AS json)) "
           f"AS x({_record(table, names)})")
    if returning:
        sql += " RETURNING " + ", ".join(returning)
    result = conn.execute(text(sql), {"rows": _json([{n: row[n] for n in names} for row in rows])})
    return [tuple(r) for r in result] if returning else []


def _record(table, names) -> str:
    """The column definitions of ``json_to_recordset``: each column's PostgreSQL type, from the table."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    return ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in names)


def _json(rows: list[dict]) -> str:
    # Text, not jsonb, on the way: the events must read back exactly as they were sealed (engine/audit).
    return json.dumps(rows, ensure_ascii=False, default=lambda v: v.isoformat())
