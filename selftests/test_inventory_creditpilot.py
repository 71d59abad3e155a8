"""Runbook 001's production inventory and its lab mirror: the same checks, check for check,
differing only where the lab forces it (the app's address in urls, the lab's folder in paths, the
flow's base address: the app's public address in production, its lab address in the lab)."""

from __future__ import annotations

from pathlib import Path

from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parents[1]
LAB_DIR = "/run/xunjian-lab/root"
CHECKS = 26  # runbook 001's checks of issue 9's CreditPilot part (§6's rows come on top)


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "creditpilot.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab-creditpilot.yml")}
    assert prod.keys() == lab.keys() and len(prod) >= CHECKS
    for cid, case in prod.items():
        mine, theirs = lab[cid].spec.model_dump(), case.spec.model_dump()
        if "url" in mine:
            mine["url"] = mine["url"].replace("127.0.11.1", "localhost")
        if "base_url" in mine:
            assert mine["base_url"] == "http://127.0.11.1:5000", cid
            mine["base_url"] = "https://creditpilot.digital"
        if mine.get("backup_dir"):  # on the runner (§6 env backup): the lab keeps its own
            assert mine["backup_dir"].startswith("/run/xunjian-lab/"), cid
            mine["backup_dir"] = theirs["backup_dir"]
        if mine.get("env_file"):
            mine["env_file"] = mine["env_file"].removeprefix(LAB_DIR)
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
