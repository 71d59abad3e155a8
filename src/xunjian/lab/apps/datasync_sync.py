"""One run of a DataSync task, as runbook 003 describes the XTF engine's work: the task's SQL on
MySQL, the rows written to ``runs/task_{id}.xlsx`` (openpyxl) with the run's settings in
``runs/task_{id}.yaml`` (overwritten each run), a tenant access token from the Feishu open
platform, the rows pushed in batches to the Bitable (``batch_size``, ``rate_limit_delay``),
every step logged to ``logs/xtf_bitable_YYYYMMDD.log``, and the outcome as a ``sync_logs`` row.

An empty SQL result ends the run quietly as a success importing 0 rows (§8.3).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
import yaml

BEIJING = ZoneInfo("Asia/Shanghai")
RATE_LIMITED = 99991400
RETRIES = 3


@dataclass(frozen=True)
class Feishu:
    base_url: str
    app_id: str
    app_secret: str


class SyncError(Exception):
    """A run that failed; its text goes into ``sync_logs.message`` and the XTF log."""


def xtf_logger(home: Path) -> logging.Logger:
    """``logs/xtf_bitable_YYYYMMDD.log``, a new file each (Beijing) day, as XTF names them."""
    name = f"xtf_bitable_{datetime.now(BEIJING):%Y%m%d}"
    log = logging.getLogger(f"xtf.{name}")
    if not log.handlers:
        (home / "logs").mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(home / "logs" / f"{name}.log", encoding="utf-8")
        handler.setFormatter(
            logging.Formatter("%(asctime)s - xtf_bitable - %(levelname)s - %(message)s")
        )
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def write_artifacts(
    home: Path, task: dict[str, Any], columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    from openpyxl import Workbook

    runs = home / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        sheet.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in row])
    # written aside, then renamed: a check never sees half a workbook (覆盖式复用 all the same)
    xlsx = runs / f"task_{task['id']}.xlsx"
    book.save(xlsx.with_suffix(".xlsx.part"))
    xlsx.with_suffix(".xlsx.part").replace(xlsx)
    config = {
        "file_path": str(runs / f"task_{task['id']}.xlsx"),
        "app_token": task["app_token"],
        "table_id": task["table_id"],
        "sync_mode": task["sync_mode"],
        "index_column": task["index_column"],
        "batch_size": task["batch_size"],
        "rate_limit_delay": task["rate_limit_delay"],
    }
    yml = runs / f"task_{task['id']}.yaml"
    yml.with_suffix(".yaml.part").write_text(yaml.safe_dump(config, allow_unicode=True))
    yml.with_suffix(".yaml.part").replace(yml)


def token(feishu: Feishu, log: logging.Logger) -> str:
    url = f"{feishu.base_url}/open-apis/auth/v3/tenant_access_token/internal"
    try:
        answer = requests.post(
            url, json={"app_id": feishu.app_id, "app_secret": feishu.app_secret}, timeout=10
        ).json()
    except (requests.RequestException, ValueError) as e:
        log.error("获取访问令牌失败: %s", type(e).__name__)
        raise SyncError(f"获取访问令牌失败: {type(e).__name__}") from None
    if answer.get("code") != 0:
        log.error("获取访问令牌失败: code=%s msg=%s", answer.get("code"), answer.get("msg"))
        raise SyncError(f"获取访问令牌失败: {answer.get('msg')}")
    return str(answer["tenant_access_token"])


def push(
    feishu: Feishu,
    task: dict[str, Any],
    columns: list[str],
    rows: list[tuple[Any, ...]],
    log: logging.Logger,
) -> None:
    bearer = token(feishu, log)
    url = (
        f"{feishu.base_url}/open-apis/bitable/v1/apps/{task['app_token']}/tables/"
        f"{task['table_id']}/records/batch_create"
    )
    size = int(task["batch_size"])
    for start in range(0, len(rows), size):
        records = [
            {"fields": {c: str(v) for c, v in zip(columns, r, strict=True)}}
            for r in rows[start : start + size]
        ]
        for attempt in range(1, RETRIES + 1):
            answer = requests.post(
                url,
                json={"records": records},
                headers={"Authorization": f"Bearer {bearer}"},
                timeout=10,
            ).json()
            code = answer.get("code")
            if code == 0:
                log.info("批量写入成功: %d 条 (batch %d)", len(records), start // size + 1)
                break
            if code == RATE_LIMITED and attempt < RETRIES:
                log.warning(
                    "被飞书限速: code=%s msg=%s, %.1fs 后重试",
                    code,
                    answer.get("msg"),
                    task["rate_limit_delay"],
                )
                time.sleep(float(task["rate_limit_delay"]))
                continue
            log.error("写入多维表失败: code=%s msg=%s", code, answer.get("msg"))
            raise SyncError(f"写入多维表失败: code={code} msg={answer.get('msg')}")
        time.sleep(float(task["rate_limit_delay"]) / 10)


def run(conn: Any, home: Path, feishu: Feishu, task: dict[str, Any], trigger: str) -> None:
    """Run ``task`` (a sync_tasks row as a dict) and record it in sync_logs."""
    log = xtf_logger(home)
    started, t0 = datetime.now(BEIJING).replace(tzinfo=None), time.monotonic()
    status, imported, message = "success", 0, ""
    log.info("任务 %s (%s) 开始: trigger=%s", task["id"], task["task_name"], trigger)
    try:
        with conn.cursor() as cur:
            cur.execute(task["sql_text"])
            columns = [d[0] for d in cur.description or ()]
            rows = list(cur.fetchall())
        write_artifacts(home, task, columns, rows)
        if not rows:
            log.info("SQL结果为空，直接退出")
            message = "SQL结果为空"
        else:
            push(feishu, task, columns, rows, log)
            imported = len(rows)
        log.info("任务 %s 完成: 导入 %d 行", task["id"], imported)
    except Exception as e:  # a run's failure is recorded, never raised into the scheduler
        status, message = "failed", str(e)[:500]
        if not isinstance(e, SyncError):
            log.error("任务 %s 失败: %s", task["id"], message)
    ended = datetime.now(BEIJING).replace(tzinfo=None)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sync_logs (task_id, trigger_type, start_time, end_time, status, "
            "rows_imported, duration_ms, message) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                task["id"],
                trigger,
                started,
                ended,
                status,
                imported,
                int((time.monotonic() - t0) * 1000),
                message,
            ),
        )
    conn.commit()
