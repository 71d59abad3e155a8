"""Known answers: the signer and the lab receiver, each pinned to signs computed outside Python.

The expected values were computed in the shell from the vendors' documented formulas, e.g.

    printf '' | openssl dgst -sha256 -hmac "$(printf '%s\\n%s' "$TS" "$SECRET")" -binary | base64
    printf '%s\\n%s' "$TS" "$SECRET" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64

(Feishu: keyed by "timestamp\\nsecret" over nothing; DingTalk: keyed by the secret over
"timestamp\\nsecret"), and URL-encoded with sed (+ %2B, / %2F, = %3D).
"""

from __future__ import annotations

import pytest

from xunjian.alerts.config import DingtalkChannel, FeishuChannel
from xunjian.alerts.dingtalk import request as dingtalk_request
from xunjian.alerts.feishu import request as feishu_request
from xunjian.alerts.sign import dingtalk_sign, feishu_sign
from xunjian.lab.receiver import dingtalk_expected, feishu_expected, signed

# (timestamp in seconds, secret, sign)
FEISHU = [
    (1700000000, "SECabc123", "UqhI0v4zAkSwI4hNYBuHQvnrAqshA0UaeBGHCUMPX70="),
    (1599360473, "demo-secret-ff", "hlb/lZhrZq3SlQuQ4fE9aKXVoMfMxrM5rUmMk82ya5I="),
    (0, "x", "oXdk2ucwqNVLLZZVLnZykqSwABpHVZxD+yQJ/eSmZ5o="),
]
# (timestamp in milliseconds, secret, sign, the sign URL-encoded once)
DINGTALK = [
    (
        1700000000000,
        "SEC5f1d2a7b9c0e",
        "cct0o+bogDsDHFFO0lP8coe5CRqlTZh+q0WTaFNNidI=",
        "cct0o%2BbogDsDHFFO0lP8coe5CRqlTZh%2Bq0WTaFNNidI%3D",
    ),
    (
        1577836800000,
        "SECf0f0+/=",
        "N5gieQfeUgjszGCHe6RZDl1R/Gck8cGLlXDVJv0L38M=",
        "N5gieQfeUgjszGCHe6RZDl1R%2FGck8cGLlXDVJv0L38M%3D",
    ),
    (
        1599360473000,
        "demo-secret-ff",
        "Qikf+OT4PWOw8u/8ts4/lVUjjY5rlQzw5jBs4ABKzag=",
        "Qikf%2BOT4PWOw8u%2F8ts4%2FlVUjjY5rlQzw5jBs4ABKzag%3D",
    ),
]


@pytest.mark.parametrize(("ts", "secret", "sign"), FEISHU)
def test_feishu_signer_known_answer(ts: int, secret: str, sign: str) -> None:
    assert feishu_sign(ts, secret) == sign


@pytest.mark.parametrize(("ts", "secret", "sign"), FEISHU)
def test_feishu_receiver_known_answer(ts: int, secret: str, sign: str) -> None:
    assert feishu_expected(str(ts), secret) == sign
    assert signed(str(ts), sign, secret, feishu_expected, now=ts + 3599, unit=1)


@pytest.mark.parametrize(("ts", "secret", "sign", "quoted"), DINGTALK)
def test_dingtalk_signer_known_answer(ts: int, secret: str, sign: str, quoted: str) -> None:
    assert dingtalk_sign(ts, secret) == sign


@pytest.mark.parametrize(("ts", "secret", "sign", "quoted"), DINGTALK)
def test_dingtalk_receiver_known_answer(ts: int, secret: str, sign: str, quoted: str) -> None:
    assert dingtalk_expected(str(ts), secret) == sign
    assert signed(str(ts), sign, secret, dingtalk_expected, now=ts / 1000 - 3599, unit=1000)


@pytest.mark.parametrize(("ts", "secret", "sign", "quoted"), DINGTALK)
def test_dingtalk_url_carries_the_sign_encoded_once(
    ts: int, secret: str, sign: str, quoted: str
) -> None:
    channel = DingtalkChannel(kind="dingtalk", token="${T}", secret="${S}")
    post = dingtalk_request(channel, "hi", "tok", secret, now=ts / 1000)
    assert post.url == (
        f"https://oapi.dingtalk.com/robot/send?access_token=tok&timestamp={ts}&sign={quoted}"
    )


def test_feishu_body_carries_the_timestamp_in_seconds_as_a_string() -> None:
    ts, secret, sign = FEISHU[0]
    channel = FeishuChannel(kind="feishu", token="${T}", secret="${S}")
    post = feishu_request(channel, "hi", "tok", secret, now=ts + 0.9)
    assert post.url == "https://open.feishu.cn/open-apis/bot/v2/hook/tok"
    assert post.body == {
        "timestamp": str(ts),
        "sign": sign,
        "msg_type": "text",
        "content": {"text": "hi"},
    }


def test_an_unsigned_bot_gets_no_timestamp_or_sign() -> None:
    channel = FeishuChannel(kind="feishu", token="${T}")
    assert feishu_request(channel, "hi", "tok", None, now=1.0).body == {
        "msg_type": "text",
        "content": {"text": "hi"},
    }
    ding = DingtalkChannel(kind="dingtalk", token="${T}")
    assert dingtalk_request(ding, "hi", "tok", None, now=1.0).url.endswith("?access_token=tok")


@pytest.mark.parametrize(
    ("timestamp", "sign", "secret", "now", "why"),
    [
        ("1700000000", FEISHU[0][2], "SECabc124", 1700000000, "another secret"),
        ("1700000001", FEISHU[0][2], "SECabc123", 1700000000, "another timestamp"),
        ("1700000000", FEISHU[0][2], "SECabc123", 1700003601, "more than an hour late"),
        ("1700000000", FEISHU[0][2], "SECabc123", 1699996399, "more than an hour early"),
        ("1700000000.0", FEISHU[0][2], "SECabc123", 1700000000, "not an integer"),
        (1700000000, FEISHU[0][2], "SECabc123", 1700000000, "a number, not a string"),
        ("1700000000", None, "SECabc123", 1700000000, "no sign"),
    ],
)
def test_feishu_receiver_refuses(
    timestamp: object, sign: object, secret: str, now: float, why: str
) -> None:
    assert not signed(timestamp, sign, secret, feishu_expected, now, unit=1), why


def test_dingtalk_receiver_refuses_a_sign_encoded_twice_or_not_at_all() -> None:
    ts, secret, sign, quoted = DINGTALK[0]
    now = ts / 1000
    assert signed(str(ts), sign, secret, dingtalk_expected, now, 1000)
    assert not signed(str(ts), quoted, secret, dingtalk_expected, now, 1000)  # one decode left
    assert not signed(str(ts), sign.replace("+", " "), secret, dingtalk_expected, now, 1000)
