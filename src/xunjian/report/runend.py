"""The operator's loop around a run (controller only): history, alerts, textfile, Allure extras.

As each check's report arrives its history phrase ("new", "failing since ... (N runs)",
"recovered", "flapping") is computed from the runs stored before this one and added to the
report's properties (JUnit, HTML). At the end the run is recorded and old runs pruned, the
node_exporter textfile and Allure's environment and categories are written, and, with
``--notify`` (or ``--notify-dry-run``), each inventory's alert routes get one message per
channel.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from xunjian.alerts import AlertItem, Outcome, RunSummary, deliver, dry_run, level_of
from xunjian.history import History, HistoryError
from xunjian.history.status import Seen, status
from xunjian.inventory.case import CheckCase
from xunjian.inventory.settings import Settings
from xunjian.outcome import PREFIX
from xunjian.report import fields, markdown
from xunjian.report.allure_env import environment, write_categories, write_environment
from xunjian.report.textfile import CheckSample, write_textfile
from xunjian.result import Verdict

NO_SETTINGS = Settings.model_validate({})


def check_id(nodeid: str) -> str:
    """``tests/daily/test_daily.py::test_port[thqh-app-1.1-port-3306]@group`` -> the case id."""
    inner = nodeid.split("[", 1)[1] if "[" in nodeid else nodeid
    return inner.rsplit("]", 1)[0]


@dataclass(eq=False)  # registered as a plugin: must stay hashable
class RunEnd:
    cases: dict[str, CheckCase]
    settings: dict[Path, Settings]  # by inventory file, in the order given
    notify: bool = False
    notify_dry_run: bool = False
    textfile: Path | None = None
    allure_dir: Path | None = None
    items: dict[str, AlertItem] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    past: dict[str, list[Seen]] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)  # nodeid -> phrase, until teardown
    memos: dict[str, dict[str, Any]] = field(default_factory=dict)  # for the next run
    rows: dict[str, markdown.Row] = field(default_factory=dict)  # for reports.markdown
    said: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    clock: float = field(default_factory=time.monotonic)

    history_path: Path | None = None  # --history; else the first inventory's history.path

    @property
    def history(self) -> History:
        first = next(iter(self.settings.values()), NO_SETTINGS)
        return History(self.history_path or first.history.path)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started, self.clock = datetime.now(UTC), time.monotonic()
        try:
            self.past = self.history.past(self.cases)
        except HistoryError as e:
            self.said.append(f"history: {e} (this run is not compared with earlier ones)")

    @pytest.hookimpl(tryfirst=True)  # before JUnit and pytest-html read the properties
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        f = fields(report)
        if report.when == "teardown" and report.nodeid in self.phrases:
            # JUnit XML takes the properties of the teardown report: a copy of the item's
            report.user_properties.append((PREFIX + "history", self.phrases.pop(report.nodeid)))
        if report.when != "call" or "verdict" not in f:
            return
        cid = check_id(report.nodeid)
        case = self.cases.get(cid)
        verdict = Verdict(f["verdict"])
        self.verdicts[cid] = verdict
        if "memo" in f:
            memo = json.loads(f["memo"])
            if isinstance(memo, dict):
                self.memos[cid] = memo
        phrase = status([*self.past.get(cid, []), Seen(verdict, datetime.now(UTC))]).phrase
        if phrase:
            report.user_properties.append((PREFIX + "history", phrase))
            self.phrases[report.nodeid] = phrase
        self.rows[cid] = markdown.Row.of(cid, f, phrase)
        level = level_of(case.step.level if case else None, f.get("severity", ""))
        self.items[cid] = AlertItem(
            cid, f["system"], f["host"], f["step"], f["title"], f["verdict"],  # type: ignore[arg-type]
            level, f.get("expected", ""), f.get("actual", ""), f.get("remedy", ""), phrase,
        )  # fmt: skip

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.verdicts:
            return
        finished = datetime.now(UTC)
        self._record(finished)
        self._markdown(finished)
        if self.textfile is not None:
            samples = [
                CheckSample(cid, i.system, i.host, i.step, c.kind if c else "", i.level, v)
                for cid, v in self.verdicts.items()
                for i, c in [(self.items[cid], self.cases.get(cid))]
            ]
            write_textfile(self.textfile, samples, time.monotonic() - self.clock, finished)
            self.said.append(f"textfile: {self.textfile}")
        if self.allure_dir is not None and self.allure_dir.is_dir():
            write_environment(self.allure_dir, environment([str(p) for p in self.settings]))
            write_categories(self.allure_dir)
        if self.notify or self.notify_dry_run:
            self._alert()

    def _record(self, finished: datetime) -> None:
        history = self.history
        try:
            history.record_run(
                self.started,
                finished,
                [str(p) for p in self.settings],
                [(cid, v, self.items[cid].actual) for cid, v in self.verdicts.items()],
                memos=self.memos,
            )
            first = next(iter(self.settings.values()), NO_SETTINGS)
            pruned = history.prune(first.history.keep_days)
        except (HistoryError, OSError) as e:
            self.said.append(f"history: not recorded: {e}")
            return
        self.said.append(
            f"history: {history.path}" + (f" ({pruned} old runs pruned)" * bool(pruned))
        )

    def _markdown(self, finished: datetime) -> None:
        """Each inventory's ``reports.markdown``: its checks, in its order (one file may
        gather several inventories)."""
        wanted: dict[str, tuple[str, list[Path]]] = {}
        for path, settings in self.settings.items():
            if settings.reports.markdown:
                title, paths = wanted.setdefault(
                    settings.reports.markdown, (settings.reports.title, [])
                )
                paths.append(path)
        for target, (title, paths) in wanted.items():
            rows = [
                self.rows[cid]
                for cid, case in self.cases.items()
                if cid in self.rows and case.inventory in paths
            ]
            text = markdown.render(title, rows, self.started, finished, [p.name for p in paths])
            try:
                markdown.write(Path(target), text)
            except OSError as e:
                self.said.append(f"markdown: {target} not written: {e}")
                continue
            self.said.append(f"markdown: {target}")

    def _alert(self) -> None:
        recovered_ids = {cid for cid, i in self.items.items() if i.history == "recovered"}
        for path, settings in self.settings.items():
            config = settings.alerts
            if config is None:
                continue
            mine = [i for cid, i in self.items.items() if self._from(cid, path)]
            summary = RunSummary(
                items=tuple(mine),
                started=self.started,
                recovered=tuple(i for i in mine if i.check_id in recovered_ids),
                report_url=config.report_url,
                inventories=(path.name,),
            )
            if self.notify_dry_run:
                self.said.append(
                    f"alerts of {path.name} (dry run, nothing sent):\n{dry_run(config, summary)}"
                )
                continue
            outcomes: list[Outcome] = deliver(config, summary)
            self.said += [f"alert {o}" for o in outcomes]

    def _from(self, cid: str, path: Path) -> bool:
        case = self.cases.get(cid)
        return case is not None and case.inventory == path

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.said:
            return
        terminalreporter.section("xunjian operator loop")
        for line in self.said:
            terminalreporter.write_line(line)
