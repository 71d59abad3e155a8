"""Host facts: the batch script and its parser (run by a real ``sh`` here), each fact's parse
(tables), and HostProbe gathering a host's facts in one round trip."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cases import assert_result, make_case
from stub_host import LocalHost, Output, Refusing, install
from test_parse import SS_ROOT

from xunjian import checks
from xunjian.observe import batch, host
from xunjian.observe.batch import Section
from xunjian.observe.facts import (
    MISSING_RC,
    Fact,
    FileStat,
    Listeners,
    Processes,
    Stat,
    Tail,
    UnitState,
)
from xunjian.observe.sockets import Listener
from xunjian.result import ObservationError, Verdict

TOKEN = "0123456789abcdef"


def run_script(
    commands: list[str], fact_timeout: int = batch.FACT_TIMEOUT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The batch as a host runs it: one ``sh -c SCRIPT``."""
    return subprocess.run(
        ["/bin/sh", "-c", batch.script(commands, TOKEN, fact_timeout)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )


def sections(
    commands: list[str], fact_timeout: int = batch.FACT_TIMEOUT, env: dict[str, str] | None = None
) -> list[Section | None]:
    done = run_script(commands, fact_timeout, env)
    assert done.returncode == 0, done.stderr  # the script itself never fails
    return batch.parse(done.stdout, TOKEN, len(commands))


# -- the batch: script and parse, through a real sh --------------------------------------------


@pytest.mark.parametrize(
    ("command", "section"),
    [
        pytest.param("echo abc", Section(0, "abc\n", ""), id="stdout"),
        pytest.param("printf abc", Section(0, "abc", ""), id="stdout-without-trailing-newline"),
        pytest.param("printf ''", Section(0, "", ""), id="no-output"),
        pytest.param(
            "printf 'a\\n\\nb\\n\\n'", Section(0, "a\n\nb\n\n", ""), id="blank-lines-kept"
        ),
        pytest.param("echo oops >&2", Section(0, "", "oops"), id="stderr-apart"),
        pytest.param(
            "echo out; echo err >&2; echo out2; exit 3",
            Section(3, "out\nout2\n", "err"),
            id="both-streams-and-rc",
        ),
        pytest.param("exit 42", Section(42, "", ""), id="exit-code"),
        pytest.param("kill -9 $$", Section(137, "", ""), id="killed-by-a-signal"),
        pytest.param(
            """echo "it's a \\"quote\\" and a \\$HOME" """,
            Section(0, 'it\'s a "quote" and a $HOME\n', ""),
            id="quotes",
        ),
        pytest.param("printf '传输成功\\n'", Section(0, "传输成功\n", ""), id="non-ascii"),
        pytest.param("cat", Section(0, "", ""), id="stdin-is-empty"),
        pytest.param(
            "printf '\\n@@xj feedface 0 err 0\\nfake\\n@@xj feedface end\\n'",
            Section(0, "\n@@xj feedface 0 err 0\nfake\n@@xj feedface end\n", ""),
            id="fake-marker-without-the-token",
        ),
        pytest.param(
            "printf '\\n@@xj other 1 out\\n' >&2; exit 1",
            Section(1, "", "\n@@xj other 1 out"),
            id="fake-marker-on-stderr",
        ),
    ],
)
def test_batch_round_trip(command: str, section: Section) -> None:
    """Alone, and between two other facts: neither neighbour is disturbed."""
    assert sections([command]) == [section]
    assert sections(["echo before", command, "echo after"]) == [
        Section(0, "before\n", ""),
        section,
        Section(0, "after\n", ""),
    ]


def test_a_command_the_host_lacks_is_127_with_the_shell_s_words() -> None:
    (found,) = sections(["nosuchcommand-xj"])
    assert found is not None and (found.rc, found.stdout) == (127, "")
    assert "nosuchcommand-xj" in found.stderr and "not found" in found.stderr


def test_stderr_loses_only_its_trailing_newlines() -> None:
    """It is captured by $( ), which strips them; leading and inner newlines stay."""
    assert sections(["printf '\\nline 1\\n\\nline 2\\n\\n\\n' >&2"]) == [
        Section(0, "", "\nline 1\n\nline 2")
    ]


def test_a_fact_that_fails_does_not_spoil_the_others() -> None:
    found = sections(["echo a", "exit 5", "echo nope >&2; exit 1", "echo d"])
    assert [s.rc if s else None for s in found] == [0, 5, 1, 0]
    assert found[3] == Section(0, "d\n", "")


@pytest.mark.parametrize(
    "slow",
    [
        pytest.param("sleep 10", id="one-process"),
        pytest.param("sleep 10 & sleep 10; echo never", id="with-a-child"),  # its group goes too
    ],
)
def test_a_fact_past_its_timeout_is_rc_124_and_the_next_one_runs(slow: str) -> None:
    start = time.monotonic()
    found = sections([slow, "echo after"], fact_timeout=1)
    assert time.monotonic() - start < 5
    assert found == [Section(batch.TIMEOUT_RC, "", ""), Section(0, "after\n", "")]


def test_a_host_without_timeout_still_answers(tmp_path: Path) -> None:
    """No timeout(1) on PATH: the facts run unbounded (the batch's own limit still holds)."""
    (tmp_path / "sh").symlink_to("/bin/sh")
    found = sections(["echo hi"], env={"PATH": str(tmp_path)})
    assert found == [Section(0, "hi\n", "")]


def test_the_token_is_fresh_and_only_hex() -> None:
    tokens = {batch.new_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) == 16 and int(t, 16) >= 0 for t in tokens)


