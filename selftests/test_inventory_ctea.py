"""Runbook 004's production inventory and its lab mirror: the same checks, check for check,
differing only where the lab forces it (its addresses in urls, the lab's folder in paths, pm2
installed by npm in the lab's build dir with its home under the lab's folder)."""

from __future__ import annotations

from pathlib import Path

from xunjian.inventory.load import load

ROOT = Path(__file__).resolve().parents[1]
LAB_DIR = "/run/xunjian-lab/root"
CHECKS = 29
URLS = {"http://127.0.14.1:3000": "http://localhost:3000",
        "http://127.0.9.1:9090": "http://prometheus.example.invalid:9090"}  # fmt: skip


def test_lab_mirrors_production_check_for_check() -> None:
    prod = {c.id: c for c in load(ROOT / "inventory" / "ctea.yml")}
    lab = {c.id: c for c in load(ROOT / "inventory" / "lab-ctea.yml")}
    assert prod.keys() == lab.keys() and len(prod) == CHECKS
    for cid, case in prod.items():
        mine, theirs = lab[cid].spec.model_dump(), case.spec.model_dump()
        for lab_url, prod_url in URLS.items():
            if "url" in mine:
                mine["url"] = mine["url"].replace(lab_url, prod_url)
        if mine["kind"] == "pm2":
            assert mine["pm2"].startswith("/run/xunjian-lab/build/"), cid
            assert mine["pm2_home"] == LAB_DIR + "/root/.pm2", cid
            mine["pm2"], mine["pm2_home"] = "pm2", None
        for key in ("path", "journal"):
            if mine.get(key):
                assert mine[key].startswith(LAB_DIR + "/"), cid
                mine[key] = mine[key].removeprefix(LAB_DIR)
        if mine.get("before"):
            mine["before"]["path"] = mine["before"]["path"].removeprefix(LAB_DIR)
        assert mine == theirs, cid
        assert lab[cid].host.address.startswith("127.0.")
        assert case.host.address.endswith(".example.invalid"), cid


def test_every_runbook_level_is_on_its_step() -> None:
    levels = {c.step_id: c.step.level for c in load(ROOT / "inventory" / "ctea.yml")}
    assert levels["4.1-payment"] == "P0"
    assert levels["4.1-iiko"] == levels["4.1-errors"] == "P1"
    assert levels["4.1-api"] == levels["4.1-db-connections"] == "P2"
