"""The verdicts of past runs: an SQLite store (:mod:`.store`) and each check's status phrase
(:mod:`.status`: new, failing since, recovered, flapping); ``python -m xunjian.history`` reads and
prunes the file."""

from xunjian.history.status import Seen, Status, status
from xunjian.history.store import DEFAULT_PATH, History, HistoryError, Row

__all__ = ["DEFAULT_PATH", "History", "HistoryError", "Row", "Seen", "Status", "status"]
