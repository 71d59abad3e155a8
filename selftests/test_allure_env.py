"""Allure's environment.properties, categories.json (matched against real failure texts) and the
history carried from the previous report."""

from __future__ import annotations

import base64
import json
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cases import make_case

from xunjian.outcome import failure_text
from xunjian.report.allure_env import (
    CATEGORIES,
    carry_history,
    environment,
    escape_property,
    write_categories,
    write_environment,
    xunjian_version,
)
from xunjian.result import Result, Verdict

PORT = {"kind": "port", "port": 3306}
# the runbook's own words must not sort a failure: only the verdict and the reason count
STEP = {"title": "检查端口", "normal": "LISTEN", "remedy": "connection refused or timeout: restart"}


@pytest.mark.parametrize(
    ("text", "key", "escaped"),
    [
        ("inventory", True, "inventory"),
        ("inventory/lab.yml", False, "inventory/lab.yml"),
        ("a b", True, "a\\ b"),
        ("a b", False, "a b"),
        ("  lead", False, "\\  lead"),  # as Java: the first space keeps the rest
        ("k=v:w#x!y\\z", False, "k\\=v\\:w\\#x\\!y\\\\z"),
        ("a\tb\nc\rd\fe", False, "a\\tb\\nc\\rd\\fe"),
        ("巡检 天启", False, "\\u5DE1\\u68C0 \\u5929\\u542F"),
        ("é~\x7f\x01", False, "\\u00E9~\\u007F\\u0001"),
        ("🙂", False, "\\uD83D\\uDE42"),  # UTF-16, as Java's chars
        ("", False, ""),
    ],
)
def test_escape_property(text: str, key: bool, escaped: str) -> None:
    assert escape_property(text, key=key) == escaped


def test_environment_properties(tmp_path: Path) -> None:
    entries = environment(["inventory/lab.yml", "inventory/天启.yml"], host="runner 1")
    assert entries == {
        "inventory": "inventory/lab.yml, inventory/天启.yml",
        "runner.host": "runner 1",
        "xunjian.version": xunjian_version(),
        "python.version": platform.python_version(),
    }
    path = write_environment(tmp_path / "allure-results", entries)
    assert path.read_bytes().decode("ascii").splitlines() == [
        "inventory=inventory/lab.yml, inventory/\\u5929\\u542F.yml",
        "runner.host=runner 1",
        f"xunjian.version={xunjian_version()}",
        f"python.version={platform.python_version()}",
    ]
    assert environment([])["runner.host"]  # this machine's name by default
    with pytest.raises(ValueError, match="an environment entry has an empty name"):
        write_environment(tmp_path, {"": "x"})


def test_categories_json(tmp_path: Path) -> None:
    written = json.loads(write_categories(tmp_path).read_text(encoding="utf-8"))
    assert written == CATEGORIES
    assert [c["name"] for c in written] == [
        "UNKNOWN: unreachable",
        "UNKNOWN: timeout",
        "UNKNOWN: other",
        "CRIT",
        "WARN",
    ]
    for c in written:
        assert set(c) == {"name", "matchedStatuses", "messageRegex"}
        assert c["matchedStatuses"] == ["failed"]


def categories_of(message: str) -> list[str]:
    """The categories Allure puts a failed result in (Java's String.matches: a full match)."""
    return [str(c["name"]) for c in CATEGORIES if re.fullmatch(str(c["messageRegex"]), message)]


def unknown(reason: str) -> Result:
    return Result.unknown("port 3306 listening", reason)


SORTED = [
    (unknown("host ssh://root@127.0.10.250:22 unreachable: ssh: connect to host 127.0.10.250 port 22: Connection refused"), "UNKNOWN: unreachable"),
    (unknown("host paramiko://root@127.0.10.250 unreachable: Authentication failed."), "UNKNOWN: unreachable"),
    (unknown("cannot open ssh://root@bad host: Invalid host"), "UNKNOWN: unreachable"),
    (unknown("ssh root@127.0.10.1:2222: no answer within 12 s (login)"), "UNKNOWN: unreachable"),
    (unknown("mysql app@127.0.10.2:3306/thqh: Access denied for user 'app'@'127.0.0.1' (using password: YES)"), "UNKNOWN: unreachable"),
    (unknown("mysql app@127.0.10.2:3306/thqh: Can't connect to MySQL server on '127.0.10.2' ([Errno 111] Connection refused)"), "UNKNOWN: unreachable"),
    (unknown('postgresql app@127.0.10.2:5432/cp: connection failed: FATAL:  password authentication failed for user "app"'), "UNKNOWN: unreachable"),
    (unknown("GET http://127.0.10.3/login: ConnectionError"), "UNKNOWN: unreachable"),
    (unknown("GET http://127.0.10.5:8080/ (from the host): curl: (7) Failed to connect to 127.0.10.5 port 8080"), "UNKNOWN: unreachable"),
    (Result(Verdict.UNKNOWN, "3306 reachable", "LISTEN; outside: timed out", "port 3306 listens but is not reachable from the runner"), "UNKNOWN: unreachable"),
    (unknown("mysql app@127.0.10.2:3306/thqh: no answer within 15 s (query)"), "UNKNOWN: timeout"),
    (unknown("postgresql app@127.0.10.2:5432/cp: the query ran past statement_timeout (5 s)"), "UNKNOWN: timeout"),
    (unknown("http://127.0.10.5:8333 timed out after 10s"), "UNKNOWN: timeout"),
    (unknown("host ssh://root@127.0.10.1 did not answer within 77s"), "UNKNOWN: timeout"),
    (unknown("GET https://127.0.10.3/: ReadTimeout"), "UNKNOWN: timeout"),
    (unknown("query rejected by thqh: Table 'thqh.orders' doesn't exist"), "UNKNOWN: other"),
    (unknown("`ss -Hltnp` failed (rc=127): sh: ss: not found"), "UNKNOWN: other"),
    (Result(Verdict.UNKNOWN, "owned by java", "LISTEN", "socket owners are not visible (ss needs root)"), "UNKNOWN: other"),
    (Result.crit("port 3306 listening", "nothing listens", "port 3306 is not listening"), "CRIT"),
    (Result.crit("no rows", "2 row(s)", "connection refused twice in the log"), "CRIT"),
    (Result.warn("disk < 80%", "85%", "disk 85% used: timed out soon"), "WARN"),
]  # fmt: skip


