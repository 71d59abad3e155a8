"""End-to-end checks of the lab itself, against the real servers (needs the ``lab`` fixture)."""

from __future__ import annotations

import ipaddress
import re
import stat
import subprocess
import sys
from pathlib import Path

import pymysql
import pytest
import requests

from xunjian.lab import Lab, process
from xunjian.lab.topology import HOSTS, JAVA_APPS, S3_ACCESS_KEY

pytestmark = pytest.mark.lab

ALL_COMPONENTS = {
    "mariadb",
    "postgres",
    "redis",
    "nginx",
    "sshd",
    "s3",
    "console",
    "alerts",
    "creditpilot",  # runbook 001
    "mindguard",  # runbook 002: its API, nginx and simulated users
    "mindguard-nginx",
    "mindguard-client",
    "prometheus",  # the lab's metrics: scrapes the runbooks' apps
    "feishu-open",  # runbook 003: the Feishu open platform stand-in
    "datasync",
    "ctea",  # runbook 004: the Node app under pm2, its stand-ins, its own Redis
    "ctea-redis",
    *(app.component for app in JAVA_APPS),
}


def lab_pids(lab: Lab) -> set[int]:
    pids: set[int] = set()
    for comp in lab.components.values():
        pid = comp.pid()
        if pid is not None:
            pids |= {pid, *process.descendants(pid)}
    return pids


