"""privacy: unmasked mobile numbers, valid ID numbers and e-mail addresses in recent log lines;
a finding names file, line and type, never the value (pure, accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import pii, privacy
from xunjian.observe.batch import Section
from xunjian.observe.logscan import FileLines, RecentLines, Scanned
from xunjian.result import Verdict

OK, CRIT, UNKNOWN = Verdict.OK, Verdict.CRIT, Verdict.UNKNOWN
GLOB = "/var/log/mindguard/*.log"
CHECK: dict[str, Any] = {"kind": "privacy", "name": "app-logs", "paths": [GLOB], "lines": 2000,
                         "find": ["mobile", "id_number", "email"]}  # fmt: skip
PHONE = "13812345678"
ID_OK = "11010519491231002X"  # GB 11643's own example: valid check digit X
ID_BAD = "110105194912310021"  # same digits, wrong check digit
MAIL = "zhang.san@example.com"


@pytest.mark.parametrize(
    ("line", "found"),
    [
        (f"user {PHONE} checked in", ["mobile"]),
        (f"phone=+86{PHONE};", ["mobile"]),
        (f"tel 0086{PHONE}", ["mobile"]),
        (f"n=7786{PHONE}", []),
        ("user 138****5678 checked in", []),  # masked
        (f"order 9{PHONE}0 paid", []),  # inside a longer digit run
        ("ts=1795650463123", []),  # 13 digits: not a phone
        (f"id {ID_OK} ok", ["id_number"]),
        (f"id {ID_OK.lower()} ok", ["id_number"]),
        (f"id {ID_BAD} ok", []),  # check digit wrong: a long number, not an ID
        ("id 1101**********002X", []),
        (f"mail {MAIL}", ["email"]),
        ("mail z***@example.com", []),
        ("at 2026-11-25T12:00:00 user@localhost", []),  # no top-level domain
        (f"{PHONE} {MAIL} {ID_OK}", ["mobile", "id_number", "email"]),
    ],
)
def test_detectors(line: str, found: list[str]) -> None:
    assert pii.found(line) == found


def test_check_digit() -> None:
    assert pii.id_check_digit(ID_OK[:17]) == "X" and pii.valid_id(ID_OK)
    assert not pii.valid_id(ID_BAD)


def scanned(*lines: str, path: str = "/var/log/mindguard/app.log", first: int = 1) -> Any:
    numbered = tuple((first + i, text) for i, text in enumerate(lines))
    return ((GLOB, Scanned((FileLines(path, numbered),))),)


def test_a_finding_names_file_line_and_type_never_the_value() -> None:
    obs = scanned("ok", f"login {PHONE} from {MAIL}", "ok", f"id {ID_OK}", first=1001)
    result = privacy.evaluate(make_case(CHECK), obs)
    assert_result(result, CRIT, "unmasked personal data: 1 email, 1 id_number, 1 mobile")
    assert result.details == (
        "/var/log/mindguard/app.log:1002: mobile",
        "/var/log/mindguard/app.log:1002: email",
        "/var/log/mindguard/app.log:1004: id_number",
    )
    text = repr(result)
    for value in (PHONE, MAIL, ID_OK, "login"):
        assert value not in text


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(CHECK, scanned("user 138****5678 ok", "a***@b.cn"), OK, "2 line(s) of 1 file(s)", id="masked"),
        pytest.param({**CHECK, "find": ["email"]}, scanned(f"{PHONE}"), OK, "", id="only-what-is-asked"),
        pytest.param(CHECK, ((GLOB, None),), CRIT, "no log file to scan", id="no-directory"),
        pytest.param(CHECK, ((GLOB, Scanned()),), CRIT, "no log file to scan", id="no-file"),
        pytest.param(CHECK, ((GLOB, Scanned((), ("/var/log/mindguard/x.log",))),), UNKNOWN,
                     "cannot read /var/log/mindguard/x.log", id="unreadable"),
    ],
)  # fmt: skip
def test_evaluate(spec: dict[str, Any], obs: Any, verdict: Verdict, text: str) -> None:
    assert_result(privacy.evaluate(make_case(spec), obs), verdict, text)


def test_many_findings_are_cut() -> None:
    result = privacy.evaluate(make_case(CHECK), scanned(*[PHONE] * 25))
    assert len(result.details) == privacy.SHOWN + 1 and result.details[-1] == "... and 15 more"


def test_scan_output_is_parsed_and_a_log_line_cannot_pose_as_a_header() -> None:
    out = "@/l/a.log\n|7\t@/l/fake.log\n|8\tplain\n!/l/secret.log\n@/l/b.log\n|1\tx\n"
    got = RecentLines("/l/*.log", 2).parse(Section(0, out, ""))
    assert got == Scanned(
        (
            FileLines("/l/a.log", ((7, "@/l/fake.log"), (8, "plain"))),
            FileLines("/l/b.log", ((1, "x"),)),
        ),
        ("/l/secret.log",),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**CHECK, "paths": ["/var/log/*/app.log"]}, "wildcards only in the last part"),
        ({**CHECK, "paths": ["logs/*.log"]}, "expected an absolute path"),
        ({**CHECK, "paths": []}, "paths"),
        ({**CHECK, "find": ["passport"]}, "find"),
    ],
)
def test_bad_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_case(spec)