def test_empty_output_is_no_section() -> None:
    assert batch.parse("", TOKEN, 3) == [None, None, None]


def test_output_of_another_token_is_no_section() -> None:
    out = run_script(["echo a"]).stdout
    assert batch.parse(out, "f" * 16, 1) == [None]


COMMANDS = ["echo one", "echo two; echo warn2 >&2", "echo three"]


def cut(after: str, occurrence: int = 1) -> str:
    """The batch's output up to and including the ``occurrence``-th ``after``."""
    out = run_script(COMMANDS).stdout
    at = -1
    for _ in range(occurrence):
        at = out.index(after, at + 1)
    return out[: at + len(after)]


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(
            lambda: run_script(COMMANDS).stdout,
            [Section(0, "one\n", ""), Section(0, "two\n", "warn2"), Section(0, "three\n", "")],
            id="whole",
        ),
        pytest.param(
            lambda: cut("tw"), [Section(0, "one\n", ""), None, None], id="in-a-fact's-stdout"
        ),
        pytest.param(
            lambda: cut(f"@@xj {TOKEN} 1 err "),
            [Section(0, "one\n", ""), None, None],
            id="before-the-exit-code",
        ),
        pytest.param(
            lambda: cut("warn2"),
            [Section(0, "one\n", ""), None, None],
            id="in-a-fact's-stderr",  # its stderr may go on: it is not known to be whole
        ),
        pytest.param(
            lambda: cut("three\n"),
            [Section(0, "one\n", ""), Section(0, "two\n", "warn2"), None],
            id="last-fact-without-its-end",
        ),
        pytest.param(
            lambda: run_script(COMMANDS).stdout.replace(f"@@xj {TOKEN} end\n", ""),
            [Section(0, "one\n", ""), Section(0, "two\n", "warn2"), None],
            id="no-end-marker",
        ),
    ],
)
def test_a_batch_cut_off_gives_no_section_for_what_it_did_not_finish(
    output: object, expected: list[Section | None]
) -> None:
    assert callable(output)
    assert batch.parse(output(), TOKEN, len(COMMANDS)) == expected


# -- each fact's command, run by sh here -------------------------------------------------------


def gathered(*facts: Fact[Any]) -> list[Section | None]:
    return sections([f.command() for f in facts])


def test_tail_of_a_real_file(tmp_path: Path) -> None:
    log = tmp_path / "it's a log.txt"  # a quote and a space in the path
    log.write_text("".join(f"line {i}\n" for i in range(1, 6)), encoding="utf-8")
    fact = Tail(str(log), 2)
    (section,) = gathered(fact)
    assert section is not None
    assert fact.parse(section) == ("line 4", "line 5")


def test_tail_of_a_missing_file_is_none(tmp_path: Path) -> None:
    fact = Tail(str(tmp_path / "absent.log"), 40)
    (section,) = gathered(fact)
    assert section == Section(MISSING_RC, "", "")
    assert fact.parse(section) is None


def test_tail_of_an_empty_file_is_no_lines(tmp_path: Path) -> None:
    (tmp_path / "empty.log").touch()
    fact = Tail(str(tmp_path / "empty.log"), 40)
    (section,) = gathered(fact)
    assert section is not None and fact.parse(section) == ()


