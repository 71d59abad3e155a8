"""The third wall (observe/privileges.py): WARN, naming the privileges, for an account that can
do more than read; OK for a SELECT-only one. Grant lines and PostgreSQL answers are read by pure
functions (tables below); the lab proves it end to end, in the CLI and in a run's summary."""

from __future__ import annotations

import json
import secrets as random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cases import make_case
from terminal_output import run_env, section
from test_e2e import daily

from xunjian.inventory import secrets
from xunjian.inventory.case import CheckCase
from xunjian.lab import Lab
from xunjian.observe import grants, mysql, postgresql
from xunjian.observe.pgprivileges import relations
from xunjian.observe.privileges import Account, Finding, accounts, check, preflight
from xunjian.result import Verdict

ROOT = Path(__file__).resolve().parent.parent
HASH = "*76E143720399289D0D4CE0BD2BB6F6BE10DB8C10"

# -- MySQL/MariaDB grant lines ---------------------------------------------------------------

READ_ONLY_GRANTS = [
    f"GRANT USAGE ON *.* TO `ro`@`%` IDENTIFIED BY PASSWORD '{HASH}'",
    "GRANT SELECT ON `thqh`.* TO `ro`@`%`",
    "GRANT SELECT, SHOW VIEW ON `thqh`.* TO `ro`@`127.%`",
    "GRANT SELECT, PROCESS, REPLICATION CLIENT ON *.* TO 'mon'@'%'",
    "GRANT BINLOG MONITOR, SLAVE MONITOR, SHOW DATABASES ON *.* TO `mon`@`%`",
    "GRANT SELECT (`id`, `syncstate`) ON `thqh`.`SyncStateTable` TO `ro`@`%`",
    "GRANT SELECT ON `a ON b`.* TO `ro`@`%`",
    "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD 'WITH GRANT OPTION'",
    "REVOKE INSERT ON `mysql`.* FROM `u`@`%`",
    "SET DEFAULT ROLE `reader` FOR `u`@`%`",
]
BEYOND_GRANTS = [
    (
        f"GRANT ALL PRIVILEGES ON *.* TO `root`@`127.%` IDENTIFIED BY PASSWORD '{HASH}' "
        "WITH GRANT OPTION",
        ["ALL PRIVILEGES ON *.*", "GRANT OPTION ON *.*"],
    ),
    (
        "GRANT PROXY ON ``@`%` TO `root`@`localhost` WITH GRANT OPTION",
        ["PROXY ON ``@`%`", "GRANT OPTION ON ``@`%`"],
    ),
    (
        "GRANT SELECT, INSERT, UPDATE, DELETE ON `thqh`.* TO `app`@`%`",
        ["INSERT, UPDATE, DELETE ON `thqh`.*"],
    ),
    ("GRANT SUPER, FILE, SHUTDOWN ON *.* TO `ops`@`%`", ["SUPER, FILE, SHUTDOWN ON *.*"]),
    ("GRANT CREATE, DROP, ALTER ON *.* TO 'ops'@'%'", ["CREATE, DROP, ALTER ON *.*"]),
    (
        "GRANT SELECT, UPDATE (`syncstate`) ON `thqh`.`SyncStateTable` TO `app`@`%`",
        ["UPDATE (`syncstate`) ON `thqh`.`SyncStateTable`"],
    ),
    (
        "GRANT EXECUTE ON PROCEDURE `thqh`.`cleanup` TO `u`@`%`",
        ["EXECUTE ON PROCEDURE `thqh`.`cleanup`"],
    ),
    (
        "GRANT BACKUP_ADMIN,SYSTEM_VARIABLES_ADMIN ON *.* TO `u`@`%`",
        ["BACKUP_ADMIN, SYSTEM_VARIABLES_ADMIN ON *.*"],
    ),
    ("GRANT SELECT ON `thqh`.* TO `ro`@`%` WITH GRANT OPTION", ["GRANT OPTION ON `thqh`.*"]),
    ("GRANT LOCK TABLES, SELECT ON `thqh`.* TO `ro`@`%`", ["LOCK TABLES ON `thqh`.*"]),
    ("GRANT `r1` TO `u`@`%` WITH ADMIN OPTION", ["ADMIN OPTION ON role `r1`"]),
]


