"""The lab receiver on its own: requests built by hand, signed with the known-answer vectors."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

from xunjian.lab.receiver import Bot, MailSink, Receiver, read_journal

TS = 1700000000  # the vectors of test_alerts_sign.py, computed with openssl
FEISHU_SECRET, FEISHU_SIGN = "SECabc123", "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70="
DING_SECRET = "SEC5f1d2a7b9c0e"
DING_SIGN_QUOTED = "cct0o%2BbogDsDHFFO0lP8coe5CRqlTZh%2Bq0WTaFNNidI%3D"
BOTS = [
    Bot("feishu", "fs-tok", FEISHU_SECRET, "signed-feishu"),
    Bot("feishu", "fs-open", None, "open-feishu"),
    Bot("dingtalk", "dt-tok", DING_SECRET, "signed-ding"),
    Bot("wecom", "wc-key", name="wecom"),
]


class Clock:
    """The receiver's clock, set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(TS)


@pytest.fixture
def rx(tmp_path: Path, clock: Clock) -> Iterator[Receiver]:
    with Receiver(BOTS, journal=tmp_path / "j.jsonl", clock=clock).start() as receiver:
        yield receiver


def post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = requests.post(url, data=data, timeout=5)
    return answer.status_code, answer.json()


def feishu_body(text: str = "hi", ts: int = TS, sign: str = FEISHU_SIGN) -> dict[str, Any]:
    return {"timestamp": str(ts), "sign": sign, "msg_type": "text", "content": {"text": text}}


def test_feishu_accepts_a_signed_message_and_records_it(rx: Receiver, tmp_path: Path) -> None:
    url = rx.url("feishu") + "/open-apis/bot/v2/hook/fs-tok"
    assert post(url, feishu_body("巡检 ok")) == (
        200,
        {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"},
    )
    [got] = rx.received
    assert (got.channel, got.bot, got.text) == ("feishu", "signed-feishu", "巡检 ok")
    assert read_journal(tmp_path / "j.jsonl") == [got]


@pytest.mark.parametrize(
    ("body", "now", "code"),
    [
        (feishu_body(sign=FEISHU_SIGN.replace("U", "V", 1)), TS, 19021),
        (feishu_body(ts=TS + 1), TS, 19021),
        (feishu_body(), TS + 3601, 19021),
        ({"msg_type": "text", "content": {"text": "hi"}}, TS, 19021),
        (feishu_body() | {"msg_type": "image"}, TS, 9499),
        (b"not json", TS, 9499),
    ],
)
def test_feishu_refuses(rx: Receiver, clock: Clock, body: Any, now: float, code: int) -> None:
    clock.now = now
    status, answer = post(rx.url("feishu") + "/open-apis/bot/v2/hook/fs-tok", body)
    assert (status, answer["code"]) == (200, code)
    assert rx.received == []


def test_feishu_without_a_secret_takes_an_unsigned_message(rx: Receiver) -> None:
    url = rx.url("feishu") + "/open-apis/bot/v2/hook/fs-open"
    assert post(url, {"msg_type": "text", "content": {"text": "hi"}})[1]["code"] == 0


def ding_url(rx: Receiver, sign: str, token: str = "dt-tok", ts: int = TS * 1000) -> str:
    return f"{rx.url('dingtalk')}/robot/send?access_token={token}&timestamp={ts}&sign={sign}"


DING_BODY = {"msgtype": "text", "text": {"content": "巡检"}}


@pytest.mark.parametrize(
    ("sign", "errcode"),
    [
        (DING_SIGN_QUOTED, 0),  # URL-encoded once: right
        (DING_SIGN_QUOTED.replace("%", "%25"), 310000),  # encoded twice
        ("cct0o+bogDsDHFFO0lP8coe5CRqlTZh+q0WTaFNNidI=", 310000),  # not encoded: + reads as space
    ],
)
def test_dingtalk_checks_the_sign_in_the_query(rx: Receiver, sign: str, errcode: int) -> None:
    assert post(ding_url(rx, sign), DING_BODY)[1]["errcode"] == errcode
    assert len(rx.received) == (1 if errcode == 0 else 0)


def test_dingtalk_refuses_a_stale_timestamp_and_a_long_message(rx: Receiver, clock: Clock) -> None:
    clock.now = TS + 3601
    assert post(ding_url(rx, DING_SIGN_QUOTED), DING_BODY)[1] == {
        "errcode": 310000,
        "errmsg": "sign not match",
    }
    clock.now = TS
    long = {"msgtype": "text", "text": {"content": "巡" * 7000}}
    assert post(ding_url(rx, DING_SIGN_QUOTED), long)[1]["errcode"] == 460101


def test_wecom_takes_markdown_up_to_4096_bytes(rx: Receiver) -> None:
    url = rx.url("wecom") + "/cgi-bin/webhook/send?key=wc-key"
    fits = {"msgtype": "markdown", "markdown": {"content": "巡" * 1365}}  # 4095 bytes
    too_long = {"msgtype": "markdown", "markdown": {"content": "巡" * 1366}}  # 4098 bytes
    assert post(url, fits)[1] == {"errcode": 0, "errmsg": "ok"}
    assert post(url, too_long)[1]["errcode"] == 40058
    assert post(url, {"msgtype": "voice"})[1]["errcode"] == 40008


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/feishu/open-apis/bot/v2/hook/nope", {"code": 19001}),
        ("/dingtalk/robot/send?access_token=nope", {"errcode": 300001}),
        ("/wecom/cgi-bin/webhook/send?key=nope", {"errcode": 93000}),
    ],
)
def test_an_unknown_token_or_key_is_refused(
    rx: Receiver, path: str, answer: dict[str, int]
) -> None:
    base = rx.url("feishu").rsplit("/", 1)[0]
    status, got = post(base + path, DING_BODY)
    assert status == 200 and answer.items() <= got.items()


def test_an_unknown_path_is_404(rx: Receiver) -> None:
    assert post(rx.url("feishu") + "/hook/fs-tok", {})[0] == 404


def test_answer_next_comes_before_any_check(rx: Receiver) -> None:
    rx.answer_next("wecom", 503, {"errcode": -1}, times=2)
    url = rx.url("wecom") + "/cgi-bin/webhook/send?key=wc-key"
    body = {"msgtype": "markdown", "markdown": {"content": "x"}}
    assert [post(url, body)[0] for _ in range(3)] == [503, 503, 200]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_the_lab_listens_on_loopback_only(host: str) -> None:
    with pytest.raises(ValueError, match=f"loopback addresses only, not '{host}'"):
        Receiver([]).start(host)
    with pytest.raises(ValueError, match=f"loopback addresses only, not '{host}'"):
        MailSink().start(host)


def test_the_mail_sink_records_a_mail(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "[巡检] 测试", "a@lab.invalid", "b@lab.invalid"
    msg.set_content("第一行\n第二行")
    with MailSink(tmp_path / "mail.jsonl").start() as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.send_message(msg)
    [got] = read_journal(tmp_path / "mail.jsonl")
    assert (got.channel, got.bot, got.text) == ("mail", "mail", "第一行\n第二行")
    assert got.body == {"from": "a@lab.invalid", "to": ["b@lab.invalid"], "subject": "[巡检] 测试"}
    assert sink.received == [got]


def test_read_journal_of_nothing_yet(tmp_path: Path) -> None:
    assert read_journal(tmp_path / "absent.jsonl") == []