@pytest.mark.parametrize(("result", "category"), SORTED)
def test_each_failure_is_in_exactly_one_category(result: Result, category: str) -> None:
    text = failure_text(make_case(PORT, step=STEP), result)
    assert categories_of(f"Failed: {text}") == [category]
    assert categories_of(text) == [category]  # without pytest's prefix too


def test_categories_match_what_allure_pytest_records(pytester: pytest.Pytester) -> None:
    """The messages as allure-pytest writes them, from tests failed as ``conclude`` fails them."""
    picked = [SORTED[0], SORTED[10], SORTED[15], SORTED[18]]
    texts = [failure_text(make_case(PORT, step=STEP), r) for r, _ in picked]
    pytester.makepyfile(
        "import pytest\n"
        f"TEXTS = {texts!r}\n"
        "@pytest.mark.parametrize('n', range(len(TEXTS)))\n"
        "def test_check(n):\n"
        "    pytest.fail(TEXTS[n], pytrace=False)\n"
    )
    out = pytester.path / "allure-results"
    pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--alluredir={out}").assert_outcomes(
        failed=4
    )
    found = {}
    for f in out.glob("*-result.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        assert data["status"] == "failed"
        found[data["parameters"][0]["value"]] = categories_of(data["statusDetails"]["message"])
    assert found == {str(n): [category] for n, (_, category) in enumerate(picked)}


def test_carry_history(tmp_path: Path) -> None:
    report, results = tmp_path / "allure-report", tmp_path / "allure-results"
    (report / "history").mkdir(parents=True)
    for name in ("history.json", "history-trend.json", "duration-trend.json"):
        (report / "history" / name).write_text(f'{{"from": "{name}"}}', encoding="utf-8")
    (report / "history" / "notes.txt").write_text("not Allure's", encoding="utf-8")
    (report / "index.html").write_text("<html>", encoding="utf-8")
    assert carry_history(report, results) == 3
    carried = sorted(p.name for p in (results / "history").iterdir())
    assert carried == ["duration-trend.json", "history-trend.json", "history.json"]
    assert (results / "history" / "history.json").read_text() == '{"from": "history.json"}'
    assert not (results / "index.html").exists()
    # a second carry over the same results replaces the files
    (report / "history" / "history.json").write_text('{"from": "newer"}', encoding="utf-8")
    assert carry_history(report, results) == 3
    assert (results / "history" / "history.json").read_text() == '{"from": "newer"}'


def test_carry_history_without_a_previous_report(tmp_path: Path) -> None:
    results = tmp_path / "allure-results"
    assert carry_history(tmp_path / "never-generated", results) == 0
    (tmp_path / "empty-report").mkdir()
    assert carry_history(tmp_path / "empty-report", results) == 0
    assert not results.exists()


JAVA_CHECK = """
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class Check {
    static String unb64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        List<String> regexes = Files.readAllLines(Paths.get(args[0]));
        for (String message : Files.readAllLines(Paths.get(args[1]))) {
            List<String> hits = new ArrayList<>();
            for (int i = 0; i < regexes.size(); i++) {
                if (unb64(message).matches(unb64(regexes.get(i)))) hits.add(String.valueOf(i));
            }
            System.out.println("match " + String.join(",", hits));
        }
        Properties props = new Properties();
        try (var in = Files.newInputStream(Paths.get(args[2]))) { props.load(in); }
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            String both = key + "=" + props.getProperty(key);
            System.out.println("prop " + Base64.getEncoder().encodeToString(both.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
"""


@pytest.mark.skipif(not shutil.which("java"), reason="no java to read the files as Allure does")
def test_java_reads_the_files_as_meant(tmp_path: Path) -> None:
    """Allure is Java: its String.matches and java.util.Properties, not Python's re."""

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    messages = [f"Failed: {failure_text(make_case(PORT, step=STEP), r)}" for r, _ in SORTED]
    (tmp_path / "regexes").write_text(
        "".join(b64(str(c["messageRegex"])) + "\n" for c in CATEGORIES)
    )
    (tmp_path / "messages").write_text("".join(b64(m) + "\n" for m in messages))
    entries = {"inventory": "inventory/天启.yml, b=c", "key with space": "  lead 🙂 #!:\\ end\n"}
    props = write_environment(tmp_path, entries)
    (tmp_path / "Check.java").write_text(JAVA_CHECK)
    done = subprocess.run(
        ["java", str(tmp_path / "Check.java"), str(tmp_path / "regexes"), str(tmp_path / "messages"), str(props)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    names = [str(c["name"]) for c in CATEGORIES]
    matched = [
        [names[int(i)] for i in ln.removeprefix("match ").split(",") if i]
        for ln in lines[: len(SORTED)]
    ]
    assert matched == [[category] for _, category in SORTED]
    loaded = [
        base64.b64decode(ln.removeprefix("prop ")).decode("utf-8") for ln in lines[len(SORTED) :]
    ]
    assert loaded == [f"{k}={v}" for k, v in sorted(entries.items())]