@pytest.mark.parametrize("line", READ_ONLY_GRANTS)
def test_read_only_grants_are_not_reported(line: str) -> None:
    assert grants.read([line]).beyond == []


@pytest.mark.parametrize(("line", "named"), BEYOND_GRANTS)
def test_grants_beyond_reading_are_named_with_their_scope(line: str, named: list[str]) -> None:
    found = grants.read([line]).beyond
    assert found == named
    assert not any(HASH in f for f in found)


@pytest.mark.parametrize(
    ("line", "roles"),
    [
        ("GRANT `r_writer` TO `u`@`%`", ["`r_writer`"]),
        ("GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`", ["`r1`@`%`", "`r2`@`%`"]),
    ],
)
def test_granted_roles_are_collected_to_be_read(line: str, roles: list[str]) -> None:
    assert grants.read([line]) == grants.Grants([], roles)


def test_a_line_that_cannot_be_read_is_reported_but_not_shown() -> None:
    (said,) = grants.read([f"ALTER USER x IDENTIFIED BY PASSWORD '{HASH}'"]).beyond
    assert "cannot read" in said and HASH not in said and "ALTER" not in said


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("SELECT, INSERT", ["SELECT", "INSERT"]),
        ("SELECT (`a`, `b`), UPDATE (`c`)", ["SELECT (`a`, `b`)", "UPDATE (`c`)"]),
        ("`r,1`@`%`,`r2`@`%`", ["`r,1`@`%`", "`r2`@`%`"]),
        ("ALL PRIVILEGES", ["ALL PRIVILEGES"]),
    ],
)
def test_split_on_top_level_commas(text: str, parts: list[str]) -> None:
    assert grants.split(text) == parts


# -- PostgreSQL answers, findings, accounts --------------------------------------------------


def test_postgresql_relations_group_privileges_on_the_same_tables() -> None:
    rows = (
        ("INSERT", 4, ["a", "b", "c"]),
        ("UPDATE", 4, ["a", "b", "c"]),
        ("DELETE", 1, ["a"]),
        ("owner", 2, ["a", "b"]),
        ("nextval", 1, ["public.s"]),
    )
    assert relations(rows) == [
        "INSERT, UPDATE ON 4 table(s) (a, b, c, ...)",
        "DELETE ON 1 table(s) (a)",
        "owner of 2 table(s) or sequence(s) (a, b)",
        "nextval / setval on 1 sequence(s) (public.s)",
    ]


MY = Account("mysql", "127.0.10.1", 3306, "root", "thqh")


@pytest.mark.parametrize(
    ("finding", "line"),
    [
        (Finding(MY, Verdict.OK), "OK mysql root@127.0.10.1:3306/thqh: read-only"),
        (
            Finding(MY, Verdict.WARN, ("ALL PRIVILEGES ON *.*", "GRANT OPTION ON *.*")),
            "WARN mysql root@127.0.10.1:3306/thqh: can do more than read: "
            "ALL PRIVILEGES ON *.*; GRANT OPTION ON *.*",
        ),
        (
            Finding(MY, Verdict.UNKNOWN, note="Connection refused"),
            "UNKNOWN mysql root@127.0.10.1:3306/thqh: could not be checked: Connection refused",
        ),
    ],
)
def test_one_line_per_account(finding: Finding, line: str) -> None:
    assert finding.line() == line


def test_a_secret_never_reaches_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets.SECRETS, "_environ", {"XJ_PF_SECRET": "s3cret-Value"})
    secrets.SECRETS.resolve("${XJ_PF_SECRET}")
    line = Finding(MY, Verdict.UNKNOWN, note="login s3cret-Value refused").line()
    assert "s3cret-Value" not in line and "***" in line


def db_case(databases: dict[str, dict[str, Any]], *names: str) -> list[CheckCase]:
    """One sql check per named database of one host (``sys-prod``)."""
    return [
        make_case(
            {"kind": "sql", "name": n, "db": n, "query": "SELECT 1", "expect": {"no_rows": True}},
            databases=databases,
        )
        for n in names
    ]