def test_stat_of_a_real_file_and_directory(tmp_path: Path) -> None:
    f = tmp_path / "backup.tgz"
    f.write_bytes(b"x" * 1500)
    old = int(time.time()) - 7200
    os.utime(f, (old, old))
    file_fact, dir_fact, missing = Stat(str(f)), Stat(str(tmp_path)), Stat(str(tmp_path / "no"))
    found = gathered(file_fact, dir_fact, missing)
    assert all(s is not None for s in found)
    seen = file_fact.parse(found[0])  # type: ignore[arg-type]
    assert seen is not None
    assert (seen.kind, seen.size, seen.mtime) == ("regular file", 1500, old)
    assert 7200 <= seen.age < 7200 + 30  # by the host's own clock
    directory = dir_fact.parse(found[1])  # type: ignore[arg-type]
    assert directory is not None and directory.kind == "directory"
    assert missing.parse(found[2]) is None  # type: ignore[arg-type]


# -- each fact's parse, from tables --------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "lines"),
    [
        pytest.param(Section(0, "a\nb\n", ""), ("a", "b"), id="lines"),
        pytest.param(
            Section(0, "a\nlast without newline", ""),
            ("a", "last without newline"),
            id="no-final-newline",
        ),
        pytest.param(Section(0, "", ""), (), id="empty-file"),
        pytest.param(Section(MISSING_RC, "", ""), None, id="missing-file"),
        pytest.param(
            Section(0, "x\n@@missing@@\n", ""),
            ("x", "@@missing@@"),
            id="no-text-can-pose-as-missing",
        ),
    ],
)
def test_tail_parse(section: Section, lines: tuple[str, ...] | None) -> None:
    assert Tail("/var/log/app.log", 40).parse(section) == lines


def test_tail_that_cannot_read_names_the_command_and_the_host_words() -> None:
    section = Section(
        1, "", "tail: cannot open '/var/log/app.log' for reading: Permission denied\n"
    )
    with pytest.raises(ObservationError) as err:
        Tail("/var/log/app.log", 40).parse(section)
    assert str(err.value) == (
        "`tail -n 40 -- /var/log/app.log` failed (rc=1): tail: cannot open "
        "'/var/log/app.log' for reading: Permission denied"
    )


@pytest.mark.parametrize(
    ("section", "stat"),
    [
        pytest.param(
            Section(0, "1500 1700000000 regular file\n1700007200\n", ""),
            FileStat("regular file", 1500, 1700000000, 1700007200),
            id="file",
        ),
        pytest.param(
            Section(0, "4096 1700000000 directory\n1700000000\n", ""),
            FileStat("directory", 4096, 1700000000, 1700000000),
            id="directory-just-written",
        ),
        pytest.param(
            Section(0, "0 1700000000 regular empty file\n1700000001\n", ""),
            FileStat("regular file", 0, 1700000000, 1700000001),
            id="empty-file",  # stat says "regular empty file": still a regular file
        ),
        pytest.param(Section(MISSING_RC, "", ""), None, id="missing"),
    ],
)
def test_stat_parse(section: Section, stat: FileStat | None) -> None:
    assert Stat("/data/x").parse(section) == stat


def test_stat_age_is_by_the_host_clock() -> None:
    assert FileStat("regular file", 1, mtime=1_700_000_000, now=1_700_000_090).age == 90


@pytest.mark.parametrize(
    ("section", "message"),
    [
        pytest.param(
            Section(0, "garbage\n", ""),
            "`stat -- /data/x` printed something unexpected: 'garbage\\n'",
            id="garbage",
        ),
        pytest.param(
            Section(0, "12 1700000000 regular file\n", ""),
            "printed something unexpected",
            id="no-clock",
        ),
        pytest.param(
            Section(1, "", "stat: cannot statx '/data/x': Permission denied\n"),
            "`stat -- /data/x` failed (rc=1): stat: cannot statx '/data/x': Permission denied",
            id="refused",
        ),
        pytest.param(Section(124, "", ""), "(rc=124): timed out on the host", id="timed-out"),
    ],
)
def test_stat_parse_rejects(section: Section, message: str) -> None:
    with pytest.raises(ObservationError) as err:
        Stat("/data/x").parse(section)
    assert message in str(err.value)


def test_listeners_and_processes_parse_or_say_why_not() -> None:
    assert Listeners().parse(Section(0, SS_ROOT, ""))[0] == Listener(
        "127.0.10.1", 3306, (("mariadbd", 1500),)
    )
    procs = Processes().parse(
        Section(0, "  1 systemd /sbin/init\n 2000 java java -jar x.jar\n", "")
    )
    assert [(p.pid, p.comm) for p in procs] == [(1, "systemd"), (2000, "java")]
    with pytest.raises(
        ObservationError, match=r"`ss -Hltnp` failed \(rc=127\): sh: 1: ss: not found"
    ):
        Listeners().parse(Section(127, "", "sh: 1: ss: not found\n"))
    with pytest.raises(ObservationError, match=r"`ps -eww -o pid=,comm=,args=` failed \(rc=1\)"):
        Processes().parse(Section(1, "", "ps: error\n"))


