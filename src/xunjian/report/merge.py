"""Merge the reports of several runners into one: JUnit XML (junitparser) and Allure results.

A fleet larger than one runner is split by ``--host`` (one runner per site or per slice); each
runner keeps its ``reports/`` folder; this merges them::

    python -m xunjian.report.merge OUT RUN_DIR [RUN_DIR ...]

``OUT/junit.xml`` holds every runner's test cases (junitparser's merge), ``OUT/allure-results``
every runner's result files (Allure names them by UUID, so they never collide), from which
``allure generate`` makes the one Allure report. pytest-html pages are not merged: each runner's
page stays beside its results.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from junitparser import JUnitXml


def merge(out: Path, runs: list[Path]) -> tuple[int, int]:
    """Write ``out/junit.xml`` and ``out/allure-results``; return (test cases, allure files)."""
    out.mkdir(parents=True, exist_ok=True)
    merged = JUnitXml()
    for run in runs:
        junit = run / "junit.xml"
        if not junit.is_file():
            raise FileNotFoundError(f"{junit}: no JUnit XML in this runner's reports")
        merged += JUnitXml.fromfile(str(junit))
    merged.write(str(out / "junit.xml"))
    allure = out / "allure-results"
    allure.mkdir(exist_ok=True)
    copied = 0
    for run in runs:
        for f in sorted((run / "allure-results").glob("*")):
            if f.is_file():
                if (allure / f.name).exists() and f.name.endswith(
                    ("-result.json", "-container.json")
                ):
                    raise FileExistsError(f"{f.name} is in two runners' results")
                shutil.copy2(f, allure / f.name)
                copied += 1
    return sum(1 for suite in merged for _ in suite), copied


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m xunjian.report.merge OUT RUN_DIR [RUN_DIR ...]", file=sys.stderr)
        return 2
    try:
        cases, files = merge(Path(argv[0]), [Path(a) for a in argv[1:]])
    except (OSError, ValueError) as e:
        print(f"cannot merge: {e}", file=sys.stderr)
        return 1
    print(f"{argv[0]}: {cases} test cases in junit.xml, {files} files in allure-results")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
