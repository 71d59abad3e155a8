"""The lab's alert receivers on 127.0.9.1: the three chat bots (HTTP, port 8080) and a mail
sink (SMTP, port 2525), one process, recording what they accept in ``<labdir>/alerts.jsonl``.

The bots' tokens and secrets are lab secrets (``.lab/lab.env``); the receiver checks Feishu and
DingTalk signatures and WeCom keys as the services do (:mod:`xunjian.lab.receiver`).

    python -m xunjian.lab.alertsink --journal PATH     # what the component runs
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from xunjian.lab.component import Component
from xunjian.lab.receiver import Bot, Delivery, MailSink, Receiver, read_journal

ADDR = "127.0.9.1"  # the lab's own services: not a runbook's host
HTTP_PORT = 8080
SMTP_PORT = 2525
SECRETS = (  # lab secrets of the receiver, also given to lab.yml's alerts channels
    "LAB_FEISHU_TOKEN",
    "LAB_FEISHU_SECRET",
    "LAB_DINGTALK_TOKEN",
    "LAB_DINGTALK_SECRET",
    "LAB_WECOM_KEY",
)


def bots(env: dict[str, str]) -> list[Bot]:
    return [
        Bot("feishu", env["LAB_FEISHU_TOKEN"], env["LAB_FEISHU_SECRET"], "lab-feishu"),
        Bot("dingtalk", env["LAB_DINGTALK_TOKEN"], env["LAB_DINGTALK_SECRET"], "lab-dingtalk"),
        Bot("wecom", env["LAB_WECOM_KEY"], None, "lab-wecom"),
    ]


class AlertSink(Component):
    name = "alerts"

    def listen(self) -> list[tuple[str, int]]:
        return [(ADDR, HTTP_PORT), (ADDR, SMTP_PORT)]

    def marker(self) -> str:
        return "xunjian.lab.alertsink"

    @property
    def journal(self) -> Path:
        return self.paths.root / "alerts.jsonl"

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "xunjian.lab.alertsink", "--journal", str(self.journal)]

    def child_env(self) -> dict[str, str]:
        src = str(Path(__file__).resolve().parents[2])
        old = os.environ.get("PYTHONPATH")
        env = {"PYTHONPATH": src + (os.pathsep + old if old else "")}
        return env | {k: self.ctx.secrets[k] for k in SECRETS}

    def received(self) -> list[Delivery]:
        """What the receivers accepted so far, oldest first."""
        return read_journal(self.journal) if self.journal.exists() else []


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--journal", type=Path, required=True)
    args = ap.parse_args(argv)
    env = {k: os.environ[k] for k in SECRETS}
    receiver = Receiver(bots(env), journal=args.journal).start(ADDR, HTTP_PORT)
    mail = MailSink(journal=args.journal).start(ADDR, SMTP_PORT)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    mail.stop()
    receiver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