def test_accounts_are_distinct_by_engine_host_port_user_database() -> None:
    dbs: dict[str, dict[str, Any]] = {
        "a": {"user": "root", "password": "${P}", "database": "thqh"},
        "b": {"user": "root", "password": "${P}", "database": "thqh"},  # the same login
        "c": {"user": "ro", "password": "${P}", "database": "thqh"},
        "d": {"user": "ro", "password": "${P}", "database": "thqh", "port": 3307},
        "e": {"engine": "postgresql", "user": "ro", "password": "${P}", "database": "thqh"},
    }
    found = accounts(db_case(dbs, "a", "b", "c", "d", "e"))
    assert sorted(str(a) for a in found) == [
        "mysql ro@127.0.10.1:3306/thqh",
        "mysql ro@127.0.10.1:3307/thqh",
        "mysql root@127.0.10.1:3306/thqh",
        "postgresql ro@127.0.10.1:5432/thqh",
    ]


def test_sqlite_is_not_applicable_and_says_why() -> None:
    (case,) = db_case({"f": {"engine": "sqlite", "path": "/srv/app.db"}}, "f")
    (finding,) = preflight([case])
    assert finding.verdict is Verdict.OK
    assert finding.line() == (
        "OK sqlite /srv/app.db on 127.0.10.1: not applicable: the file is opened read-only on its "
        "host (mode=ro, query_only)"
    )


def test_no_database_no_finding() -> None:
    port = make_case({"kind": "port", "port": 22})
    assert preflight([port]) == []


# -- on the lab ------------------------------------------------------------------------------

MARIADB = {"host": "127.0.10.1", "database": "thqh"}
PG = {"engine": "postgresql", "host": "127.0.14.1", "database": "ctea", "sslmode": "require"}
RO_PASSWORD = "XJ_PF_RO_PASSWORD"
RW_PASSWORD = "XJ_PF_RW_PASSWORD"


@pytest.fixture(scope="module")
def accounts_made(lab: Lab) -> Iterator[dict[str, str]]:
    """Three MariaDB accounts of this test's own, dropped at the end: SELECT only; SELECT,
    INSERT, DELETE; SELECT and a role that may INSERT."""
    env = {RO_PASSWORD: random.token_hex(12), RW_PASSWORD: random.token_hex(12)}
    drop = [
        "DROP USER IF EXISTS 'xj_pf_ro'@'127.%'",
        "DROP USER IF EXISTS 'xj_pf_rw'@'127.%'",
        "DROP USER IF EXISTS 'xj_pf_role'@'127.%'",
        "DROP ROLE IF EXISTS xj_pf_writer",
    ]
    for statement in [
        *drop,
        f"CREATE USER 'xj_pf_ro'@'127.%' IDENTIFIED BY '{env[RO_PASSWORD]}'",
        "GRANT SELECT ON thqh.* TO 'xj_pf_ro'@'127.%'",
        f"CREATE USER 'xj_pf_rw'@'127.%' IDENTIFIED BY '{env[RW_PASSWORD]}'",
        "GRANT SELECT, INSERT, DELETE ON thqh.* TO 'xj_pf_rw'@'127.%'",
        "CREATE ROLE xj_pf_writer",
        "GRANT INSERT ON thqh.* TO xj_pf_writer",
        f"CREATE USER 'xj_pf_role'@'127.%' IDENTIFIED BY '{env[RO_PASSWORD]}'",
        "GRANT SELECT ON thqh.* TO 'xj_pf_role'@'127.%'",
        "GRANT xj_pf_writer TO 'xj_pf_role'@'127.%'",
    ]:
        lab.sql(statement)
    yield lab.env() | env
    for statement in drop:
        lab.sql(statement)


