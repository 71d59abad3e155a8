"""The fixed lab topology: one loopback address per production host (runbook 000 part 1 on
127.0.10.x; runbook 001 CreditPilot on 127.0.11.x; 002 MindGuard on 127.0.12.x; 003 DataSync
on 127.0.13.x; runbook 004 CTEA on 127.0.14.x; the lab's own services on 127.0.9.1)."""

from __future__ import annotations

from dataclasses import dataclass

MINIAPP = "127.0.10.1"  # 客户账户分析小程序 (172.18.26.170)
LITHIUM = "127.0.10.2"  # 碳酸锂指数发布 (172.17.10.223)
WECOM = "127.0.10.3"  # 企微会话存档 (172.17.10.202)
BDDS = "127.0.10.4"  # 业务数据展示系统 (172.18.26.59)
BOARD = "127.0.10.5"  # 统计看板 (172.18.26.173)
CREDITPILOT = "127.0.11.1"  # runbook 001: the CreditPilot host (SQLite file, reached by ssh)
CREDITPILOT_PORTS = (5000, 8000, 8080)  # Flask server, Accounting API, MCP server (001 snapshot)
CTEA_PG = "127.0.14.1"  # runbook 004: the CTEA platform's PostgreSQL (TLS only)
CTEA = CTEA_PG  # runbook 004: the CTEA app server (Node under pm2 on 3000, beside its database)
CTEA_IIKO_PORT = 3101  # the IIKO API stand-in on the CTEA host
CTEA_PAYMENT_PORT = 3102  # the payment gateway stand-in on the CTEA host
CTEA_REDIS_PORT = 6379  # the CTEA platform's own Redis, on CTEA
MINDGUARD = "127.0.12.1"  # runbook 002: MindGuard (its runbook names no hosts)
DATASYNC = "127.0.13.1"  # runbook 003: the DataSync server (gunicorn on 8000, its MariaDB)
LAB_INFRA = "127.0.9.1"  # the lab's own services: alert receiver, Prometheus (9090)
DATASYNC_PORT = 8000  # runbook 003 §4: gunicorn -w 2 -b 0.0.0.0:8000 main:app
FEISHU_OPEN = LAB_INFRA  # runbook 003: the Feishu open platform stand-in (lab/feishu_open.py)
FEISHU_OPEN_PORT = 8090
PROMETHEUS_PORT = 9090
MINDGUARD_API_PORT = 8000  # runbook 002: the API (gunicorn), scraped at /metrics
MINDGUARD_WEB_PORT = 80  # runbook 002: the API's web server (nginx, access log)
CTEA_APP_PORT = 3000  # runbook 004: the Node app, scraped at /metrics

HOSTS: dict[str, str] = {
    "miniapp": MINIAPP,
    "lithium": LITHIUM,
    "wecom": WECOM,
    "bdds": BDDS,
    "board": BOARD,
    "creditpilot": CREDITPILOT,
    "mindguard": MINDGUARD,
    "datasync": DATASYNC,
    "ctea": CTEA,
}

