"""``python -m xunjian.history show CHECK_ID`` prints a check's past verdicts, newest first;
``prune --days N`` deletes the runs older than N days.

Exit codes: 0 done; 1 the file is missing or unusable, or holds no verdict of that check (the
reason on stderr, naming the path); 2 the command line is wrong (usage on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from xunjian.history.status import SHANGHAI
from xunjian.history.store import DEFAULT_PATH, History, HistoryError, Row


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m xunjian.history", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="a check's past verdicts, newest first")
    show.add_argument("check_id", metavar="CHECK_ID")
    show.add_argument("--limit", type=_count(1), default=20, metavar="N", help="rows (20)")
    prune = commands.add_parser("prune", help="delete runs older than N days")
    prune.add_argument("--days", type=_count(0), required=True, metavar="N")
    for command in (show, prune):
        command.add_argument(
            "--db", type=Path, default=DEFAULT_PATH, metavar="PATH", help=f"({DEFAULT_PATH})"
        )
    return top


def table(rows: list[Row]) -> list[str]:
    """Time (Asia/Shanghai), verdict and message, one row a line under a header."""
    lines = [f"{'time (Asia/Shanghai)':<20}  {'verdict':<7}  message"]
    for row in rows:
        when = row.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{when:<20}  {row.verdict.value:<7}  {row.message}".rstrip())
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    history = History(args.db)
    try:
        if args.command == "prune":
            print(
                f"{args.db}: {history.prune(args.days)} run(s) older than {args.days} days deleted"
            )
            return 0
        rows = history.check_history(args.check_id, args.limit)
    except HistoryError as e:
        print(e, file=sys.stderr)
        return 1
    if not rows:
        print(f"{args.db}: no verdict of check {args.check_id!r}", file=sys.stderr)
        return 1
    print("\n".join(table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