@pytest.fixture
def env(accounts_made: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setattr(secrets.SECRETS, "_environ", accounts_made)
    yield accounts_made
    mysql.reset()
    postgresql.reset()


def one(user: str, password: str, **db: Any) -> Finding:
    (case,) = db_case({"d": {"user": user, "password": f"${{{password}}}", **db}}, "d")
    ((account, (c, name)),) = accounts([case]).items()
    try:
        return check(account, c, name)
    finally:
        mysql.reset()  # the observers keep a connection per host and database name


@pytest.mark.lab
def test_mariadb_root_is_warn_naming_its_privileges(lab: Lab, env: dict[str, str]) -> None:
    finding = one("root", "THQH_MYSQL_PASSWORD", **MARIADB)
    assert finding.verdict is Verdict.WARN, finding
    assert "ALL PRIVILEGES ON *.*" in finding.privileges
    assert "GRANT OPTION ON *.*" in finding.privileges
    (row,) = lab.sql("SHOW GRANTS FOR 'root'@'127.%'")
    hashes = [w.strip("'") for w in str(row[0]).split() if w.startswith("'*")]
    assert hashes and not any(h in finding.line() for h in hashes)  # never a password hash


@pytest.mark.lab
def test_a_select_only_account_is_ok(env: dict[str, str]) -> None:
    finding = one("xj_pf_ro", RO_PASSWORD, **MARIADB)
    assert finding.line() == "OK mysql xj_pf_ro@127.0.10.1:3306/thqh: read-only"


@pytest.mark.lab
def test_an_account_that_writes_is_warn_naming_the_writes(env: dict[str, str]) -> None:
    finding = one("xj_pf_rw", RW_PASSWORD, **MARIADB)
    assert finding.verdict is Verdict.WARN
    assert finding.privileges == ("INSERT, DELETE ON `thqh`.*",)


@pytest.mark.lab
def test_a_role_held_is_named_when_its_grants_cannot_be_read(env: dict[str, str]) -> None:
    finding = one("xj_pf_role", RO_PASSWORD, **MARIADB)
    assert finding.verdict is Verdict.WARN
    assert any("xj_pf_writer" in p for p in finding.privileges), finding


@pytest.mark.lab
def test_postgresql_owner_is_warn_naming_its_privileges(env: dict[str, str]) -> None:
    finding = one("ctea_admin", "CTEA_PG_PASSWORD", **PG)
    assert finding.verdict is Verdict.WARN, finding
    said = finding.line()
    assert "owner of database ctea" in said
    assert "CREATE ON DATABASE ctea" in said
    assert "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON " in said
    assert "table(s) (drizzle.__drizzle_migrations, public.coupon_instance, " in said  # sorted


@pytest.mark.lab
def test_postgresql_select_only_role_is_ok(env: dict[str, str]) -> None:
    finding = one("ctea_ro", "CTEA_PG_RO_PASSWORD", **PG)
    assert finding.line() == "OK postgresql ctea_ro@127.0.14.1:5432/ctea: read-only"


@pytest.mark.lab
def test_an_account_not_reached_is_unknown_naming_the_endpoint(env: dict[str, str]) -> None:
    finding = one("root", "THQH_MYSQL_PASSWORD", **{**MARIADB, "port": 1})
    assert finding.verdict is Verdict.UNKNOWN
    assert finding.line().startswith("UNKNOWN mysql root@127.0.10.1:1/thqh: could not be checked: ")
    assert "Connection refused" in finding.line()


# -- the CLI and the run's summary -----------------------------------------------------------


def inventory_file(tmp: Path, databases: dict[str, dict[str, Any]]) -> Path:
    """One host, one sql check per database; JSON is YAML."""
    checks = [
        {
            "step": "1",
            "kind": "sql",
            "name": n,
            "db": n,
            "query": "SELECT 1",
            "expect": {"scalar": {"crit": "!= 1"}},
        }
        for n in databases
    ]
    doc = {
        "version": 1,
        "name": "preflight",
        "systems": {
            "pf": {
                "title": "preflight",
                "steps": {"1": {"title": "SELECT 1", "cadence": "daily"}},
                "hosts": {
                    "db": {"address": "127.0.10.1", "databases": databases, "checks": checks}
                },
            }
        },
    }
    path = tmp / "preflight.yml"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return path


LAB_ACCOUNTS: dict[str, dict[str, Any]] = {
    "root": {"user": "root", "password": "${THQH_MYSQL_PASSWORD}", **MARIADB},
    "ro": {"user": "xj_pf_ro", "password": f"${{{RO_PASSWORD}}}", **MARIADB},
    "admin": {"user": "ctea_admin", "password": "${CTEA_PG_PASSWORD}", **PG},
    "pgro": {"user": "ctea_ro", "password": "${CTEA_PG_RO_PASSWORD}", **PG},
    "file": {"engine": "sqlite", "path": "/srv/app.db"},
}


def connect(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xunjian.inventory", "check", "--connect", str(path)],
        cwd=ROOT,
        env=run_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.lab
def test_check_connect_prints_one_line_per_account(tmp_path: Path, env: dict[str, str]) -> None:
    done = connect(inventory_file(tmp_path, LAB_ACCOUNTS), env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 5, lines
    assert lines[0].startswith("WARN mysql root@127.0.10.1:3306/thqh: can do more than read: ")
    assert "ALL PRIVILEGES ON *.*" in lines[0]
    assert lines[1] == "OK mysql xj_pf_ro@127.0.10.1:3306/thqh: read-only"
    assert lines[2].startswith("WARN postgresql ctea_admin@127.0.14.1:5432/ctea: ")
    assert lines[3] == "OK postgresql ctea_ro@127.0.14.1:5432/ctea: read-only"
    assert lines[4].startswith("OK sqlite /srv/app.db on 127.0.10.1: not applicable")
    assert not any(env[k] in done.stdout + done.stderr for k in (RO_PASSWORD, "CTEA_PG_PASSWORD"))


@pytest.mark.lab
def test_check_connect_exits_1_when_an_account_is_not_reached(
    tmp_path: Path, env: dict[str, str]
) -> None:
    dbs: dict[str, dict[str, Any]] = {
        "ro": LAB_ACCOUNTS["ro"],
        "gone": {**LAB_ACCOUNTS["root"], "port": 1},
    }
    done = connect(inventory_file(tmp_path, dbs), env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "UNKNOWN mysql root@127.0.10.1:1/thqh: could not be checked: " in done.stdout
    assert "OK mysql xj_pf_ro@127.0.10.1:3306/thqh: read-only" in done.stdout


def test_check_connect_exits_4_for_an_invalid_file_or_a_missing_secret(tmp_path: Path) -> None:
    bad = inventory_file(tmp_path, {"d": {"user": "root", "password": "${XJ_PF_UNSET}", **MARIADB}})
    done = connect(bad, {})
    assert done.returncode == 4, done.stdout + done.stderr
    assert "environment variable XJ_PF_UNSET is not set" in done.stderr
    bad.write_text(bad.read_text().replace('"SELECT 1"', '"SELECT 1; SHUTDOWN"'))
    done = connect(bad, {"XJ_PF_UNSET": "set-but-unused"})
    assert done.returncode == 4
    assert "checks[0].query: holds more than one statement" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.lab
def test_a_run_shows_the_preflight_once_and_does_not_fail(
    lab: Lab, tmp_path: Path, env: dict[str, str]
) -> None:
    path = inventory_file(tmp_path, {k: LAB_ACCOUNTS[k] for k in ("root", "ro", "pgro")})
    result = daily(lab, tmp_path / "out", f"--inventory={path}", env=env)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.outcomes and set(result.outcomes.values()) == {"passed"}
    body = section(result.stdout, "xunjian preflight").splitlines()
    shown = [ln for ln in body if ln.startswith(("OK ", "WARN ", "UNKNOWN "))]
    assert len(shown) == 3, result.stdout[-3000:]  # once: the controller, not each xdist worker
    assert shown[0].startswith("WARN mysql root@127.0.10.1:3306/thqh: can do more than read: ")
    assert shown[1] == "OK mysql xj_pf_ro@127.0.10.1:3306/thqh: read-only"
    assert shown[2] == "OK postgresql ctea_ro@127.0.14.1:5432/ctea: read-only"
    assert result.stdout.count("xunjian preflight") == 1


def test_listing_the_checks_connects_to_nothing(tmp_path: Path) -> None:
    path = inventory_file(tmp_path, {"gone": {**LAB_ACCOUNTS["root"], "port": 1}})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "-q",
            f"--inventory={path}",
        ],
        cwd=ROOT,
        env=run_env({}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_sql[pf-db-1-gone]" in done.stdout
    assert "xunjian preflight" not in done.stdout