# one mariadbd serves every lab host's MySQL: 000's four hosts, MindGuard's and DataSync's
MYSQL_ADDRS = (MINIAPP, LITHIUM, WECOM, BDDS, MINDGUARD, DATASYNC)
REDIS_ADDRS = (MINIAPP, WECOM)
SSH_PORT = 2222
S3_BUCKET = "thqh-enterprise-wechat"
S3_ACCESS_KEY = "myminioadmin"
CONSOLE_PORT = 9001
S3_PORT = 9000
PG_PORT = 5432
CTEA_DB = "ctea"
CTEA_ADMIN = "ctea_admin"  # owns the ctea database; password CTEA_PG_PASSWORD
CTEA_RO = "ctea_ro"  # SELECT only; password CTEA_PG_RO_PASSWORD
SECRET_KEYS = (
    "THQH_MYSQL_PASSWORD",
    "THQH_MINIO_SECRET_KEY",
    "CTEA_PG_PASSWORD",
    "CTEA_PG_RO_PASSWORD",
    "CTEA_JWT_SECRET",  # runbook 004 §1.3: the app's JWT_SECRET is derived from it (64 chars)
    "CTEA_IIKO_API_KEY",  # runbook 004 §1.3: IIKO_API_KEY of the app's .env
    "THQH_API_USERNAME",  # runbook 000 part 2: the sys_user row the weekly flow logs in as
    "THQH_API_PASSWORD",
    # the lab's alert receivers (lab/alertsink.py) and lab.yml's alerts channels
    "LAB_FEISHU_TOKEN",
    "LAB_FEISHU_SECRET",
    "LAB_DINGTALK_TOKEN",
    "LAB_DINGTALK_SECRET",
    "LAB_WECOM_KEY",
    # runbook 002 MindGuard: the API's database account and the checks' read-only one
    "MINDGUARD_DB_PASSWORD",
    "MINDGUARD_MONITOR_PASSWORD",
    # runbook 001 CreditPilot: its Flask secret (sessions, tokens), its users (§7 RBAC) and the
    # key in its SENTRY_DSN (lab/creditpilot_files.py)
    "CREDITPILOT_SECRET_KEY",
    "CREDITPILOT_ADMIN_PASSWORD",
    "CREDITPILOT_ACCOUNTANT_USERNAME",
    "CREDITPILOT_ACCOUNTANT_PASSWORD",
    "CREDITPILOT_SENTRY_KEY",
    # runbook 001 §6: the API credentials in the Flask app's environment (lab/creditpilot_env.py)
    # and the key of the keyed hashes the environ and env_backup checks remember (the runner's)
    "CREDITPILOT_GOOGLE_SA_KEY",
    "CREDITPILOT_DOCPARSER_API_KEY",
    "XUNJIAN_ENV_HASH_KEY",
    # runbook 003 DataSync: its MySQL account and its Feishu app's secret (lab/datasync.py)
    "DATASYNC_MYSQL_PASSWORD",
    "DATASYNC_FEISHU_APP_SECRET",
    "DATASYNC_BACKUP_PASSWORD",  # the account that dumps datasync (§10; RELOAD for a consistent dump)
)


@dataclass(frozen=True)
class JavaApp:
    """One stand-in Java service: its component name, runbook jar path and what it depends on."""

    name: str
    jar: str  # absolute path on the production host; the lab puts it under <labdir>/root
    listen: tuple[tuple[str, int], ...]
    database: str
    db_host: str
    redis: str | None = None
    feature: str | None = None

    @property
    def component(self) -> str:
        return "app:" + self.name


DATAX_JAR = "datax-web-0.0.1-SNAPSHOT.jar"

JAVA_APPS: tuple[JavaApp, ...] = (
    JavaApp(
        "ProcessServer",
        "/usr/local/my/ProcessServer-0.0.1-SNAPSHOT.jar",
        ((MINIAPP, 8083),),
        "thqh",
        MINIAPP,
        redis=MINIAPP,
    ),
    JavaApp(
        "wechat_miniprogram_backend",
        "/usr/local/wxServer/wechat_miniprogram_backend-0.0.1-SNAPSHOT.jar",
        ((MINIAPP, 8080),),
        "thqh",
        MINIAPP,
        redis=MINIAPP,
    ),
    JavaApp(
        "wechat_miniprogram_management_backend",
        "/usr/local/wxServer/wechat_miniprogram_management_backend-0.0.1-SNAPSHOT.jar",
        ((MINIAPP, 18080),),
        "thqh",
        MINIAPP,
    ),
    JavaApp(
        "datax-miniapp",
        "/usr/local/datax-web/miniapp/" + DATAX_JAR,
        ((MINIAPP, 9527), (MINIAPP, 9999)),
        "thqh",
        MINIAPP,
    ),
    JavaApp(
        "lightServer",
        "/usr/local/my/server/lightServer-0.0.1-SNAPSHOT.jar",
        ((LITHIUM, 8081),),
        "lithium",
        LITHIUM,
        feature="index-latest",
    ),
    JavaApp(
        "lightDataServer",
        "/usr/local/my/server/lightDataServer-0.0.1-SNAPSHOT.jar",
        ((LITHIUM, 8082),),
        "lithium",
        LITHIUM,
    ),
    JavaApp(
        "enterprise_wechat_backend",
        "/usr/local/my/EWC_server/enterprise_wechat_backend-0.0.1-SNAPSHOT.jar",
        ((WECOM, 8081),),
        "thqh_enterprise_wechat",
        WECOM,
        redis=WECOM,
        feature="wecom-api",  # runbook 000 part 2: login and the four downloads
    ),
    JavaApp(
        "BDDSServer",
        "/usr/local/my/jar/BDDSServer-0.0.1-SNAPSHOT.jar",
        ((BDDS, 8080),),
        "bdds",
        BDDS,
    ),
    JavaApp(
        "datax-bdds",
        "/usr/local/datax-web/bdds/" + DATAX_JAR,
        ((BDDS, 9527), (BDDS, 9999)),
        "bdds",
        BDDS,
    ),
)
