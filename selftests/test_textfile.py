"""The Prometheus textfile: parsed back with prometheus-client's own parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from xunjian.report.textfile import CheckSample, render, write_textfile
from xunjian.result import Verdict

FINISHED = datetime(2025, 1, 10, 1, 30, tzinfo=timezone(timedelta(hours=8)))
SAMPLES = [
    CheckSample("thqh-miniapp-1.1-port-3306", "thqh 天启", "miniapp 127.0.10.1", "1.1 端口检查", "port", "critical", Verdict.OK),
    CheckSample("thqh-miniapp-1.2-process-java", "thqh 天启", "miniapp 127.0.10.1", "1.2 检查服务进程", "process", "normal", Verdict.WARN),
    CheckSample("thqh-db-2.1-sql-orders", "thqh 天启", "db 127.0.10.2", "2.1 \"订单\" \\ 表", "sql", "blocker", Verdict.CRIT),
    CheckSample("cp-web-1.1-http-login", "creditpilot", "web 127.0.10.3", "1.1 登录", "http", "minor", Verdict.UNKNOWN),
]  # fmt: skip


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        f.name: [(dict(s.labels), s.value) for s in f.samples]
        for f in text_string_to_metric_families(text)
    }


def test_the_file_parses_and_holds_every_sample(tmp_path: Path) -> None:
    path = write_textfile(tmp_path / "textfile" / "xunjian.prom", SAMPLES, 93.25, FINISHED)
    assert [p.name for p in path.parent.iterdir()] == ["xunjian.prom"]  # no temporary left
    found = families(path.read_text(encoding="utf-8"))
    assert found["xunjian_run_duration_seconds"] == [({}, 93.25)]
    assert found["xunjian_run_timestamp_seconds"] == [({}, 1736443800.0)]
    assert found["xunjian_check_verdict"] == [
        (
            {
                "system": s.system,
                "host": s.host,
                "step": s.step,  # Chinese, quotes and backslashes survive
                "kind": s.kind,
                "level": s.level,
                "check": s.check_id,
            },
            value,
        )
        for s, value in zip(SAMPLES, (0.0, 1.0, 2.0, 3.0), strict=True)
    ]


def test_a_fresh_registry_each_time() -> None:
    first = families(render(SAMPLES, 1, FINISHED))
    second = families(render(SAMPLES[:1], 2, FINISHED))
    assert len(first["xunjian_check_verdict"]) == 4
    assert len(second["xunjian_check_verdict"]) == 1
    assert second["xunjian_run_duration_seconds"] == [({}, 2.0)]
    assert set(second) == {
        "xunjian_check_verdict",
        "xunjian_run_duration_seconds",
        "xunjian_run_timestamp_seconds",
    }  # nothing of the process's default registry (python_gc_*, process_*)


def test_no_checks_still_says_when_the_run_was() -> None:
    found = families(render([], 0, FINISHED.astimezone(UTC)))
    assert found["xunjian_check_verdict"] == []
    assert found["xunjian_run_timestamp_seconds"] == [({}, 1736443800.0)]


def test_rewriting_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "xunjian.prom"
    write_textfile(path, SAMPLES, 1, FINISHED)
    write_textfile(path, SAMPLES[3:], 1, FINISHED)
    assert len(families(path.read_text(encoding="utf-8"))["xunjian_check_verdict"]) == 1


@pytest.mark.parametrize(
    ("path", "samples", "duration", "finished", "said"),
    [
        ("out/xunjian.txt", SAMPLES, 1.0, FINISHED, "out/xunjian.txt: node_exporter's textfile collector reads only *.prom files"),
        ("x.prom", SAMPLES, -1.0, FINISHED, "duration_seconds -1.0 is negative"),
        ("x.prom", SAMPLES, 1.0, datetime(2025, 1, 10, 1, 30), "finished 2025-01-10T01:30:00 has no timezone"),
        ("x.prom", [SAMPLES[0], SAMPLES[0]], 1.0, FINISHED, "check 'thqh-miniapp-1.1-port-3306' is given twice"),
    ],
)  # fmt: skip
def test_rejects(
    tmp_path: Path,
    path: str,
    samples: list[CheckSample],
    duration: float,
    finished: datetime,
    said: str,
) -> None:
    with pytest.raises(ValueError) as e:
        write_textfile(tmp_path / path, samples, duration, finished)
    assert str(e.value).removeprefix(f"{tmp_path}/").startswith(said)
    assert not list(tmp_path.rglob("*"))
