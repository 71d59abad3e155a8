"""nginx: the lithium, bdds and board front ends, one master process under our supervision."""

from __future__ import annotations

from string import Template

from xunjian.lab.component import Component
from xunjian.lab.paths import FILES
from xunjian.lab.topology import BDDS, BOARD, LITHIUM

PAGES = {
    "lithium-intranet": "碳酸锂指数发布 (内网)",
    "lithium-admin": "碳酸锂数据管理平台",
    "index_web": "碳酸锂指数发布",
    "bdds": "业务数据展示系统",
    "board": "统计看板",
}


class Nginx(Component):
    name = "nginx"

    @property
    def prefix(self) -> str:
        return str(self.paths.data("nginx"))

    @property
    def conf(self) -> str:
        return self.prefix + "/nginx.conf"

    def listen(self) -> list[tuple[str, int]]:
        return [(LITHIUM, 8080), (LITHIUM, 8083), (LITHIUM, 27878), (BDDS, 8081), (BOARD, 8081)]

    def prepare(self) -> None:
        base = self.paths.data("nginx")
        for sub in ("logs", "temp", *(f"html/{page}" for page in PAGES)):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for page, title in PAGES.items():
            html = (
                f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>{title}</title></head>\n<body><h1>{title}</h1>"
                f'<div id="app" data-lab="{page}"></div></body></html>\n'
            )
            (base / "html" / page / "index.html").write_text(html, encoding="utf-8")
        template = Template((FILES / "nginx.conf.tmpl").read_text(encoding="utf-8"))
        # $host and friends are nginx variables: only $prefix is ours.
        text = template.safe_substitute(prefix=self.prefix)
        (base / "nginx.conf").write_text(text, encoding="utf-8")

    def argv(self) -> list[str]:
        logs = self.prefix + "/logs/error.log"
        return ["nginx", "-p", self.prefix + "/", "-c", self.conf, "-e", logs]

    def stop(self, crash: bool = False) -> None:
        super().stop(crash)
        (self.paths.data("nginx") / "nginx.pid").unlink(missing_ok=True)
