"""The action layer's small parts: the lock, retention, time limits, progress, rclone's output
and its refusal to write to a source, the option file, the translation for MariaDB, the
checksum query and the commit pause (accept and reject tables; no server)."""

from __future__ import annotations

import io
import os
import socket
import stat
from pathlib import Path

import pytest

from xunjian.actions import ActionError, lock, retention
from xunjian.actions.clock import Deadline, TimeLimit, stamp
from xunjian.actions.mysql_figures import Figures, TableFigure, checksum_of, checksum_sql
from xunjian.actions.mysql_pause import client_ports, pause_statements
from xunjian.actions.mysql_source import Server, Source, option_file
from xunjian.actions.mysql_translate import Translator, needed
from xunjian.actions.progress import Progress, size
from xunjian.actions.rclone import Rclone, Remote, parse_combined, parse_stats
from xunjian.actions.scratch_mariadb import ScratchMariaDB


def test_a_second_run_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    with lock.held(tmp_path / "b"):
        with pytest.raises(lock.Busy) as err, lock.held(tmp_path / "b"):
            pass
        assert (
            f"another backup run holds {tmp_path / 'b' / lock.LOCK_NAME} (pid {os.getpid()} since"
            in str(err.value)
        )
    with lock.held(tmp_path / "b"):  # released: the next run goes ahead
        pass


def test_the_lock_file_is_private(tmp_path: Path) -> None:
    with lock.held(tmp_path) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("proven", "keep", "surplus"),
    [
        (["d-3", "d-1", "d-2"], 2, ["d-1"]),
        (["d-1"], 1, []),
        (["d-1", "d-2"], 4, []),
        ([], 3, []),
    ],
)
def test_surplus(proven: list[str], keep: int, surplus: list[str]) -> None:
    assert retention.surplus(proven, keep) == surplus


def test_keep_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="keep is 0: at least the newest proven backup is kept"):
        retention.surplus(["d-1"], 0)


def test_failed_backups_older_than_a_proven_one_go() -> None:
    assert retention.stale(["d-1", "d-3"], "d-2") == ["d-1"]


def test_a_time_limit_names_its_stage() -> None:
    with pytest.raises(
        TimeLimit, match="mysql_backup x: its time limit of 2 h ran out during the restore"
    ):
        deadline = Deadline(7200, "mysql_backup x")
        deadline._end = 0  # long past
        deadline.left("the restore")
    assert Deadline(60, "x").left("y") > 59
    assert len(stamp()) == 16 and stamp().endswith("Z")


def test_progress_is_silent_unless_stderr_is_a_terminal() -> None:
    out = io.StringIO()
    Progress("backup", out).show("dumped 1 MiB")
    assert out.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    progress = Progress("backup", tty, interval=0)
    progress.show("dumped 1.0 MiB")
    progress.done("dumped 2.0 MiB")
    assert tty.getvalue() == "\r\x1b[Kbackup: dumped 1.0 MiB\r\x1b[Kbackup: dumped 2.0 MiB\n"
    assert (size(0), size(4520161), size(3 * 2**30)) == ("0 B", "4.3 MiB", "3.0 GiB")


def test_rclone_combined_output() -> None:
    diff = parse_combined("= a\n+ b\n- c\n* d\n! e\n= f\n")
    assert (diff.same, diff.only_in_first, diff.only_in_second, diff.differ, diff.errors) == (
        2,
        ("b",),
        ("c",),
        ("d",),
        ("e",),
    )
    assert not diff.empty and parse_combined("= a\n").empty


def test_rclone_stats() -> None:
    log = (
        '{"level":"info","msg":"Copied (new)","object":"a"}\n'
        '{"level":"warning","msg":"x","stats":{"bytes":154,"checks":2,"deletes":1,"errors":0,'
        '"renames":1,"transfers":3}}\nnot json\n'
    )
    assert parse_stats(log) == parse_stats(log.replace("warning", "notice"))
    t = parse_stats(log)
    assert (t.objects, t.bytes, t.checks, t.superseded, t.errors) == (3, 154, 2, 1, 0)


SOURCE = Remote("SRC", "http://127.0.10.3:9000", "myminioadmin", "s3cr3t-key")


