"""Runbook 002's production template and its lab mirror: the same checks, check for check,
differing only where the lab forces it (addresses, the lab's folder in paths), every step
graded P0-P3, and the template collects without a secret or a host."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parents[1]
LAB_DIR = "/run/xunjian-lab/root"
PROMETHEUS = ("http://127.0.9.1:9090", "http://prometheus.example.invalid:9090")
URLS = dict(
    (
        PROMETHEUS,
        ("http://127.0.12.1/api/health", "http://mindguard-api.example.invalid/api/health"),
    )
)
PLACEHOLDERS = ("mindguard-api.example.invalid", "mindguard-db.example.invalid")


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "mindguard.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab-mindguard.yml")}
    assert prod.keys() == lab.keys() and len(prod) == 40
    for cid, case in prod.items():
        mine, theirs = lab[cid].spec.model_dump(), case.spec.model_dump()
        if "url" in mine:
            assert mine["url"] in URLS, cid
            mine["url"] = URLS[mine["url"]]
        if mine.get("path") and mine["path"] != "/":  # the lab host's / is the real one
            assert mine["path"].startswith(LAB_DIR + "/"), cid
            mine["path"] = mine["path"].removeprefix(LAB_DIR)
        if "paths" in mine:
            assert all(p.startswith(LAB_DIR + "/") for p in mine["paths"]), cid
            mine["paths"] = [p.removeprefix(LAB_DIR) for p in mine["paths"]]
        assert mine == theirs, cid
        assert lab[cid].host.address == "127.0.12.1"
        assert case.host.address in PLACEHOLDERS
        assert lab[cid].step.model_dump() == case.step.model_dump(), cid


def test_every_step_has_a_level_and_every_table_row_its_bands() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "mindguard.yml")}
    assert {c.step.level for c in prod.values()} == {"P0", "P1", "P2", "P3"}
    assert all(c.step.level for c in prod.values())
    # §2.1-2.3 as the tables write them (a sample of each kind of band)
    bands = {
        "mindguard-api-2.1-api-p95": ("> 500 ms", "> 1000 ms"),
        "mindguard-api-2.1-function-p95": ("> 300 ms", "> 500 ms"),
        "mindguard-api-2.1-db-query-p95": ("> 100 ms", "> 200 ms"),
        "mindguard-api-2.1-client-start-time-p95": ("> 3 s", "> 5 s"),
        "mindguard-api-2.1-client-page-load-p95": ("> 1.5 s", "> 2.5 s"),
        "mindguard-api-2.2-availability": ("< 99.5 %", "< 99 %"),
        "mindguard-api-2.2-rates-api-success-rate": ("< 99 %", "< 98 %"),
        "mindguard-api-2.2-rates-crash-rate": ("> 0.1 %", "> 0.5 %"),
        "mindguard-api-2.2-rates-error-rate": ("> 0.5 %", "> 1 %"),
        "mindguard-api-2.3-checkin-success": ("< 95 %", "< 90 %"),
        "mindguard-api-2.3-task-completion": ("< 80 %", "< 70 %"),
        "mindguard-api-2.3-sos-response": ("> 30 s", "> 60 s"),
        "mindguard-api-2.3-risk-accuracy": ("< 90 %", "< 85 %"),
    }
    for cid, (warn, crit) in bands.items():
        spec = prod[cid].spec.model_dump()
        limits = spec.get("value") or spec["expect"]["scalar"]
        assert (str(limits["warn"]), str(limits["crit"])) == (warn, crit), cid


def test_the_template_collects_without_secrets_or_hosts() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "daily",
         "--inventory=inventory/mindguard.yml", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert done.stdout.count("[mindguard-api-") == 40, done.stdout[-3000:]
