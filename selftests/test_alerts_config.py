"""Levels, the alerts config (accepting and rejecting side) and level routing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from xunjian.alerts import AlertItem, AlertsConfig, RunSummary, default_level, level_of
from xunjian.alerts.config import DingtalkChannel, MailChannel, secret_refs
from xunjian.alerts.route import route


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("blocker", "P0"),
        ("critical", "P0"),
        ("Critical", "P0"),
        ("major", "P1"),
        ("high", "P1"),
        ("normal", "P2"),
        ("medium", "P2"),
        ("minor", "P2"),
        ("trivial", "P3"),
        ("low", "P3"),
        ("", "P3"),
    ],
)
def test_default_level(severity: str, level: str) -> None:
    assert default_level(severity) == level


def test_an_explicit_level_wins_over_the_severity() -> None:
    assert level_of("P3", "critical") == "P3"
    assert level_of(None, "critical") == "P0"


def test_an_unknown_level_is_named() -> None:
    with pytest.raises(ValueError, match=r"level 'P5' is not one of P0, P1, P2, P3"):
        level_of("P5", "critical")


def test_an_item_names_its_bad_verdict_and_level() -> None:
    with pytest.raises(ValueError, match=r"c1: verdict 'FAIL' is not one of OK, WARN"):
        AlertItem("c1", "s", "h", "1.1", "t", "FAIL", "P0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"c1: level 'p0' is not one of P0"):
        AlertItem("c1", "s", "h", "1.1", "t", "OK", "p0")  # type: ignore[arg-type]


def config(**over: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "channels": {
            "ops-feishu": {"kind": "feishu", "token": "${FS_TOKEN}", "secret": "${FS_SECRET}"},
            "ops-ding": {"kind": "dingtalk", "token": "${DT_TOKEN}"},
            "dba-wecom": {"kind": "wecom", "key": "${WC_KEY}"},
            "dba-mail": {
                "kind": "mail",
                "host": "smtp.example.com",
                "sender": "xunjian@example.com",
                "to": ["dba@example.com"],
                "user": "${SMTP_USER}",
                "password": "${SMTP_PASSWORD}",
            },
        },
        "routes": [
            {"levels": ["P0", "P1"], "channels": ["ops-feishu", "ops-ding"]},
            {"levels": ["P2", "P3"], "channels": ["dba-wecom"]},
            {"levels": ["P0", "P1", "P2", "P3"], "channels": ["dba-mail"], "send_ok": True},
        ],
    }
    return raw | over


def test_a_config_with_every_kind_loads_with_the_vendors_hosts() -> None:
    cfg = AlertsConfig.model_validate(config())
    feishu, ding, wecom, mail = cfg.channels.values()
    assert (feishu.kind, ding.kind, wecom.kind, mail.kind) == (
        "feishu",
        "dingtalk",
        "wecom",
        "mail",
    )
    assert [getattr(c, "base_url", None) for c in (feishu, ding, wecom)] == [
        "https://open.feishu.cn",
        "https://oapi.dingtalk.com",
        "https://qyapi.weixin.qq.com",
    ]
    assert isinstance(mail, MailChannel) and mail.smtp_port == 587
    assert secret_refs(feishu) == {"token": "${FS_TOKEN}", "secret": "${FS_SECRET}"}
    assert cfg.levels_for("dba-mail") == {"P0", "P1", "P2", "P3"}
    assert cfg.sends_ok("dba-mail") and not cfg.sends_ok("ops-ding")


def test_a_base_url_for_the_lab_loses_its_trailing_slash() -> None:
    raw = config()
    raw["channels"]["ops-ding"]["base_url"] = "http://127.0.0.1:8080/dingtalk/"
    cfg = AlertsConfig.model_validate(raw)
    ding = cfg.channels["ops-ding"]
    assert isinstance(ding, DingtalkChannel) and ding.base_url == "http://127.0.0.1:8080/dingtalk"


def messages(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as e:
        AlertsConfig.model_validate(raw)
    return str(e.value)


def with_channel(name: str, **keys: Any) -> dict[str, Any]:
    raw = config()
    raw["channels"][name] = raw["channels"][name] | keys
    return raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_channel("ops-feishu", webhook="x"), "webhook\n  Extra inputs are not permitted"),
        (with_channel("ops-feishu", token="t0ken-literal"), "must be an environment reference"),
        (with_channel("ops-feishu", kind="slack"), "does not match any of the expected tags"),
        (with_channel("ops-ding", base_url="https://h/?x=1"), "a base URL has no query"),
        (with_channel("dba-mail", security="none"), "not 'smtp.example.com': use starttls"),
        (with_channel("dba-mail", password=None), "user and password go together"),
        (with_channel("dba-mail", to=[]), "List should have at least 1 item"),
        (with_channel("dba-mail", to=["dba"]), "String should match pattern"),
        (
            config(routes=[{"levels": ["P0"], "channels": ["ops-feishu", "pager"]}]),
            "routes[0] names channel 'pager', which is not under channels (known: dba-mail, ",
        ),
        (
            config(routes=[{"levels": ["P0"], "channels": ["ops-feishu"]}]),
            "in no route, so never sent to: channel dba-mail, dba-wecom, ops-ding",
        ),
        (config(routes=[{"levels": ["P9"], "channels": ["ops-feishu"]}]), "Input should be 'P0'"),
        (config(attempts=0), "attempts\n  Input should be greater than or equal to 1"),
    ],
)
def test_a_bad_config_is_refused_by_name(raw: dict[str, Any], expected: str) -> None:
    assert expected in messages(raw)


def test_plain_smtp_is_accepted_on_loopback() -> None:
    raw = with_channel("dba-mail", security="none", host="127.0.0.1", user=None, password=None)
    mail = AlertsConfig.model_validate(raw).channels["dba-mail"]
    assert isinstance(mail, MailChannel) and mail.smtp_port == 25


def alert(check_id: str, verdict: str, level: str) -> AlertItem:
    return AlertItem(check_id, "s", "h", "1.1", "t", verdict, level)  # type: ignore[arg-type]


def run(*items: AlertItem, recovered: tuple[AlertItem, ...] = ()) -> RunSummary:
    return RunSummary(items, datetime(2026, 11, 21, 8, 0), recovered)


CFG = AlertsConfig.model_validate(config())


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        # a P0 CRIT: the P0/P1 bots and the mail; the P2/P3 bot hears nothing
        (
            run(alert("a", "CRIT", "P0"), alert("b", "OK", "P2")),
            {"ops-feishu": ["a"], "ops-ding": ["a"], "dba-mail": ["a", "b"]},
        ),
        # a P2 WARN: the WeCom bot and the mail
        (run(alert("a", "WARN", "P2")), {"dba-wecom": ["a"], "dba-mail": ["a"]}),
        # all OK: only the route with send_ok
        (run(alert("a", "OK", "P0")), {"dba-mail": ["a"]}),
        # a P1 check recovered: the channels of P1 are told, though nothing fails
        (
            run(alert("a", "OK", "P1"), recovered=(alert("a", "OK", "P1"),)),
            {"ops-feishu": ["a"], "ops-ding": ["a"], "dba-mail": ["a"]},
        ),
    ],
)
def test_route_by_level(summary: RunSummary, expected: dict[str, list[str]]) -> None:
    routed = route(CFG, summary)
    assert {name: [i.check_id for i in part.items] for name, part in routed.items()} == expected
