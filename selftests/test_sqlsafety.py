"""The first wall (inventory/sqlsafety.py): every query is parsed at load in its engine's dialect
and must be one read statement. Each forbidden class is refused for every engine, with the key
path and the reason, before anything runs; the runbooks' real queries are the accepting twins."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from cases import make_case

from xunjian.inventory import sqlsafety
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import cases, load
from xunjian.inventory.schema import Inventory

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("mysql", "postgresql", "sqlite")
DATABASES: dict[str, dict[str, Any]] = {
    "mysql": {"user": "u", "password": "${XJ_DB_PASSWORD}", "database": "d"},
    "postgresql": {
        "engine": "postgresql",
        "user": "u",
        "password": "${XJ_DB_PASSWORD}",
        "database": "d",
    },
    "sqlite": {"engine": "sqlite", "path": "/srv/app/app.db"},
}
KEY = "systems.sys.hosts.prod.checks[0].query: "

# class -> (query, what the message must say), refused on every engine
FORBIDDEN: dict[str, list[tuple[str, str]]] = {
    "multiple-statements": [
        ("SELECT 1; SELECT 2", "more than one statement"),
        ("SELECT 1; DELETE FROM t", "more than one statement"),
        ("SELECT 1;\nSHUTDOWN;", "more than one statement"),
        ("SELECT 1;;SELECT 2", "more than one statement"),
    ],
    "dml": [
        ("INSERT INTO t VALUES (1)", "INSERT is not a read statement: it changes data"),
        ("insert into t select * from u", "INSERT is not a read statement"),
        ("UPDATE SyncStateTable SET syncstate = 0", "UPDATE is not a read statement"),
        ("DELETE FROM t WHERE id = 1", "DELETE is not a read statement"),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", "MERGE is not a read"),
        ("REPLACE INTO t VALUES (1)", "REPLACE is not a read statement"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "holds DELETE inside"),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT is not a read statement"),
    ],
    "ddl": [
        ("CREATE TABLE x (a INT)", "CREATE is not a read statement: it changes the schema"),
        ("ALTER TABLE t ADD COLUMN b INT", "ALTER is not a read statement"),
        ("DROP TABLE SyncStateTable", "DROP is not a read statement"),
        ("TRUNCATE TABLE t", "TRUNCATE is not a read statement"),
        ("GRANT ALL ON t TO u", "GRANT is not a read statement: it changes privileges"),
        ("REVOKE SELECT ON t FROM u", "REVOKE is not a read statement"),
        ("RENAME TABLE a TO b", "RENAME is not a read statement"),
    ],
    "file-output": [
        ("SELECT * FROM t INTO OUTFILE '/tmp/x'", "SELECT ... INTO OUTFILE writes a file"),
        ("SELECT * INTO OUTFILE '/tmp/x' FROM t", "SELECT ... INTO OUTFILE writes a file"),
        ("SELECT 1 into dumpfile '/tmp/x'", "SELECT ... INTO DUMPFILE writes a file"),
        ("SELECT 1 INTO/**/OUTFILE '/tmp/x'", "SELECT ... INTO OUTFILE"),
        ("TABLE t INTO OUTFILE '/tmp/x'", "SELECT ... INTO OUTFILE"),
        ("SELECT id INTO @v FROM t", "SELECT ... INTO assigns variables"),
        ("SELECT * INTO newt FROM t", "SELECT ... INTO"),
        ("SELECT * INTO TEMP newt FROM t", "SELECT ... INTO"),
        ("COPY t TO '/tmp/x'", "COPY is not a read statement"),
        ("COPY (SELECT 1) TO PROGRAM 'id'", "COPY is not a read statement"),
    ],
    "locking": [
        ("SELECT * FROM t FOR UPDATE", "a locking clause (FOR UPDATE)"),
        ("SELECT * FROM t FOR SHARE", "a locking clause (FOR SHARE"),
        ("SELECT * FROM t LOCK IN SHARE MODE", "LOCK IN SHARE MODE) locks the rows"),
        ("SELECT * FROM t FOR NO KEY UPDATE NOWAIT", "a locking clause"),
        ("SELECT * FROM t FOR KEY SHARE SKIP LOCKED", "a locking clause"),
        ("SELECT * FROM (SELECT * FROM t FOR UPDATE) s", "a locking clause"),
        ("SELECT a FROM t UNION SELECT b FROM u FOR UPDATE", "a locking clause"),
        ("LOCK TABLES t READ", "LOCK is not a read statement: it takes or releases table locks"),
        ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "LOCK is not a read statement"),
        ("UNLOCK TABLES", "UNLOCK is not a read statement"),
        ("FLUSH TABLES WITH READ LOCK", "FLUSH is not a read statement"),
        ("SELECT GET_LOCK('x', 10)", "calls get_lock(), which takes or releases a lock"),
        ("SELECT pg_advisory_lock(1)", "calls pg_advisory_lock()"),
    ],
    "administrative": [
        ("SHUTDOWN", "SHUTDOWN is not a read statement: it stops the server"),
        ("KILL 42", "KILL is not a read statement"),
        ("KILL QUERY 42", "KILL is not a read statement"),
        ("SET GLOBAL max_connections = 1", "SET is not a read statement: it changes a setting"),
        ("SET @x = 1", "SET is not a read statement"),
        ("set search_path = evil", "SET is not a read statement"),
        ("SET SESSION TRANSACTION READ WRITE", "SET is not a read statement"),
        ("RESET ALL", "RESET is not a read statement"),
        ("RESET MASTER", "RESET is not a read statement"),
        ("FLUSH PRIVILEGES", "FLUSH is not a read statement"),
        ("LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "LOAD is not a read statement"),
        ("LOAD 'auto_explain'", "LOAD is not a read statement"),
        ("CALL cleanup()", "CALL is not a read statement"),
        ("DO 1", "DO is not a read statement"),
        ("DO SLEEP(5)", "DO is not a read statement"),
        ("HANDLER t OPEN", "HANDLER is not a read statement"),
        ("INSTALL PLUGIN x SONAME 'x.so'", "INSTALL is not a read statement"),
        ("UNINSTALL PLUGIN x", "UNINSTALL is not a read statement"),
        ("PURGE BINARY LOGS BEFORE NOW()", "PURGE is not a read statement"),
        ("CHECKPOINT", "CHECKPOINT is not a read statement"),
        ("VACUUM", "VACUUM is not a read statement"),
        ("VACUUM INTO '/tmp/copy.db'", "VACUUM is not a read statement"),
        ("ANALYZE t", "ANALYZE is not a read statement"),
        ("OPTIMIZE TABLE t", "OPTIMIZE is not a read statement"),
        ("LISTEN ch", "LISTEN is not a read statement"),
        ("NOTIFY ch, 'x'", "NOTIFY is not a read statement"),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "ATTACH is not a read statement"),
        ("DETACH DATABASE x", "DETACH is not a read statement"),
        ("BEGIN", "BEGIN is not a read statement"),
        ("COMMIT", "COMMIT is not a read statement"),
        ("PREPARE s FROM 'DELETE FROM t'", "PREPARE is not a read statement"),
        ("EXECUTE s", "EXECUTE is not a read statement"),
        ("USE mysql", "USE is not a read statement"),
        ("CHANGE MASTER TO MASTER_HOST = 'x'", "CHANGE is not a read statement"),
        ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "calls pg_terminate_backend()"),
        ("SELECT pg_catalog.pg_terminate_backend(1)", "calls pg_terminate_backend()"),
        ("SELECT pg_cancel_backend(1)", "calls pg_cancel_backend(), which signals"),
        ("SELECT pg_reload_conf()", "calls pg_reload_conf()"),
        ("SELECT lo_import('/etc/passwd')", "calls lo_import()"),
        ("SELECT lo_export(1, '/tmp/x')", "calls lo_export()"),
        ("SELECT pg_read_file('/etc/passwd')", "calls pg_read_file(), which reads or writes files"),
        ("SELECT pg_ls_dir('.')", "calls pg_ls_dir()"),
        ("SELECT * FROM dblink('host=x', 'DELETE FROM t') AS r(a TEXT)", "calls dblink()"),
        ("SELECT dblink_exec('DELETE FROM t')", "calls dblink_exec()"),
        ("SELECT set_config('default_transaction_read_only', 'off', false)", "set_config()"),
        ("SELECT query_to_xml('DELETE FROM t', true, true, '')", "calls query_to_xml()"),
        ("SELECT nextval('order_id_seq')", "calls nextval()"),
        ("SELECT LOAD_FILE('/etc/shadow')", "calls load_file()"),
        ("SELECT sys_exec('id')", "calls sys_exec(), which runs a shell command"),
        ("SELECT load_extension('/tmp/evil.so')", "calls load_extension()"),
        ("SELECT writefile('/tmp/x', 'y')", "calls writefile()"),
        ("PRAGMA journal_mode = DELETE", "PRAGMA"),
        ("PRAGMA main.user_version = 1", "PRAGMA"),
        ("PRAGMA writable_schema = ON", "PRAGMA"),
        ("PRAGMA query_only = OFF", "PRAGMA"),
        ("PRAGMA user_version(7)", "PRAGMA"),
        ("PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA"),
        ("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN of a refused statement: DELETE"),
    ],
    "unparsable": [  # fail closed, with sqlglot's message
        ("SELEC 1", "one read statement"),
        ("SELECT FROM WHERE", "one read statement"),
        ("SELECT (", "one read statement"),
        ("FOO BAR", "one read statement"),
        ("GET DIAGNOSTICS x = ROW_COUNT", "one read statement"),
        ("SELECT 'unterminated", "one read statement"),
        ("", "the query is empty"),
        ("  ;  ", "the query is empty"),
        ("-- only a comment", "the query is empty"),
        ("SELECT 1\x00; DROP TABLE t", "control character"),
        ("SELECT 1 \x1a", "control character"),
    ],
}

# (engine, query, message): what only one engine reads in a way the parser could miss
ENGINE_ONLY = [
    ("mysql", "SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", "MySQL executable comment"),
    ("mysql", "SELECT 1 /*M!100000 , LOAD_FILE('/etc/passwd') */", "MySQL executable comment"),
    # with NO_BACKSLASH_ESCAPES the server reads a string, LOAD_FILE and a comment; sqlglot a string
    ("mysql", "SELECT 'x\\', LOAD_FILE(0x2f6574632f706173737764) #'", "backslash before a quote"),
    ("mysql", "SELECT @x := 1", "assigns a user variable"),
    ("mysql", "EXPLAIN DELETE FROM t", "EXPLAIN of a refused statement: DELETE"),
    ("mysql", "EXPLAIN SELECT * FROM t FOR UPDATE", "EXPLAIN of a refused statement: a locking"),
    ("mysql", "EXPLAIN SELECT 1 INTO @v", "EXPLAIN of a refused statement: SELECT ... INTO"),
    ("mysql", "SHOW TABLES; DROP TABLE t", "more than one statement"),
    ("postgresql", "SELECT 'c\\', ' , pg_terminate_backend(1), '", "backslash before a quote"),
    ("postgresql", 'SELECT U&"\\0070g_terminate_backend"(1)', 'a U&"..." name'),
    ("postgresql", "EXPLAIN (ANALYZE, BUFFERS) DELETE FROM t", "EXPLAIN of a refused statement"),
    ("postgresql", "EXPLAIN ANALYZE SELECT pg_terminate_backend(1)", "calls pg_terminate_backend"),
    ("postgresql", "EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1", "EXPLAIN of a refused statement"),
    ("postgresql", "SHOW search_path; SET search_path = x", "more than one statement"),
    ("postgresql", "DO $$BEGIN DELETE FROM t; END$$", "DO is not a read statement"),
    ("postgresql", "SELECT \"pg_read_file\"('/etc/passwd')", "calls pg_read_file()"),
    ("postgresql", "SELECT $$x$$ FROM t FOR UPDATE", "a locking clause"),
    ("sqlite", "EXPLAIN QUERY PLAN DELETE FROM t", "EXPLAIN of a refused statement: DELETE"),
    ("sqlite", "PRAGMA journal_mode = WAL", "PRAGMA journal_mode = ... changes a setting"),
    ("sqlite", "PRAGMA user_version(7)", "PRAGMA user_version(...) changes a setting"),
    ("sqlite", "PRAGMA wal_checkpoint(TRUNCATE)", "not one of the pragmas that only report"),
    ("mysql", "PRAGMA table_info(t)", "PRAGMA is SQLite's, not mysql's"),
    ("postgresql", "PRAGMA table_info(t)", "PRAGMA is SQLite's, not postgresql's"),
]

COMMON = [
    "SELECT 1",
    "SELECT 1;",
    "SELECT * FROM SyncStateTable WHERE checkFlag = 1 AND (syncstate IS NULL OR syncstate <> 0)",
    "SELECT COUNT(*) FROM SyncStateTable WHERE checkFlag = 1",
    "SELECT path FROM Location ORDER BY id LIMIT 1",
    "SELECT COUNT(*) FROM credit_cards",
    "WITH recent AS (SELECT * FROM sync_logs WHERE status = 'SUCCESS') SELECT COUNT(*) FROM recent",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT sum(n) FROM r",
    "SELECT member_id, COUNT(*) FROM coupon_instance GROUP BY member_id HAVING COUNT(*) > 1",
    "SELECT * FROM child_table c LEFT JOIN parent_table p ON c.parent_id = p.id WHERE p.id IS NULL",
    "SELECT (SELECT COALESCE(SUM(amount), 0) FROM charges) - (SELECT COALESCE(SUM(amount), 0) FROM payments)",
    "SELECT 1 UNION ALL SELECT 2",
    "-- 检查同步状态\nSELECT COUNT(*) FROM SyncStateTable",
    "/* 每日巡检 */ SELECT 1",
    "SELECT 'it''s'",
    "SELECT 'DROP TABLE t; SHUTDOWN; INTO OUTFILE' AS words_in_a_string",
    "SELECT delete_flag, update_time, insert_user, grant_id FROM audit WHERE delete_flag = 0",
    "SELECT name FROM customers WHERE name LIKE 'a\\_%'",
    "SELECT status, COUNT(*) FROM sync_tasks GROUP BY status ORDER BY 2 DESC",
]
ACCEPTED = [(e, q) for e in ENGINES for q in COMMON] + [
    ("mysql", "SHOW TABLES"),
    ("mysql", "SHOW PROCESSLIST"),
    ("mysql", "SHOW GLOBAL STATUS LIKE 'Threads_connected'"),
    ("mysql", "SHOW VARIABLES LIKE 'max_connections'"),
    ("mysql", "SHOW SLAVE STATUS"),
    ("mysql", "DESCRIBE SyncStateTable"),
    ("mysql", "EXPLAIN SELECT * FROM SyncStateTable WHERE checkFlag = 1"),
    ("mysql", "SELECT * FROM `SyncStateTable` WHERE `checkFlag` = 1"),
    ("mysql", "SELECT /*+ MAX_EXECUTION_TIME(1000) */ COUNT(*) FROM SyncStateTable"),
    ("mysql", "SELECT 1 # a comment"),
    ("mysql", "SELECT TIMESTAMPDIFF(SECOND, MAX(finished_at), NOW()) FROM sync_logs"),
    ("mysql", "SELECT COUNT(*) FROM sync_logs WHERE created_at > NOW() - INTERVAL 1 DAY"),
    ("mysql", "SELECT table_schema, SUM(data_length) FROM information_schema.tables GROUP BY 1"),
    ("postgresql", "SHOW TABLES"),
    ("postgresql", "SHOW max_connections"),
    (
        "postgresql",
        "SELECT COALESCE(EXTRACT(EPOCH FROM now() - max(finished_at)), 1e9) FROM iiko_sync_log "
        "WHERE status = 'SUCCESS'",
    ),
    (
        "postgresql",
        """SELECT id, order_number FROM "order" WHERE created_at > NOW() - INTERVAL '1 hour'""",
    ),
    (
        "postgresql",
        'SELECT id, order_number, payment_status, payment_transaction_id FROM "order" '
        "WHERE created_at > NOW() - INTERVAL '1 hour' ORDER BY created_at DESC LIMIT 10;",
    ),
    (
        "postgresql",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'order'::regclass",
    ),
    ("postgresql", "SELECT * FROM drizzle.__drizzle_migrations ORDER BY created_at DESC"),
    (
        "postgresql",
        "SELECT COUNT(*) as total_orders, SUM(total_amount) as total_gmv, "
        "COUNT(CASE WHEN status = 'COMPLETED' THEN 1 END) as completed "
        'FROM "order" WHERE created_at >= CURRENT_DATE',
    ),
    (
        "postgresql",
        "SELECT ct.name, COUNT(ci.id) as total_issued FROM coupon_template ct "
        "LEFT JOIN coupon_instance ci ON ct.id = ci.template_id GROUP BY ct.id, ct.name",
    ),
    (
        "postgresql",
        "SELECT count(*) * 100.0 / current_setting('max_connections')::int FROM pg_stat_activity",
    ),
    ("postgresql", 'EXPLAIN SELECT * FROM "order"'),
    ("postgresql", "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM iiko_sync_log"),
    ("postgresql", "SELECT E'it\\'s'"),
    ("postgresql", "SELECT $$it's$$"),
    ("postgresql", "TABLE iiko_sync_log"),
    ("postgresql", "VALUES (1), (2)"),
    ("postgresql", "SELECT pg_is_in_recovery(), now() - pg_postmaster_start_time()"),
    ("sqlite", "PRAGMA table_info(customers)"),
    ("sqlite", "PRAGMA main.table_info('bills')"),
    ("sqlite", "PRAGMA integrity_check"),
    ("sqlite", "PRAGMA quick_check(10)"),
    ("sqlite", "PRAGMA foreign_key_check"),
    ("sqlite", "PRAGMA user_version"),
    ("sqlite", "SELECT * FROM pragma_table_info('customers')"),
    ("sqlite", "EXPLAIN QUERY PLAN SELECT * FROM customers"),
    ("sqlite", "SELECT COUNT(*) FROM transactions WHERE date(created_at) = date('now')"),
    ("sqlite", 'SELECT COUNT(*) FROM "order"'),
]


def sql_check(query: str, engine: str, name: str = "q") -> Any:
    return make_case(
        {"kind": "sql", "name": name, "db": "d", "query": query, "expect": {"no_rows": True}},
        databases={"d": DATABASES[engine]},
    )


def refused(engine: str, query: str) -> str:
    """The load's message for a sql check running ``query`` on ``engine``."""
    __tracebackhide__ = True
    with pytest.raises(InventoryError) as info:
        sql_check(query, engine)
    return str(info.value)


