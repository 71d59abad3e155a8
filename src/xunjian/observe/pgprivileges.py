"""What a PostgreSQL role may do beyond reading, asked of the server in its read-only session
(see :mod:`xunjian.observe.privileges` for what is counted and why)."""

from __future__ import annotations

from xunjian.inventory.case import CheckCase
from xunjian.observe import db

# Predefined roles that write, signal, or reach the server's files and programs.
ACTING_ROLES = (
    "pg_write_all_data",
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_signal_backend",
    "pg_signal_autovacuum_worker",
    "pg_checkpoint",
    "pg_maintain",
    "pg_create_subscription",
)
ATTRIBUTES = ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS")

_ROLE = """
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
       current_database(), has_database_privilege(d.oid, 'CREATE'), pg_has_role(d.datdba, 'MEMBER')
FROM pg_roles r, pg_database d
WHERE r.rolname = current_user AND d.datname = current_database()
"""
_MEMBER_OF = """
SELECT rolname FROM pg_roles
WHERE rolname = ANY(ARRAY[{}]) AND pg_has_role(oid, 'MEMBER')
ORDER BY rolname
""".format(", ".join(f"'{r}'" for r in ACTING_ROLES))
_SCHEMAS = """
SELECT quote_ident(nspname), has_schema_privilege(oid, 'CREATE'), pg_has_role(nspowner, 'MEMBER')
FROM pg_namespace
WHERE left(nspname, 3) <> 'pg_' AND nspname <> 'information_schema'
  AND (has_schema_privilege(oid, 'CREATE') OR pg_has_role(nspowner, 'MEMBER'))
ORDER BY nspname
"""
# Per privilege: how many tables (views, sequences) allow it, and the first three by name.
_RELATIONS = """
SELECT p.what, count(*),
       (array_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                  ORDER BY n.nspname, c.relname))[1:3]
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN (VALUES (1, 'INSERT'), (2, 'UPDATE'), (3, 'DELETE'), (4, 'TRUNCATE'), (5, 'REFERENCES'),
             (6, 'TRIGGER'), (7, 'owner'), (8, 'nextval')) AS p(n, what) ON TRUE
WHERE left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND CASE
        WHEN p.what = 'owner' THEN pg_has_role(c.relowner, 'MEMBER')
        WHEN c.relkind = 'S' THEN p.what = 'nextval'
             AND (has_sequence_privilege(c.oid, 'USAGE') OR has_sequence_privilege(c.oid, 'UPDATE'))
        WHEN p.what IN ('INSERT', 'UPDATE', 'REFERENCES') THEN has_any_column_privilege(c.oid, p.what)
        WHEN p.what IN ('DELETE', 'TRUNCATE', 'TRIGGER') THEN has_table_privilege(c.oid, p.what)
        ELSE FALSE
      END
GROUP BY p.n, p.what
ORDER BY p.n
"""


def postgresql_privileges(case: CheckCase, db_name: str) -> list[str]:
    """What the role may do beyond reading: ``SUPERUSER``, ``member of pg_write_all_data``,
    ``INSERT, UPDATE ON 3 tables (public.a, public.b, public."order")``, ..."""
    (role,) = db.query(case, db_name, _ROLE).rows
    if role[0]:
        return ["SUPERUSER (may do anything)"]
    found = [a for a, held in zip(ATTRIBUTES[1:], role[1:5], strict=True) if held]
    database, create, owner = role[5], role[6], role[7]
    if owner:
        found.append(f"owner of database {database}")
    if create:
        found.append(f"CREATE ON DATABASE {database}")
    found += [f"member of {r[0]}" for r in db.query(case, db_name, _MEMBER_OF).rows]
    for schema, create_in, owns in db.query(case, db_name, _SCHEMAS).rows:
        found += [f"owner of schema {schema}"] if owns else []
        found += [f"CREATE ON SCHEMA {schema}"] if create_in else []
    return found + relations(db.query(case, db_name, _RELATIONS).rows)


def relations(rows: tuple[tuple[object, ...], ...]) -> list[str]:
    """(privilege, count, first names) rows -> lines; privileges on the same tables go together:
    ``INSERT, UPDATE ON 2 table(s) (public.a, public.b)``, ``owner of 2 table(s) (...)``."""
    grouped: dict[tuple[str, object, str], list[str]] = {}
    for what, count, names in rows:
        shown = [str(n) for n in names] if isinstance(names, list | tuple) else []
        more = ", ..." if isinstance(count, int) and count > len(shown) else ""
        kind = str(what) if what in ("owner", "nextval") else "ON"
        grouped.setdefault((kind, count, ", ".join(shown) + more), []).append(str(what))
    out = []
    for (kind, count, names), whats in grouped.items():
        if kind == "owner":
            out.append(f"owner of {count} table(s) or sequence(s) ({names})")
        elif kind == "nextval":
            out.append(f"nextval / setval on {count} sequence(s) ({names})")
        else:
            out.append(f"{', '.join(whats)} ON {count} table(s) ({names})")
    return out
