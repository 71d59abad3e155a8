"""The lab's first biweekly backups, taken for real when missing.

Daily checks judge the freshness of what the biweekly run writes (runbook 000 step B3: the dump
and the mirror of the THQH systems; runbook 003 §10: DataSync's dump with ``sync_tasks``). A
fresh lab has none, so ``bin/daily`` and the self-tests' lab fixture take them first: ``pytest
-m biweekly`` on the default lab inventories, each backup proven by a restore (~20 s).

    python -m xunjian.lab backups     # what bin/daily runs
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository: pytest's rootdir and inventories
# what the daily checks look for, below the lab's folder (see the lab inventories' backup rows)
PROOFS = ("backups/thqh-enterprise-wechat/proven.json", "backups/datasync/datasync-*.sql.gz")


def missing(lab_root: Path) -> list[str]:
    """The backups the lab does not have yet."""
    return [p for p in PROOFS if not any(lab_root.glob(p))]


def take(lab_root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the biweekly checks of the default lab inventories (their history apart from the
    reports'); the output tells what failed."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "biweekly", "-p", "no:cacheprovider", "-q",
         "-o", "addopts=", f"--history={lab_root / 'backup-history.sqlite'}"],
        cwd=ROOT, env=os.environ | env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
