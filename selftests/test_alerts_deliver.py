"""Delivery end to end against the lab receiver and mail sink, started here on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from xunjian.alerts import AlertItem, AlertsConfig, RunSummary, check_secrets, deliver, dry_run
from xunjian.alerts.digest import headline
from xunjian.alerts.render import render
from xunjian.inventory.secrets import Secrets, forms
from xunjian.lab.receiver import RATE_LIMITED, Bot, MailSink, Receiver, read_journal

CANARY = "SECcanary-7f3a9e1d-do-not-leak"
ENV = {
    "FS_TOKEN": "fs-token-3c1e0a",
    "FS_SECRET": CANARY,
    "DT_TOKEN": "dt-token-9d8e7f",
    "DT_SECRET": "SECding-5b2c4d6e",
    "WC_KEY": "wc-key-0a1b2c3d",
}
BOTS = [
    Bot("feishu", ENV["FS_TOKEN"], ENV["FS_SECRET"], "ops-feishu"),
    Bot("dingtalk", ENV["DT_TOKEN"], ENV["DT_SECRET"], "ops-ding"),
    Bot("wecom", ENV["WC_KEY"], name="dba-wecom"),
]
NAMES = ["ops-feishu", "ops-ding", "dba-wecom", "dba-mail"]


def item(check_id: str, verdict: str, level: str = "P0", **over: str) -> AlertItem:
    fields = {
        "system": "thqh 天启",
        "host": "app01",
        "step": "1.1",
        "title": "端口监听",
        "expected": "3306 listening",
        "actual": "nothing on 3306",
        "remedy": "重启 mysql: systemctl restart mysqld",
    } | over
    return AlertItem(check_id=check_id, verdict=verdict, level=level, **fields)  # type: ignore[arg-type]


SUMMARY = RunSummary(
    items=(
        item("thqh-app01-1.1-port-3306", "CRIT", history="failing since 2026-11-20 (3 runs)"),
        item(
            "thqh-app01-1.3-disk-root",
            "WARN",
            "P2",
            step="1.3",
            title="磁盘",
            expected="< 80%",
            actual="85%",
            remedy="清理日志",
        ),
        item("thqh-app01-1.2-proc", "OK", step="1.2", title="进程"),
    ),
    started=datetime(2026, 11, 21, 8, 0),
    recovered=(item("thqh-app01-1.2-java", "OK", "P1", step="1.2", title="进程"),),
    report_url="http://127.0.0.1:8000/report.html",
    inventories=("lab.yml",),
)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with Receiver(BOTS, journal=tmp_path / "deliveries.jsonl").start() as rx:
        yield rx


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink(tmp_path / "deliveries.jsonl", name="dba-mail").start() as mx:
        yield mx


def make_config(rx: Receiver, mx: MailSink, **over: Any) -> AlertsConfig:
    raw = {
        "channels": {
            "ops-feishu": {
                "kind": "feishu",
                "base_url": rx.url("feishu"),
                "token": "${FS_TOKEN}",
                "secret": "${FS_SECRET}",
            },
            "ops-ding": {
                "kind": "dingtalk",
                "base_url": rx.url("dingtalk"),
                "token": "${DT_TOKEN}",
                "secret": "${DT_SECRET}",
            },
            "dba-wecom": {"kind": "wecom", "base_url": rx.url("wecom"), "key": "${WC_KEY}"},
            "dba-mail": {
                "kind": "mail",
                "host": "127.0.0.1",
                "port": mx.port,
                "security": "none",
                "sender": "xunjian@lab.invalid",
                "to": ["ops@lab.invalid", "dba@lab.invalid"],
            },
        },
        "routes": [{"levels": ["P0", "P1", "P2", "P3"], "channels": NAMES}],
        "backoff": 0.5,
    }
    return AlertsConfig.model_validate(raw | over)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run(
    rx: Receiver, mx: MailSink, env: dict[str, str] = ENV, **kw: Any
) -> tuple[dict[str, Any], Sleeps]:
    sleeps = Sleeps()
    outcomes = deliver(make_config(rx, mx), SUMMARY, secrets=Secrets(env), sleep=sleeps, **kw)
    assert [o.channel for o in outcomes] == NAMES
    return {o.channel: o for o in outcomes}, sleeps


def test_one_signed_message_per_channel_arrives(
    receiver: Receiver, sink: MailSink, tmp_path: Path
) -> None:
    outcomes, sleeps = run(receiver, sink)
    assert all(o.delivered and o.attempts == 1 for o in outcomes.values()), outcomes
    assert sleeps == []
    texts = render(make_config(receiver, sink), SUMMARY)
    got = {d.bot: d for d in receiver.received + sink.received}
    assert {name: got[name].text for name in NAMES} == texts
    assert got["ops-feishu"].body["msg_type"] == "text"
    assert got["ops-ding"].body["msgtype"] == "text"
    assert got["dba-wecom"].body["msgtype"] == "markdown"
    assert got["dba-mail"].body == {
        "from": "xunjian@lab.invalid",
        "to": ["ops@lab.invalid", "dba@lab.invalid"],
        "subject": headline(SUMMARY),
    }
    # another process reads back what was delivered
    assert sorted(d.bot for d in read_journal(tmp_path / "deliveries.jsonl")) == sorted(NAMES)


def test_the_dry_run_shows_what_is_sent_and_no_secret(receiver: Receiver, sink: MailSink) -> None:
    config = make_config(receiver, sink)
    shown = dry_run(config, SUMMARY)
    assert f"--- alert to ops-feishu (feishu): POST {receiver.url('feishu')}" in shown
    assert "/open-apis/bot/v2/hook/***, signed;" in shown
    assert "/cgi-bin/webhook/send?key=***;" in shown
    for text in render(config, SUMMARY).values():
        assert text in shown
    assert not any(value in shown for value in ENV.values())


@pytest.mark.parametrize(
    ("name", "env_key", "reason"),
    [
        ("ops-feishu", "FS_SECRET", "feishu answered code 19021 (sign match fail"),
        ("ops-ding", "DT_SECRET", "dingtalk answered errcode 310000 (sign not match)"),
        ("dba-wecom", "WC_KEY", "wecom answered errcode 93000 (invalid webhook url): the webhook"),
    ],
)
def test_a_wrong_secret_fails_its_channel_only_and_is_not_retried(
    receiver: Receiver, sink: MailSink, name: str, env_key: str, reason: str
) -> None:
    outcomes, sleeps = run(receiver, sink, ENV | {env_key: "SECwrong-0000"})
    failed = outcomes.pop(name)
    assert not failed.delivered and failed.attempts == 1 and sleeps == []
    assert failed.reason.startswith(reason)
    assert all(o.delivered for o in outcomes.values())
    assert sorted(d.bot for d in receiver.received + sink.received) == sorted(outcomes)


@pytest.mark.parametrize(
    ("channel", "name", "status", "body"),
    [
        ("feishu", "ops-feishu", 429, {}),
        ("feishu", "ops-feishu", 200, RATE_LIMITED["feishu"]),
        ("dingtalk", "ops-ding", 200, RATE_LIMITED["dingtalk"]),
        ("wecom", "dba-wecom", 200, RATE_LIMITED["wecom"]),
        ("wecom", "dba-wecom", 503, {}),
    ],
)
def test_a_rate_limit_or_5xx_is_retried_with_backoff(
    receiver: Receiver, sink: MailSink, channel: Any, name: str, status: int, body: Any
) -> None:
    receiver.answer_next(channel, status, body, times=2)
    outcomes, sleeps = run(receiver, sink)
    assert outcomes[name].delivered and outcomes[name].attempts == 3
    assert sleeps == [0.5, 1.0]
    assert [d.bot for d in receiver.received].count(name) == 1


def test_retries_end_after_the_attempts_allowed(receiver: Receiver, sink: MailSink) -> None:
    receiver.answer_next("dingtalk", 200, RATE_LIMITED["dingtalk"], times=5)
    outcomes, sleeps = run(receiver, sink)
    ding = outcomes["ops-ding"]
    assert (ding.delivered, ding.attempts, sleeps) == (False, 3, [0.5, 1.0])
    assert ding.reason.startswith("dingtalk answered errcode 130101 (send too fast")


def test_a_clock_more_than_an_hour_off_is_refused(receiver: Receiver, sink: MailSink) -> None:
    outcomes, _ = run(receiver, sink, clock=lambda: time.time() - 3601)
    assert "code 19021" in outcomes["ops-feishu"].reason
    assert "errcode 310000" in outcomes["ops-ding"].reason
    assert outcomes["dba-wecom"].delivered and outcomes["dba-mail"].delivered


def test_a_missing_secret_is_named_and_the_others_still_deliver(
    receiver: Receiver, sink: MailSink
) -> None:
    env = {k: v for k, v in ENV.items() if k != "DT_SECRET"}
    outcomes, _ = run(receiver, sink, env)
    assert str(outcomes["ops-ding"]) == (
        "ops-ding: NOT delivered after 0 attempt(s): environment variable DT_SECRET is not set"
    )
    assert check_secrets(make_config(receiver, sink), Secrets(env)) == [
        "alerts.channels.ops-ding.secret: environment variable DT_SECRET is not set"
    ]
    assert sum(o.delivered for o in outcomes.values()) == 3


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_service_and_a_dead_mail_server_are_failures(
    receiver: Receiver, sink: MailSink
) -> None:
    port = closed_port()
    config = make_config(receiver, sink)
    raw = config.model_dump()
    raw["channels"]["ops-feishu"]["base_url"] = f"http://127.0.0.1:{port}/feishu"
    raw["channels"]["dba-mail"]["port"] = port
    outcomes = {
        o.channel: o
        for o in deliver(AlertsConfig.model_validate(raw), SUMMARY, secrets=Secrets(ENV))
    }
    assert outcomes["ops-feishu"].reason.startswith("could not post to feishu: ")
    assert "/open-apis/bot/v2/hook/***" in outcomes["ops-feishu"].reason
    assert outcomes["dba-mail"].reason.startswith("SMTP with 127.0.0.1: ConnectionRefusedError")
    assert outcomes["ops-ding"].delivered and outcomes["dba-wecom"].delivered


def test_the_canary_secret_never_appears(
    receiver: Receiver,
    sink: MailSink,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    config = make_config(receiver, sink)
    seen: list[str] = [repr(config), dry_run(config, SUMMARY)]
    receiver.answer_next("feishu", 503, {}, times=1)  # a retry, then a delivery
    outcomes, _ = run(receiver, sink)
    seen += [repr(o) + str(o) for o in outcomes.values()]
    wrong = ENV | {"FS_SECRET": CANARY + "x", "WC_KEY": CANARY}  # failures quoting the answer
    outcomes, _ = run(receiver, sink, wrong)
    seen += [repr(o) + str(o) for o in outcomes.values()]
    port = closed_port()  # the exception text of a refused connection holds the URL
    raw = config.model_dump()
    raw["channels"]["ops-feishu"]["base_url"] = f"http://127.0.0.1:{port}/feishu"
    raw["channels"]["dba-wecom"]["base_url"] = f"http://127.0.0.1:{port}/wecom"
    outcomes_ = deliver(AlertsConfig.model_validate(raw), SUMMARY, secrets=Secrets(wrong))
    seen += [repr(o) + str(o) for o in outcomes_]
    out, err = capsys.readouterr()
    seen += [out, err, caplog.text, *(d.text for d in receiver.received + sink.received)]
    assert "POST /feishu/open-apis/bot/v2/hook/***" in caplog.text  # urllib3 logged, masked
    leaks = [value for secret in (CANARY, *ENV.values()) for value in forms(secret)]
    found = [(value, text) for text in seen for value in leaks if value in text]
    assert found == []


def test_starttls_never_falls_back_to_clear_text(receiver: Receiver, sink: MailSink) -> None:
    raw = make_config(receiver, sink).model_dump()
    raw["channels"]["dba-mail"]["security"] = "starttls"  # the sink offers no STARTTLS
    outcomes = deliver(AlertsConfig.model_validate(raw), SUMMARY, secrets=Secrets(ENV))
    mail = next(o for o in outcomes if o.channel == "dba-mail")
    assert not mail.delivered and mail.attempts == 1
    assert mail.reason.startswith("SMTP with 127.0.0.1: SMTPNotSupportedError: STARTTLS")
    assert sink.received == []