@pytest.mark.parametrize(
    ("engine", "query", "said"),
    [
        pytest.param(e, q, said, id=f"{cls}-{e}-{n}")
        for cls, examples in FORBIDDEN.items()
        for (n, (q, said)), e in itertools.product(enumerate(examples), ENGINES)
    ],
)
def test_each_forbidden_class_is_refused_at_load_for_every_engine(
    engine: str, query: str, said: str
) -> None:
    message = refused(engine, query)
    assert KEY in message, message
    assert said in message, message


@pytest.mark.parametrize(("engine", "query", "said"), ENGINE_ONLY)
def test_what_one_engine_reads_differently_is_refused(engine: str, query: str, said: str) -> None:
    message = refused(engine, query)
    assert KEY in message and said in message, message


@pytest.mark.parametrize(("engine", "query"), ACCEPTED)
def test_runbook_queries_load(engine: str, query: str) -> None:
    assert sqlsafety.refusal(query, engine) is None
    assert sql_check(query, engine).spec.queries() == [("d", query, "query")]


@pytest.mark.parametrize(
    ("engine", "query"),
    [
        ("mysql", "SELECT 1 /* INTO OUTFILE '/tmp/x' */"),  # an ordinary comment is not code
        ("postgresql", "SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */"),  # nor is it elsewhere
        ("sqlite", "SELECT 'a\\'"),  # SQLite has no backslash escapes
        ("mysql", "SELECT 1 --1"),  # MySQL: no comment without a space: 1 - -1
        ("postgresql", "SELECT u & 1 FROM (SELECT 1 AS u) x"),  # not U&"..."
    ],
)
def test_the_twins_of_the_engine_rules_load(engine: str, query: str) -> None:
    assert sqlsafety.refusal(query, engine) is None


