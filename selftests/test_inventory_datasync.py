"""Runbook 003's production inventory and its lab mirror: the same checks, check for check,
differing only where the lab forces it (its addresses, its folder in paths, the stand-ins of
systemctl and of the Feishu open platform, the Bitable's app_token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parents[1]
LAB_DIR = "/run/xunjian-lab/root"
LAB_URLS = {
    "http://127.0.13.1:8000": "http://localhost:8000",
    "http://127.0.9.1:8090": "https://open.feishu.cn",
}


def _as_production(spec: dict[str, Any]) -> dict[str, Any]:
    mine = dict(spec)
    for key in ("path", "interpreter", "backup_dir"):
        if isinstance(mine.get(key), str):
            mine[key] = mine[key].replace("/run/xunjian-lab/backups", "/var/backups/xunjian")
            assert mine[key].startswith((LAB_DIR + "/", "/var/backups/xunjian")), mine[key]
            mine[key] = mine[key].removeprefix(LAB_DIR)
    if mine.get("kind") == "unit":
        assert mine.pop("systemctl") == LAB_DIR + "/usr/bin/systemctl"
        mine["systemctl"] = "systemctl"
    if mine.get("kind") == "port":
        assert mine["bind"] == ["127.0.13.1"]
        mine["bind"] = ["0.0.0.0"]
    for key in ("url", "base_url"):
        for lab, prod in LAB_URLS.items():
            if isinstance(mine.get(key), str):
                mine[key] = mine[key].replace(lab, prod)
    if mine.get("kind") == "flow":
        steps = [dict(s) for s in mine["steps"]]
        for s in steps:
            s["path"] = s["path"].replace("bascnLab0001", "bascnREPLACEWITHAPPTOKEN")
        mine["steps"] = steps
    return mine


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "datasync.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab-datasync.yml")}
    assert prod.keys() == lab.keys() and len(prod) == 23
    for cid, case in prod.items():
        assert _as_production(lab[cid].spec.model_dump()) == case.spec.model_dump(), cid
        assert lab[cid].step == case.step, cid
    assert lab["datasync-app-4-datasync-unit"].host.address == "127.0.13.1"
    assert prod["datasync-app-4-datasync-unit"].host.address == "datasync.example.com"


def test_the_twin_tells_a_difference_apart() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "datasync.yml")}
    unit = prod["datasync-app-4-datasync-unit"].spec.model_dump()
    assert (
        unit["systemctl"] == "systemctl" and unit["restart"] == "always" and unit["children"] == 2
    )
    assert prod["datasync-app-4-gunicorn-8000"].spec.model_dump()["bind"] == ["0.0.0.0"]
    sched = prod["datasync-app-5-task-schedules"].spec.model_dump()
    assert sched["semantics"] == "apscheduler" and sched["timezone"] == "Asia/Shanghai"
    assert prod["datasync-app-12-escalation-repeated-failures"].step.level == "P1"
    assert prod["datasync-app-12-success-rate"].step.level == "P3"
