"""The tables :mod:`xunjian.inventory.sqlsafety` judges queries by: statements that are not
reads (by their first keyword, what they do), functions that act on the server, and SQLite's
pragmas that only report."""

from __future__ import annotations

import re

from sqlglot import exp


def _each(words: str, what: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), what)


# The first keyword of a statement that is not a read, and what it does (for the message).
LEADS: dict[str, str] = {
    **_each("INSERT UPDATE DELETE MERGE REPLACE UPSERT", "changes data"),
    **_each(
        "CREATE ALTER DROP TRUNCATE TRUNCATETABLE RENAME COMMENT REINDEX CLUSTER REFRESH IMPORT",
        "changes the schema",
    ),
    **_each("GRANT REVOKE REASSIGN SECURITY", "changes privileges"),
    **_each("SHUTDOWN RESTART", "stops the server"),
    "KILL": "ends another session or its query",
    **_each("SET RESET", "changes a setting"),
    "FLUSH": "flushes server state (FLUSH TABLES WITH READ LOCK takes the global lock)",
    **_each("LOCK UNLOCK", "takes or releases table locks"),
    "LOAD": "loads a file or a library into the server",
    **_each("CALL DO EXECUTE PREPARE DEALLOCATE", "runs code that cannot be checked here"),
    "HANDLER": "opens a table handler",
    **_each("INSTALL UNINSTALL", "installs or removes a server plugin"),
    "PURGE": "deletes binary logs",
    **_each(
        "CHECKPOINT VACUUM ANALYZE OPTIMIZE REPAIR CHECK CHECKSUM CACHE BACKUP CLONE BINLOG",
        "is maintenance work on the server",
    ),
    "COPY": "copies data to or from a file or a program",
    **_each("LISTEN UNLISTEN NOTIFY", "signals other sessions"),
    **_each("ATTACH DETACH", "opens or closes another database file"),
    **_each(
        "BEGIN START COMMIT ROLLBACK SAVEPOINT RELEASE END ABORT XA TRANSACTION",
        "controls the read-only transaction the check runs in",
    ),
    "USE": "switches the database",
    **_each("CHANGE STOP", "changes replication"),
    **_each("DECLARE FETCH MOVE CLOSE DISCARD", "works on a cursor or the session"),
}

# Statement nodes that must not appear inside a read (a data-modifying WITH, EXPLAIN DELETE).
ACTING_NODES: tuple[type[exp.Expression], ...] = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Grant,
    exp.Revoke,
    exp.Copy,
    exp.Command,
    exp.Set,
    exp.Kill,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Use,
    exp.Attach,
    exp.Detach,
    exp.Pragma,
    exp.Analyze,
    exp.LoadData,
    exp.NextValueFor,
)

_ON_SESSIONS = "signals another session"
_SERVER_STATE = "changes the server's state"
_FILES = "reads or writes files on the database server"
_HIDDEN_SQL = "runs SQL given as a string, which cannot be checked here"
_LOCKS = "takes or releases a lock"

FUNCTIONS: dict[str, str] = {
    # PostgreSQL
    **_each("pg_terminate_backend pg_cancel_backend", _ON_SESSIONS),
    **_each(
        "pg_reload_conf pg_rotate_logfile pg_promote pg_switch_wal pg_switch_xlog "
        "pg_create_restore_point pg_start_backup pg_stop_backup pg_backup_start pg_backup_stop "
        "pg_wal_replay_pause pg_wal_replay_resume pg_log_backend_memory_contexts "
        "pg_import_system_collations pg_stat_statements_reset set_config pg_notify",
        _SERVER_STATE,
    ),
    **_each("pg_read_file pg_read_binary_file pg_stat_file pg_logdir_ls lowrite", _FILES),
    **_each("query_to_xml query_to_xmlschema query_to_xml_and_xmlschema", _HIDDEN_SQL),
    **_each("cursor_to_xml cursor_to_xmlschema", _HIDDEN_SQL),
    **_each("nextval setval", "advances or sets a sequence (a write)"),
    # MySQL / MariaDB
    "load_file": _FILES,
    **_each("sys_exec sys_eval", "runs a shell command on the database server"),
    **_each("get_lock release_lock release_all_locks", _LOCKS),
    **_each(
        "master_pos_wait source_pos_wait master_gtid_wait wait_for_executed_gtid_set",
        "waits on replication",
    ),
    # SQLite
    "load_extension": "loads a native library into the database process",
    **_each("readfile writefile edit fts3_tokenizer", _FILES),
}

FUNCTION_PREFIXES: dict[str, str] = {
    "dblink": "connects to another database and may run anything there",
    "lo_": "works on large objects, which read and write server files (lo_import, lo_export)",
    "pg_advisory": _LOCKS,
    "pg_try_advisory": _LOCKS,
    "pg_ls_": _FILES,
    "pg_file_": _FILES,
    "pg_stat_reset": _SERVER_STATE,
    "pg_replication_origin": _SERVER_STATE,
    "pg_create_": _SERVER_STATE,
    "pg_drop_": _SERVER_STATE,
    "pg_copy_": _SERVER_STATE,
    "pg_logical_": "consumes or emits replication changes",
    "pg_replication_slot_": _SERVER_STATE,
}


def function_acts(name: str) -> str | None:
    """What calling ``name`` does to the server, if it does more than compute a value."""
    name = name.lower()
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    return next((why for p, why in FUNCTION_PREFIXES.items() if name.startswith(p)), None)


# SQLite pragmas that report: with a table (or a limit) as their argument, or read bare (given
# an argument, most of these set what they report).
PRAGMAS_WITH_ARGUMENT = frozenset(
    "table_info table_xinfo table_list index_list index_info index_xinfo foreign_key_list "
    "foreign_key_check integrity_check quick_check".split()
)
PRAGMAS_BARE = frozenset(
    "application_id auto_vacuum busy_timeout cache_size collation_list compile_options "
    "data_version database_list encoding foreign_keys freelist_count function_list "
    "journal_mode max_page_count module_list page_count page_size pragma_list query_only "
    "schema_version synchronous user_version".split()
)

# EXPLAIN's options before the statement: PostgreSQL's (ANALYZE, ...), ANALYZE, VERBOSE;
# SQLite's QUERY PLAN.
EXPLAIN_OPTIONS = re.compile(
    r"^\s*(?:\([^()]*\)\s*|(?:ANALYZE|ANALYSE|VERBOSE|QUERY\s+PLAN)\b\s*)*", re.IGNORECASE
)
