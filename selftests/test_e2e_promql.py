"""End to end: the promql kind against the lab's real Prometheus (127.0.9.1:9090, Debian's
package, scraping the lab apps every 2 s; lab/prometheus.py). Live series pass their limits; a
rule group the server loaded from the lab's rules directory is seen; a figure between WARN and
CRIT is WARN; a query Prometheus rejects and a series that does not exist fail, unless the
inventory says an empty answer is fine."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from test_e2e import daily

from xunjian.lab import Lab
from xunjian.lab.prometheus import Prometheus

pytestmark = pytest.mark.lab
URL = "http://127.0.9.1:9090"
CHECKS = {  # name -> (query, limits, extra keys)
    "api-up": ('up{job="mindguard"}', '{crit: "< 1"}', ""),
    "lab-jobs": ("count(up)", '{crit: "< 5"}', ""),
    "api-traffic": ("sum(rate(mindguard_http_requests_total[1m]))", '{crit: "<= 0"}', ""),
    "ctea-rules-loaded": (
        'sum(prometheus_rule_group_rules{rule_group=~".*;ctea-platform"})', '{crit: "< 3"}', ""
    ),
    "warn-band": ('max(up{job="mindguard"}) * 0.7', '{warn: "> 500 ms", crit: "> 1000 ms"}',
                  ", unit: s"),
    "rejected": ("sum(rate(mindguard_http_requests_total[1m])", '{crit: "> 0"}', ""),
    "no-series": ("mindguard_no_such_metric", '{crit: "> 0"}', ""),
    "no-series-ok": ("mindguard_no_such_metric", '{crit: "> 0"}', ", empty: OK"),
}  # fmt: skip


def _inventory(tmp_path: Path) -> Path:
    checks = "\n".join(
        f'          - {{step: m, kind: promql, name: {name}, url: "{URL}", '
        f"query: '{query}', value: {limits}{extra}}}"
        for name, (query, limits, extra) in CHECKS.items()
    )
    inv = tmp_path / "promql.yml"
    inv.write_text(
        f"""\
version: 1
name: promql-lab
defaults: {{ssh_config: /run/xunjian-lab/ssh_config}}
systems:
  metrics:
    title: 实验室 Prometheus
    steps: {{m: {{title: 指标}}}}
    hosts:
      lab:
        address: 127.0.12.1
        connection: ssh://root@127.0.12.1
        checks:
{checks}
""",
        encoding="utf-8",
    )
    return inv


def test_promql_against_the_lab_prometheus(lab: Lab, tmp_path: Path) -> None:
    prom = cast(Prometheus, lab.components["prometheus"])
    prom.wait_for("rate(mindguard_http_requests_total[1m]) > 0", timeout=30)
    prom.wait_for("prometheus_rule_group_rules", timeout=30)  # evaluated once
    run = daily(lab, tmp_path / "run", f"--inventory={_inventory(tmp_path)}")
    test = {name: f"test_promql[metrics-lab-m-{name}]" for name in CHECKS}
    assert run.failed == {test["rejected"], test["no-series"]}, run.stdout[-4000:]
    assert len(run.outcomes) == len(CHECKS)
    verdicts = run.stdout.split("xunjian verdicts")[-1]
    assert f"WARN tests/daily/test_daily.py::{test['warn-band']}" in verdicts, verdicts[:3000]
    assert verdicts.count("\nWARN ") == 1, verdicts[:3000]
    assert "Prometheus answered an error" in run.stdout
    assert "the query returned no series" in run.stdout