def test_the_parser_message_is_given_for_what_it_cannot_parse() -> None:
    message = refused("mysql", "SELECT FROM WHERE")
    assert "in the mysql dialect: Expected table name but got 'WHERE'. Line 1, Col: 17." in message
    assert "Traceback" not in message and "<Token" not in message


def test_a_log_path_query_is_checked_with_its_key() -> None:
    with pytest.raises(InventoryError) as info:
        make_case(
            {
                "kind": "log",
                "name": "rsync",
                "path_from_sql": {
                    "db": "d",
                    "query": "SELECT path FROM Location; DROP TABLE Location",
                    "relative": "rsync_log/x.log",
                },
                "success": "传输成功",
            },
            databases={"d": DATABASES["mysql"]},
        )
    assert "checks[0].path_from_sql.query: holds more than one statement" in str(info.value)


def inventory(checks: list[dict[str, Any]], hosts: int = 1, engine: str = "mysql") -> Inventory:
    return Inventory.model_validate(
        {
            "name": "t",
            "systems": {
                "sys": {
                    "title": "t",
                    "steps": {"1.1": {"title": "t"}},
                    "templates": {"node": checks},
                    "hosts": {
                        f"h{i}": {
                            "address": f"127.0.{i // 200}.{i % 200 + 1}",
                            "roles": ["node"],
                            "databases": {"d": DATABASES[engine]},
                        }
                        for i in range(hosts)
                    },
                }
            },
        }
    )


