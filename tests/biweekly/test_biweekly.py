"""每两周任务 (runbook part 3): the inventory's biweekly checks, one test per check kind.

The test functions live in xunjian.suite; the plugin gives them this folder's cadence.
"""

from xunjian.suite import *  # noqa: F403 - port, process, sql, log, http, s3, in runbook order