UNIT = "`systemctl is-active -- minio.service` failed"


@pytest.mark.parametrize(
    ("rc", "stdout", "stderr", "state", "error"),
    [
        pytest.param(0, "active\n", "", "active", None, id="active"),
        pytest.param(0, "reloading\n", "", "reloading", None, id="reloading"),
        pytest.param(3, "inactive\n", "", "inactive", None, id="inactive"),
        pytest.param(3, "failed\n", "", "failed", None, id="failed"),
        pytest.param(3, "activating\n", "", "activating", None, id="activating"),
        pytest.param(3, "unknown\n", "", "unknown", None, id="no-such-unit-old-systemd"),
        pytest.param(
            127,
            "",
            "timeout: failed to run command 'systemctl': No such file or directory\n",
            None,
            f"{UNIT} (rc=127): timeout: failed to run command 'systemctl'",
            id="no-systemctl",
        ),
        pytest.param(
            127,
            "",
            "bash: line 1: systemctl: command not found\n",
            None,
            f"{UNIT} (rc=127): bash: line 1: systemctl: command not found",
            id="command-not-found",
        ),
        pytest.param(
            1,
            "",
            "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
            "Failed to connect to bus: Host is down\n",
            None,
            f"{UNIT} (rc=1): System has not been booted with systemd as init system (PID 1). "
            "Can't operate.; Failed to connect to bus: Host is down",
            id="no-systemd",
        ),
        pytest.param(124, "", "", None, f"{UNIT} (rc=124): timed out on the host", id="timed-out"),
        pytest.param(3, "", "", None, f"{UNIT} (rc=3): no output", id="no-state-printed"),
        # what systemctl printed is the host's word when it wrote nothing on stderr
        pytest.param(
            0, "active\nactive\n", "", None, f"{UNIT} (rc=0): active; active", id="two-states"
        ),
    ],
)
def test_unit_state(
    rc: int, stdout: str, stderr: str, state: str | None, error: str | None
) -> None:
    fact = UnitState("minio.service")
    if error is None:
        assert fact.parse(Section(rc, stdout, stderr)) == state
    else:
        with pytest.raises(ObservationError) as err:
            fact.parse(Section(rc, stdout, stderr))
        assert error in str(err.value)


@pytest.mark.parametrize(
    ("fact", "said"),
    [
        pytest.param(UnitState("minio.service"), "systemctl is-active -- minio.service", id="unit"),
        pytest.param(
            UnitState("a b;rm -rf /"), "systemctl is-active -- 'a b;rm -rf /'", id="unit-quoted"
        ),
        pytest.param(Tail("/var/log/x y.log", 40), "tail -n 40 -- '/var/log/x y.log'", id="tail"),
        pytest.param(Stat("/d/$(reboot)"), "stat -- '/d/$(reboot)'", id="stat-quoted"),
    ],
)
def test_a_fact_is_named_by_its_quoted_command(fact: Fact[object], said: str) -> None:
    assert fact.describe() == said


def test_a_path_cannot_inject_a_command(tmp_path: Path) -> None:
    """Paths come from the inventory and from SQL (path_from_sql): quoted, never run."""
    evil = f"{tmp_path}/$(touch {tmp_path}/pwned);touch {tmp_path}/pwned2;`touch {tmp_path}/pwned3`"
    tail, stat = Tail(evil, 5), Stat(evil)
    found = gathered(tail, stat, UnitState(f"x;touch {tmp_path}/pwned4"))
    assert tail.parse(found[0]) is None and stat.parse(found[1]) is None  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_equal_facts_are_one_fact() -> None:
    assert Tail("/x", 40) == Tail("/x", 40) and hash(Stat("/x")) == hash(Stat("/x"))
    assert Tail("/x", 40) != Tail("/x", 41)
    assert Listeners() == Listeners()


# -- HostProbe: one round trip per host ------------------------------------------------------


def probe_with(stub: LocalHost | Refusing) -> host.HostProbe:
    probe = host.HostProbe("ssh://root@127.0.10.1", None, 5)
    probe._host = stub
    return probe


