"""Prometheus in the lab (issue 10): Debian's ``prometheus`` binary, run by us (never the Debian
service), on 127.0.9.1:9090 only, its data under ``<labdir>/data/prometheus``, no remote write.

It scrapes the lab apps' ``/metrics`` every 2 s (MindGuard's API, CTEA's Node app, CreditPilot,
DataSync; a target that is down is harmless) and loads the rule files of the lab host's
``/etc/prometheus/rules`` (``<labdir>/root/etc/prometheus/rules/*.yml``), where the CTEA
inventory's ``promrules`` check reads them too.

The admin API is on, for self-tests only: :meth:`Prometheus.forget` deletes a job's samples so
that a fault's traffic does not linger in the next test's ``[5m]`` window.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests
import yaml

from xunjian.lab.component import Component
from xunjian.lab.paths import FILES
from xunjian.lab.topology import (
    CREDITPILOT,
    CTEA,
    CTEA_APP_PORT,
    DATASYNC,
    LAB_INFRA,
    MINDGUARD,
    MINDGUARD_API_PORT,
    PROMETHEUS_PORT,
)

SCRAPE_INTERVAL = "2s"
JOBS: dict[str, list[str]] = {  # job -> targets (host:port of a /metrics endpoint)
    "prometheus": [f"{LAB_INFRA}:{PROMETHEUS_PORT}"],
    "mindguard": [f"{MINDGUARD}:{MINDGUARD_API_PORT}"],  # runbook 002: the API
    "ctea": [f"{CTEA}:{CTEA_APP_PORT}"],  # runbook 004: the Node app (prom-client)
    "creditpilot": [f"{CREDITPILOT}:5000"],  # runbook 001: the Flask app
    "datasync": [f"{DATASYNC}:8000"],  # runbook 003: gunicorn
}
URL = f"http://{LAB_INFRA}:{PROMETHEUS_PORT}"


def config(rules_dir: Path) -> dict[str, Any]:
    """The server's prometheus.yml: every job scraped every 2 s, the lab's rule files."""
    return {
        "global": {
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": SCRAPE_INTERVAL,
            "evaluation_interval": SCRAPE_INTERVAL,
        },
        "rule_files": [str(rules_dir / "*.yml")],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": targets}]}
            for job, targets in JOBS.items()
        ],
    }


class Prometheus(Component):
    name = "prometheus"
    ready_timeout = 60.0

    @property
    def data(self) -> Path:
        return self.paths.data("prometheus")

    @property
    def conf(self) -> Path:
        return self.paths.etc / "prometheus.yml"

    @property
    def rules_dir(self) -> Path:
        """The lab hosts' ``/etc/prometheus/rules`` (one file system for every lab host)."""
        return self.paths.fs / "etc" / "prometheus" / "rules"

    def listen(self) -> list[tuple[str, int]]:
        return [(LAB_INFRA, PROMETHEUS_PORT)]

    def marker(self) -> str:
        return str(self.conf)

    def prepare(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        self.write_rules()
        self.conf.write_text(yaml.safe_dump(config(self.rules_dir), sort_keys=False))

    @property
    def ctea_rules(self) -> Path:
        """Runbook 004 §4.2's rules, at the CTEA host's ``/etc/prometheus/rules/ctea.yml``."""
        return self.rules_dir / "ctea.yml"

    def write_rules(self) -> None:
        """Put the baseline rule files back (the runbook's own thresholds)."""
        self.rules_dir.mkdir(parents=True, exist_ok=True)
        self.ctea_rules.write_bytes((FILES / "ctea-rules.yml").read_bytes())

    def argv(self) -> list[str]:
        return [
            "prometheus",
            f"--config.file={self.conf}",
            f"--storage.tsdb.path={self.data}",
            "--storage.tsdb.retention.time=2d",
            f"--web.listen-address={LAB_INFRA}:{PROMETHEUS_PORT}",
            "--web.enable-admin-api",  # self-tests: forget a job's samples
            "--web.enable-lifecycle",  # reload after a rule file changed
            "--log.level=warn",
        ]

    def healthy(self) -> bool:
        try:
            return requests.get(f"{URL}/-/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    # -- helpers for tests --------------------------------------------------------------------
    def query(self, promql: str) -> list[dict[str, Any]]:
        """An instant query's result list (for tests)."""
        resp = requests.get(f"{URL}/api/v1/query", params={"query": promql}, timeout=5)
        resp.raise_for_status()
        result: list[dict[str, Any]] = resp.json()["data"]["result"]
        return result

    def wait_for(self, promql: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll until the query returns a series; the last answer (maybe empty) on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.query(promql)
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.5)

    def forget(self, job: str) -> None:
        """Delete every sample of ``job`` (admin API), so rates start afresh."""
        resp = requests.post(
            f"{URL}/api/v1/admin/tsdb/delete_series", params={"match[]": f'{{job="{job}"}}'},
            timeout=10,
        )  # fmt: skip
        resp.raise_for_status()
        requests.post(f"{URL}/api/v1/admin/tsdb/clean_tombstones", timeout=30).raise_for_status()

    def reload(self) -> None:
        requests.post(f"{URL}/-/reload", timeout=10).raise_for_status()
