"""python: a Python interpreter on the host (a service's virtual environment) is at least a
version and imports the packages the service needs (runbook 003 §1: Python 3.9+ in
/opt/datasync/.venv; ``pip install flask apscheduler sqlalchemy pymysql pandas openpyxl pyyaml
requests``; §8.4 Excel 写入失败: 安装 ``openpyxl``). One command in the host's batch: the
interpreter itself imports each module and prints JSON."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from xunjian.checks.spec import spec_of
from xunjian.inventory.case import CheckCase
from xunjian.inventory.fields import Ident
from xunjian.inventory.model import CheckBase
from xunjian.observe.batch import Section
from xunjian.observe.facts import MISSING_RC, Fact
from xunjian.observe.host import probe_for
from xunjian.result import ObservationError, Result

ORDER = 28
_SCRIPT = (
    "import importlib, json, sys\n"
    "bad = {}\n"
    "for m in sys.argv[1:]:\n"
    "    try:\n"
    "        importlib.import_module(m)\n"
    "    except Exception as e:\n"
    "        bad[m] = type(e).__name__ + ': ' + str(e)[:160]\n"
    "print(json.dumps({'version': list(sys.version_info[:3]), 'exe': sys.executable, 'bad': bad}))\n"
)


class PythonCheck(CheckBase):
    kind: Literal["python"]
    name: Ident
    interpreter: str = Field(pattern=r"^/", description="e.g. /opt/datasync/.venv/bin/python")
    min_version: str = Field("3.9", pattern=r"^3\.\d+$", description="the lowest 3.x allowed")
    modules: list[str] = Field(
        default_factory=list, description="import names, e.g. yaml for PyYAML"
    )


SPEC = PythonCheck


@dataclass(frozen=True)
class PythonInfo:
    version: tuple[int, ...]
    broken: dict[str, str]  # module -> why it does not import


@dataclass(frozen=True)
class PythonProbe(Fact[PythonInfo | None]):
    """``INTERPRETER -c SCRIPT MODULE...``; None: no such interpreter."""

    interpreter: str
    modules: tuple[str, ...]

    def command(self) -> str:
        p = shlex.quote(self.interpreter)
        run = shlex.join([self.interpreter, "-c", _SCRIPT, *self.modules])
        return f"if [ ! -e {p} ]; then exit {MISSING_RC}; fi; {run}"

    def describe(self) -> str:
        return f"{self.interpreter} -c 'import ...' {' '.join(self.modules)}"

    def parse(self, section: Section) -> PythonInfo | None:
        if section.rc == MISSING_RC and not section.stdout:
            return None
        if section.rc != 0:
            raise self.failed(section)
        try:
            got = json.loads(section.stdout.strip().splitlines()[-1])
            return PythonInfo(tuple(int(v) for v in got["version"]), dict(got["bad"]))
        except (ValueError, KeyError, IndexError, TypeError):
            raise ObservationError(
                f"`{self.describe()}` printed {section.stdout[:120]!r}"
            ) from None


def _spec(case: CheckCase) -> PythonCheck:
    return spec_of(case, PythonCheck)


def _fact(case: CheckCase) -> PythonProbe:
    spec = _spec(case)
    return PythonProbe(spec.interpreter, tuple(spec.modules))


def expected(case: CheckCase) -> str:
    spec = _spec(case)
    mods = f", importing {', '.join(spec.modules)}" if spec.modules else ""
    return f"{spec.interpreter}: Python >= {spec.min_version}{mods}"


def budget(case: CheckCase) -> float:
    return probe_for(case).limit


def facts(case: CheckCase) -> list[Fact[Any]]:
    return [_fact(case)]


def targets(case: CheckCase) -> set[str]:
    return set()


def observe(case: CheckCase) -> PythonInfo | None:
    return probe_for(case).get(_fact(case))


def evaluate(case: CheckCase, obs: PythonInfo | None) -> Result:
    spec = _spec(case)
    exp = expected(case)
    if obs is None:
        return Result.crit(exp, f"{spec.interpreter} does not exist", "no such interpreter")
    version = ".".join(map(str, obs.version))
    wanted = tuple(int(v) for v in spec.min_version.split("."))
    if obs.version[:2] < wanted:
        return Result.crit(
            exp, f"Python {version}", f"Python {version} is older than {spec.min_version}"
        )
    if obs.broken:
        said = "; ".join(f"{m}: {why}" for m, why in obs.broken.items())
        return Result.crit(exp, f"Python {version}; {len(obs.broken)} module(s) do not import",
                           f"not importable: {', '.join(obs.broken)}", tuple(said.split("; ")))  # fmt: skip
    return Result.ok(exp, f"Python {version}; {len(spec.modules)} module(s) import")