def test_rclone_never_writes_to_the_source(tmp_path: Path) -> None:
    tool = Rclone([SOURCE], tmp_path, Deadline(60, "t"))
    for write in (
        lambda: tool.mkdir("src:thqh"),
        lambda: tool.copy(tmp_path, "src:thqh", Progress("t")),
    ):
        with pytest.raises(
            ActionError, match="refusing to write to src:thqh: a backup only ever reads its source"
        ):
            write()
    assert "s3cr3t-key" not in repr(SOURCE)
    assert tool.env["RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY"] == "s3cr3t-key"
    assert "AWS_CA_BUNDLE" not in tool.env and tool.env["HOME"] == str(tmp_path)


def test_the_option_file_is_private_and_quotes_the_password(tmp_path: Path) -> None:
    source = Source("127.0.10.3", 3306, "root", 'p#ss"w\\rd x', "thqh", 5)
    path = option_file(tmp_path, source)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert 'password="p#ss\\"w\\\\rd x"\n' in path.read_text()
    assert "p#ss" not in repr(source)


@pytest.mark.parametrize(
    ("version", "flavour", "major", "statements"),
    [
        ("10.11.19-MariaDB-0+deb12u1", "MariaDB", "MariaDB 10.11", "BACKUP STAGE BLOCK_COMMIT"),
        ("10.3.39-MariaDB", "MariaDB", "MariaDB 10.3", "FLUSH TABLES WITH READ LOCK"),
        ("8.0.36", "MySQL", "MySQL 8.0", "FLUSH TABLES WITH READ LOCK"),
    ],
)
def test_servers_and_their_pause(version: str, flavour: str, major: str, statements: str) -> None:
    server = Server(version)
    assert (server.flavour, server.major) == (flavour, major)
    assert pause_statements(server)[0][-1] == statements


def test_a_server_version_that_is_not_one() -> None:
    with pytest.raises(ValueError, match=r"server version 'banana' does not start with X\.Y\.Z"):
        _ = Server("banana").major


def test_translation_for_a_mysql_source_on_mariadb() -> None:
    assert needed(Server("8.0.36"), Server("10.11.19-MariaDB"))
    assert not needed(Server("10.11.19-MariaDB"), Server("10.11.19-MariaDB"))
    t = Translator()
    out = t.feed(b"CREATE TABLE t (a TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0")
    out += t.feed(
        b"900_ai_ci /*!80016 DEFAULT ENCRYPTION='N' */;\nINSERT INTO t VALUES ('utf8mb4_0900_ai_ci');"
    )
    out += t.end()
    assert out == (
        b"CREATE TABLE t (a TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci "
        b";\nINSERT INTO t VALUES ('utf8mb4_unicode_520_ci');"
    )
    assert (
        t.summary()
        == "translated for MariaDB: 2 utf8mb4_0900 collation(s), 1 MySQL 8 comment(s) dropped"
    )


def test_the_checksum_query() -> None:
    sql = checksum_sql("thqh", "we`ird", ["id", "name"])
    assert "FROM `thqh`.`we``ird`" in sql
    assert "IFNULL(CONCAT(OCTET_LENGTH(`name`), ':', CAST(`name` AS BINARY)), 'N')" in sql
    assert checksum_of(2**64 + 5, 16) == "0000000000000005" + "0000000000000010"


def test_figures_round_trip_and_refuse_malformed_ones() -> None:
    figures = Figures({"t": TableFigure(3, "ab" * 16)}, {"views": ("v",)})
    assert Figures.from_json(figures.to_json()) == Figures(
        {"t": TableFigure(3, "ab" * 16)},
        {"views": ("v",), "routines": (), "triggers": (), "events": ()},
    )
    with pytest.raises(ValueError, match="figures: table t is"):
        Figures.from_json({"tables": {"t": {"rows": "3"}}})


def test_client_ports_of_this_process() -> None:
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(server.getsockname()) as c,
    ):
        assert c.getsockname()[1] in client_ports(os.getpid())


def test_a_restore_reaches_only_its_scratch_server(tmp_path: Path) -> None:
    """The client reads no option file (no ~/.my.cnf host) and is given only the socket."""
    scratch = ScratchMariaDB(tmp_path, Deadline(60, "t"))
    scratch.sockets = tmp_path / "s"
    argv = scratch.client_argv()
    assert argv[1:3] == ["--no-defaults", f"--socket={tmp_path / 's' / 'mariadb.sock'}"]
    assert not [a for a in argv if a.startswith(("--host", "-h", "--port", "-P"))]
