"""Java stand-ins: LabService.java (and WecomApi.java) compiled once into a jar, copied to each
runbook jar path."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import requests

from xunjian.lab import process
from xunjian.lab.component import Component, Context
from xunjian.lab.paths import FILES, LabPaths
from xunjian.lab.topology import JavaApp

JDBC_JAR = "/usr/share/java/mariadb-java-client.jar"
JVM_FLAGS = [
    "-Xmx48m",
    "-Xms8m",
    "-Xss512k",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:ReservedCodeCacheSize=16m",
    "-XX:MaxMetaspaceSize=64m",
    "-XX:CICompilerCount=1",
    "-Djava.net.preferIPv4Stack=true",
    "-Dfile.encoding=UTF-8",
]


def build_jar(paths: LabPaths) -> Path:
    """Compile LabService.java and its helpers (every ``files/*.java``) into
    ``<labdir>/build/LabService.jar`` unless it is up to date."""
    sources = sorted(FILES.glob("*.java"))
    build = paths.root / "build"
    jar = build / "LabService.jar"
    digest = hashlib.sha256(b"".join(s.name.encode() + s.read_bytes() for s in sources)).hexdigest()
    stamp = build / "LabService.sha256"
    if jar.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return jar
    classes = build / "classes"
    shutil.rmtree(classes, ignore_errors=True)
    classes.mkdir(parents=True)
    process.run(
        ["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(classes), *map(str, sources)],
        timeout=180,
    )
    manifest = build / "MANIFEST.MF"
    manifest.write_text(f"Main-Class: LabService\nClass-Path: {JDBC_JAR}\n")
    process.run(["jar", "cfm", str(jar), str(manifest), "-C", str(classes), "."], timeout=120)
    stamp.write_text(digest + "\n")
    return jar


class JavaService(Component):
    """One JVM running the lab jar under the runbook's jar file name."""

    ready_timeout = 60.0
    stop_timeout = 10.0

    def __init__(self, ctx: Context, app: JavaApp) -> None:
        super().__init__(ctx)
        self.app = app
        self.name = app.component

    @property
    def jar(self) -> Path:
        return self.paths.fs / self.app.jar.lstrip("/")

    def listen(self) -> list[tuple[str, int]]:
        return list(self.app.listen)

    def marker(self) -> str:
        return str(self.jar)

    def prepare(self) -> None:
        built = build_jar(self.paths)
        self.jar.parent.mkdir(parents=True, exist_ok=True)
        if not self.jar.exists() or self.jar.read_bytes() != built.read_bytes():
            shutil.copyfile(built, self.jar)

    def argv(self) -> list[str]:
        app = self.app
        argv = [
            "java",
            *JVM_FLAGS,
            "-jar",
            str(self.jar),
            "--listen",
            ",".join(f"{a}:{p}" for a, p in app.listen),
            "--name",
            app.name,
            "--db",
            f"{app.db_host}:3306/{app.database}",
            "--db-user",
            "root",
            "--db-password-env",
            "THQH_MYSQL_PASSWORD",
        ]
        if app.redis:
            argv += ["--redis", f"{app.redis}:6379"]
        if app.feature:
            argv += ["--feature", app.feature]
        return argv

    def child_env(self) -> dict[str, str]:
        return {"THQH_MYSQL_PASSWORD": self.ctx.secrets["THQH_MYSQL_PASSWORD"]}

    def cwd(self) -> Path | None:
        return self.jar.parent

    def healthy(self) -> bool:
        addr, port = self.app.listen[0]
        return requests.get(f"http://{addr}:{port}/health", timeout=5).status_code == 200
