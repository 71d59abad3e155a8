"""Reading the services' answers (pure tables) and the retry loop with a scripted sender."""

from __future__ import annotations

import pytest

from xunjian.alerts import dingtalk, feishu, wecom
from xunjian.alerts.attempt import DELIVERED, Attempt
from xunjian.alerts.deliver import send_with_retry
from xunjian.alerts.webhook import Answers, judge


@pytest.mark.parametrize(
    ("answers", "status", "text", "retry_after", "expected"),
    [
        (feishu.ANSWERS, 200, '{"code":0,"msg":"success"}', None, DELIVERED),
        (dingtalk.ANSWERS, 200, '{"errcode":0,"errmsg":"ok"}', None, DELIVERED),
        (
            feishu.ANSWERS,
            200,
            '{"code":19021,"msg":"sign match fail"}',
            None,
            Attempt(
                False,
                "feishu answered code 19021 (sign match fail): check the bot's secret and this "
                "machine's clock (within one hour)",
            ),
        ),
        (
            feishu.ANSWERS,
            200,
            '{"code":11232,"msg":"frequency limited"}',
            None,
            Attempt(False, "feishu answered code 11232 (frequency limited)", retry=True),
        ),
        (
            dingtalk.ANSWERS,
            200,
            '{"errcode":130101,"errmsg":"send too fast"}',
            None,
            Attempt(False, "dingtalk answered errcode 130101 (send too fast)", retry=True),
        ),
        (
            wecom.ANSWERS,
            200,
            '{"errcode":45009,"errmsg":"api freq out of limit"}',
            None,
            Attempt(False, "wecom answered errcode 45009 (api freq out of limit)", retry=True),
        ),
        (
            wecom.ANSWERS,
            200,
            '{"errcode":93000,"errmsg":"invalid webhook url"}',
            None,
            Attempt(
                False,
                "wecom answered errcode 93000 (invalid webhook url): the webhook key is unknown "
                "to WeCom",
            ),
        ),
        (wecom.ANSWERS, 429, "", "7", Attempt(False, "wecom answered HTTP 429", True, 7.0)),
        (wecom.ANSWERS, 429, "", "999", Attempt(False, "wecom answered HTTP 429", True, 60.0)),
        (wecom.ANSWERS, 503, "", "soon", Attempt(False, "wecom answered HTTP 503", True, None)),
        (wecom.ANSWERS, 302, "moved", None, Attempt(False, "wecom answered HTTP 302: moved")),
        (
            wecom.ANSWERS,
            404,
            "x" * 500,
            None,
            Attempt(False, "wecom answered HTTP 404: " + "x" * 200),
        ),
        (
            feishu.ANSWERS,
            200,
            "<html>",
            None,
            Attempt(False, "feishu answered 200 with no JSON: <html>"),
        ),
        (feishu.ANSWERS, 200, "[0]", None, Attempt(False, "feishu answered 200 with no code: [0]")),
        (
            dingtalk.ANSWERS,
            200,
            '{"code":0}',  # Feishu's key, not DingTalk's: not a delivery
            None,
            Attempt(False, 'dingtalk answered 200 with no errcode: {"code":0}'),
        ),
    ],
)
def test_judge(
    answers: Answers, status: int, text: str, retry_after: str | None, expected: Attempt
) -> None:
    assert judge(answers, status, text, retry_after) == expected


class Scripted:
    """A sender that answers from a script."""

    def __init__(self, *attempts: Attempt) -> None:
        self.script = list(attempts)
        self.sent: list[str] = []

    def send(self, text: str) -> Attempt:
        self.sent.append(text)
        return self.script.pop(0)


LIMITED = Attempt(False, "too fast", retry=True)


@pytest.mark.parametrize(
    ("script", "attempts", "result", "made", "sleeps"),
    [
        ((DELIVERED,), 3, DELIVERED, 1, []),
        ((LIMITED, LIMITED, DELIVERED), 3, DELIVERED, 3, [2.0, 4.0]),
        ((LIMITED, LIMITED, LIMITED), 3, LIMITED, 3, [2.0, 4.0]),
        ((Attempt(False, "bad sign"),), 3, Attempt(False, "bad sign"), 1, []),
        ((Attempt(False, "429", True, 7.0), DELIVERED), 3, DELIVERED, 2, [7.0]),
        ((LIMITED,), 1, LIMITED, 1, []),
    ],
)
def test_send_with_retry(
    script: tuple[Attempt, ...], attempts: int, result: Attempt, made: int, sleeps: list[float]
) -> None:
    slept: list[float] = []
    sender = Scripted(*script)
    assert send_with_retry(sender, "msg", attempts, 2.0, slept.append) == (result, made)
    assert slept == sleeps and sender.sent == ["msg"] * made