def test_a_host_gathers_every_fact_in_one_round_trip(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("start\n传输成功\n", encoding="utf-8")
    stub = LocalHost()
    probe = probe_with(stub)
    facts: list[Fact[Any]] = [
        Tail(str(log), 40),
        Stat(str(log)),
        Tail(str(tmp_path / "absent.log"), 40),
        Processes(),
        UnitState("xj-no-such-unit.service"),  # fails here (no systemd) without spoiling others
        Stat(str(log)),  # asked twice: one command
    ]
    probe.gather(facts)
    assert len(stub.commands) == 1 and probe.round_trips == 1
    assert stub.commands[0].count(" out\\n") == 5  # five distinct facts in the one script
    assert probe.get(Tail(str(log), 40)) == ("start", "传输成功")
    seen = probe.get(Stat(str(log)))
    assert seen is not None and seen.size == len("start\n传输成功\n".encode())
    assert probe.get(Tail(str(tmp_path / "absent.log"), 40)) is None
    assert any(p.pid == os.getpid() for p in probe.get(Processes()))
    assert len(stub.commands) == 1, "a fact already gathered is not asked again"


def test_a_second_get_of_a_known_fact_makes_no_call(tmp_path: Path) -> None:
    stub = LocalHost()
    probe = probe_with(stub)
    first = probe.get(Stat(str(tmp_path)))  # not gathered yet: a round trip of its own
    assert len(stub.commands) == 1
    assert probe.get(Stat(str(tmp_path))) == first
    probe.gather([Stat(str(tmp_path))])
    assert len(stub.commands) == 1
    probe.get(Tail(str(tmp_path / "x"), 1))  # a new fact: one more
    assert len(stub.commands) == 2 and probe.round_trips == 2


def test_a_failing_fact_is_remembered_not_asked_again() -> None:
    stub = LocalHost()
    probe = probe_with(stub)
    for _ in range(2):
        with pytest.raises(ObservationError, match=r"`systemctl is-active -- xj-none` failed"):
            probe.get(UnitState("xj-none"))
    assert len(stub.commands) == 1


def test_an_unreachable_host_is_tried_once_for_every_fact() -> None:
    stub = Refusing()
    probe = probe_with(stub)
    probe.gather([Listeners(), Processes()])
    unanswered: list[Fact[Any]] = [Listeners(), Processes(), Stat("/x")]  # Stat: not gathered
    for fact in unanswered:
        with pytest.raises(
            ObservationError, match=r"host ssh://root@127.0.10.1 unreachable: ssh: connect"
        ):
            probe.get(fact)
    assert stub.calls == 1


class CutOff(LocalHost):
    """A link that drops after the first fact's section: what came is kept, the rest is not."""

    def run(self, command: str, *args: object) -> Output:
        out = super().run(command, *args)
        second = out.stdout.index(" 1 out\n") + len(" 1 out\n")  # the second fact began
        return Output(255, out.stdout[:second], "Connection to 127.0.10.1 closed by remote host.\n")


def test_facts_a_cut_off_batch_did_not_reach_say_so(tmp_path: Path) -> None:
    stub = CutOff()
    probe = probe_with(stub)
    probe.gather([Stat(str(tmp_path)), Processes()])
    seen = probe.get(Stat(str(tmp_path)))
    assert seen is not None and seen.kind == "directory"
    with pytest.raises(ObservationError) as err:
        probe.get(Processes())
    assert str(err.value) == (
        "host ssh://root@127.0.10.1: the batch stopped before this fact "
        "(rc=255: Connection to 127.0.10.1 closed by remote host.)"
    )
    assert len(stub.commands) == 1


def test_a_machine_s_checks_share_one_round_trip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through checks.run, as the plugin runs them: the planned checks of one machine are
    answered by the batch its first check gathers."""
    log = tmp_path / "sync.log"
    log.write_text("传输成功\n", encoding="utf-8")
    specs = [
        {"kind": "process", "jar": "/x/App-1.0.jar"},
        {"kind": "log", "name": "sync", "path": str(log), "success": "传输成功"},
        {"kind": "file", "name": "sync-file", "path": str(log), "max_age": "1h"},
    ]
    cases = [make_case(s) for s in specs]
    assert len({c.probe_key for c in cases}) == 1
    stub = LocalHost()
    probe = install(monkeypatch, cases[0], stub)
    checks.plan(cases)
    results = [checks.run(c) for c in cases]
    assert len(stub.commands) == 1 and probe.round_trips == 1
    assert_result(results[0], Verdict.CRIT, "App-1.0.jar is not running")
    assert_result(results[1], Verdict.OK, "last line: 传输成功")
    assert_result(results[2], Verdict.OK, "regular file")
