"""Actions: what writes (backups and their restore drills), kept apart from the observers,
which only look (restic's ``backup`` beside its ``check --read-data``).

An action has its own time limit (hours, where a check has seconds), shows its progress on the
terminal when stderr is one, holds a lock in its backup directory so that two runs never back
up at once, and never writes to its source: a dump or a mirror only reads the source, and a
restore drill writes only into a scratch server started on the runner for it (a throwaway
MariaDB or S3 server on loopback, in a temporary directory). A backup is not done until an
independent read proves it: restored, its figures must equal the source's. The check kinds
``mysql_backup`` and ``s3_backup`` run the actions and judge what they report.
"""

from __future__ import annotations


class ActionError(Exception):
    """The action failed; the message says what and why, naming the bad value."""


class CannotStart(ActionError):
    """The action could not begin (the source unreachable, another run holding the lock, a
    tool missing): nothing was done, so its check is UNKNOWN rather than CRIT."""