def sql(name: str, query: str) -> dict[str, Any]:
    return {
        "step": "1.1",
        "kind": "sql",
        "name": name,
        "db": "d",
        "query": query,
        "expect": {"no_rows": True},
    }


def test_every_refused_query_is_listed_with_its_template_key() -> None:
    inv = inventory([sql("a", "SHUTDOWN"), sql("b", "SELECT 1"), sql("c", "SET GLOBAL x = 1")])
    with pytest.raises(InventoryError) as info:
        cases(inv, Path("/x/inv.yml"))
    problems = info.value.problems
    assert "systems.sys.templates.node[0].query: SHUTDOWN is not a read statement" in problems[0]
    assert "systems.sys.templates.node[2].query: SET is not a read statement" in problems[1]
    assert len(problems) == 2


def test_a_template_query_on_many_hosts_is_parsed_once() -> None:
    query = "SELECT COUNT(*) FROM SyncStateTable WHERE checkFlag = 1 -- parsed once"
    before = sqlsafety.refusal.cache_info()
    assert len(cases(inventory([sql("a", query)], hosts=300), Path("/x/inv.yml"))) == 300
    after = sqlsafety.refusal.cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 299


def test_an_unknown_engine_fails_closed() -> None:
    assert "no SQL dialect is known for engine 'oracle'" in str(
        sqlsafety.refusal("SELECT 1", "oracle")
    )


def test_the_parser_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    """sqlglot logs when it falls back to an opaque Command; the CLI must stay clean."""
    assert sqlsafety.refusal("SHOW TABLES -- not yet parsed", "postgresql") is None
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("path", sorted((ROOT / "inventory").glob("*.yml")), ids=lambda p: p.name)
def test_the_shipped_inventories_load_with_their_queries(path: Path) -> None:
    loaded = load(path)  # a refused query would raise
    assert any(isinstance(c.spec, sqlsafety.HasQueries) and c.spec.queries() for c in loaded)
