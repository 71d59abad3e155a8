"""Runbook 001's production inventory and its lab mirror: the same checks, check for check,
differing only where the lab forces it (the app's address in urls, the lab's folder in paths)."""

from __future__ import annotations

from pathlib import Path

from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parents[1]
LAB_DIR = "/run/xunjian-lab/root"


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "creditpilot.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab-creditpilot.yml")}
    assert prod.keys() == lab.keys() and len(prod) == 16
    for cid, case in prod.items():
        mine, theirs = lab[cid].spec.model_dump(), case.spec.model_dump()
        if "url" in mine:
            mine["url"] = mine["url"].replace("127.0.11.1", "localhost")
        if "path" in mine:
            assert mine["path"].startswith(LAB_DIR + "/"), cid
            mine["path"] = mine["path"].removeprefix(LAB_DIR)
        assert mine == theirs, cid
        assert lab[cid].host.address == "127.0.11.1" and case.host.address != "127.0.11.1"


def test_the_twin_tells_a_difference_apart() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "creditpilot.yml")}
    health = prod["creditpilot-app-2-health"].spec.model_dump()
    assert health["via"] == "host" and health["on_timeout"] == "CRIT"
    assert health["url"] == "http://localhost:5000/api/health"
