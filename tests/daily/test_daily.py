"""每日巡检 (runbook part 1): the inventory's daily checks, one test per check kind.

The test functions live in xunjian.suite; the plugin gives them this folder's cadence.
"""

from xunjian.suite import *  # noqa: F403 - port, process, sql, log, http, s3, in runbook order