def listening(pids: set[int]) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every TCP listener owned by ``pids``, from ``ss -ltnpH``."""
    out = subprocess.run(
        ["ss", "-ltnpH"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        addr, _, port = fields[3].rpartition(":")
        for pid in re.findall(r"pid=(\d+)", line):
            if int(pid) in pids:
                found.append((addr.strip("[]"), int(port), int(pid)))
    return found


def test_every_component_is_running(lab: Lab) -> None:
    states = lab.status()
    assert set(states) == ALL_COMPONENTS
    down = {name: st.detail for name, st in states.items() if not st.running}
    assert not down, f"components not running: {down}"


def test_lab_listens_on_loopback_only(lab: Lab) -> None:
    sockets = listening(lab_pids(lab))
    assert len(sockets) >= 30, sockets
    outside = [
        s
        for s in sockets
        if s[0] in ("*", "0.0.0.0", "::")
        or not ipaddress.ip_address(s[0]).is_loopback
        or ipaddress.ip_address(s[0]).version != 4
    ]
    assert not outside, f"lab sockets outside 127.0.0.0/8: {outside}"


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("miniapp", 3306),
        ("miniapp", 6379),
        ("miniapp", 8080),
        ("miniapp", 8083),
        ("miniapp", 9527),
        ("miniapp", 9999),
        ("lithium", 3306),
        ("lithium", 8081),
        ("lithium", 8082),
        ("lithium", 8080),
        ("lithium", 8083),
        ("lithium", 27878),
        ("wecom", 3306),
        ("wecom", 6379),
        ("wecom", 8081),
        ("wecom", 9000),
        ("wecom", 9001),
        ("bdds", 3306),
        ("bdds", 8080),
        ("bdds", 9527),
        ("bdds", 9999),
        ("bdds", 8081),
        ("board", 8081),
        *((h, 2222) for h in HOSTS),
    ],
)
def test_runbook_port_listens(lab: Lab, host: str, port: int) -> None:
    assert process.port_open(HOSTS[host], port, 2.0), f"{host} {HOSTS[host]}:{port} not listening"


def test_java_app_health_is_backed_by_mariadb(lab: Lab) -> None:
    resp = requests.get("http://127.0.10.1:8083/health", timeout=5)
    assert resp.status_code == 200 and resp.json()["status"] == "UP", resp.text
    lab.stop("mariadb")
    try:
        resp = requests.get("http://127.0.10.1:8083/health", timeout=10)
        assert resp.status_code == 503 and "DOWN" in resp.json()["db"], resp.text
    finally:
        lab.start("mariadb")
    assert requests.get("http://127.0.10.1:8083/health", timeout=10).status_code == 200


def test_stop_start_app_like_a_crash(lab: Lab) -> None:
    comp = lab.components["app:ProcessServer"]
    pid = comp.pid()
    assert pid is not None and process.port_open("127.0.10.1", 8083)
    lab.stop("app:ProcessServer")
    assert not process.alive(pid), "ProcessServer still alive after stop"
    assert not process.port_open("127.0.10.1", 8083), "8083 still open after stop"
    assert not lab.status()["app:ProcessServer"].running
    lab.start("app:ProcessServer")
    assert process.port_open("127.0.10.1", 8083)
    assert lab.status()["app:ProcessServer"].running


def test_light_server_serves_data_through_nginx_27878_only(lab: Lab) -> None:
    direct = requests.get("http://127.0.10.2:8081/api/index/latest", timeout=5)
    assert direct.status_code == 200 and direct.json()["data"], direct.text
    host = {"Host": "service.thqh.com.cn"}
    proxied = requests.get("http://127.0.10.2:27878/api/index/latest", headers=host, timeout=5)
    assert proxied.json() == direct.json()
    assert requests.get("http://127.0.10.2:27878/index_web/", headers=host, timeout=5).ok
    assert requests.get("http://127.0.10.2:27878/index_web/", timeout=5).status_code == 404
    assert requests.get("http://127.0.10.2:8080/api/index/latest", timeout=5).status_code == 404
    assert requests.head("http://127.0.10.5:8081/", timeout=5).status_code == 200


def test_mysql_tcp_login_needs_the_lab_password(lab: Lab) -> None:
    password = lab.env()["THQH_MYSQL_PASSWORD"]
    conn = pymysql.connect(
        host="127.0.10.1",
        user="root",
        password=password,
        database="thqh",
        connect_timeout=5,
        read_timeout=10,
    )
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM SyncStateTable WHERE checkFlag=1 AND syncstate<>0")
        assert cur.fetchone() == (0,)
        cur.execute("SELECT COUNT(*) FROM SyncStateTable WHERE syncstate<>0")
        row = cur.fetchone()
        assert row is not None and row[0] > 0  # the unfiltered query must fail the check
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host="127.0.10.1", user="root", password=password + "x", connect_timeout=5)


def test_rsync_log_follows_location_table(lab: Lab) -> None:
    (path,) = lab.sql("SELECT path FROM Location WHERE type='incr'")[0]
    parent = Path(path.rstrip("/")).parent
    assert parent / "rsync_log" / "rsync_data.log" == lab.rsync_log_path()
    text = lab.rsync_log_path().read_text(encoding="utf-8")
    assert "传输成功" in text.splitlines()[-1] and "传输失败" not in text


def test_console_login_checks_the_real_s3_secret(lab: Lab) -> None:
    url = "http://127.0.10.3:9001/api/v1/login"
    good = {"accessKey": S3_ACCESS_KEY, "secretKey": lab.env()["THQH_MINIO_SECRET_KEY"]}
    resp = requests.post(url, json=good, timeout=15)
    assert resp.status_code == 204 and "token=" in resp.headers.get("Set-Cookie", "")
    bad = requests.post(url, json={**good, "secretKey": "wrong"}, timeout=15)
    assert bad.status_code == 401, bad.text
    lab.stop("s3")
    try:
        assert requests.post(url, json=good, timeout=15).status_code == 503
    finally:
        lab.start("s3")
    assert requests.post(url, json=good, timeout=15).status_code == 204


def test_ssh_to_every_host(lab: Lab) -> None:
    for addr in HOSTS.values():
        result = subprocess.run(
            ["ssh", "-F", str(lab.ssh_config_path()), addr, "echo", "ok"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_secrets_file_is_private_and_never_printed(lab: Lab) -> None:
    assert stat.S_IMODE(lab.paths.env_file.stat().st_mode) == 0o600
    secrets = lab.env()
    assert set(secrets) == {
        "THQH_MYSQL_PASSWORD",
        "THQH_MINIO_SECRET_KEY",
        "CTEA_PG_PASSWORD",
        "CTEA_PG_RO_PASSWORD",
        "LAB_FEISHU_TOKEN",
        "LAB_FEISHU_SECRET",
        "LAB_DINGTALK_TOKEN",
        "LAB_DINGTALK_SECRET",
        "LAB_WECOM_KEY",
        "THQH_API_USERNAME",
        "THQH_API_PASSWORD",
        "CTEA_JWT_SECRET",
        "CTEA_IIKO_API_KEY",
        "MINDGUARD_DB_PASSWORD",
        "MINDGUARD_MONITOR_PASSWORD",
        "CREDITPILOT_SECRET_KEY",
        "CREDITPILOT_ADMIN_PASSWORD",
        "CREDITPILOT_ACCOUNTANT_USERNAME",
        "CREDITPILOT_ACCOUNTANT_PASSWORD",
        "CREDITPILOT_SENTRY_KEY",
        "CREDITPILOT_GOOGLE_SA_KEY",
        "CREDITPILOT_DOCPARSER_API_KEY",
        "XUNJIAN_ENV_HASH_KEY",
        "DATASYNC_MYSQL_PASSWORD",
        "DATASYNC_FEISHU_APP_SECRET",
        "DATASYNC_BACKUP_PASSWORD",
    }
    for command in ("up", "status"):
        result = subprocess.run(
            [sys.executable, "-m", "xunjian.lab", command],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        output = result.stdout + result.stderr
        assert not [k for k, v in secrets.items() if v in output], f"secret leaked by {command}"
        assert len(output.splitlines()) >= len(ALL_COMPONENTS)
    assert all(isinstance(v, str) and len(v) >= 16 for v in secrets.values())
