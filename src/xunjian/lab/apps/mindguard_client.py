"""MindGuard's users, simulated (runbook 002 lab): a steady, deterministic load on the API
through its nginx (check-ins, tasks, risk checks, client reports, profile reads, an SOS now and
then) and the cloud functions' timer calls straight to the API server, so the access log, the
metrics and the tables always hold a recent window.

    python -m xunjian.lab.apps.mindguard_client --web http://127.0.12.1:80 --api http://127.0.12.1:8000
"""

from __future__ import annotations

import argparse
import itertools
import time

import requests

from xunjian.lab.mindguard_data import ACTIVE

TICK = 0.5  # seconds between calls: 2 a second
ACTIONS = (
    ("POST", "/api/checkin", {"mood": 4}),
    ("POST", "/api/client-report", {"start_ms": 1500, "page_load_ms": 800, "api_calls": 20}),
    ("FN", "/fn/daily-summary", None),
    ("POST", "/api/risk", None),
    ("GET", "/api/health", None),
    ("POST", "/api/tasks/complete", None),
    ("GET", "/api/profile/{user}", None),
    ("FN", "/fn/mood-trend", None),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--web", required=True, help="the API behind nginx")
    parser.add_argument("--api", required=True, help="the API server itself (cloud functions)")
    args = parser.parse_args()
    http = requests.Session()
    http.trust_env = False  # loopback only: never a proxy
    for n in itertools.count():
        method, path, body = ACTIONS[n % len(ACTIONS)]
        user = n % ACTIVE + 1
        base = args.api if method == "FN" else args.web
        try:
            http.request(
                "POST" if method == "FN" else method,
                base + path.format(user=user),
                json=body,
                headers={"X-User": str(user)},
                timeout=10,
            )
            if n % 1200 == 0 and n:  # an SOS every 10 min
                http.post(args.web + "/api/sos", headers={"X-User": str(user)}, timeout=10)
        except requests.RequestException:
            time.sleep(1)  # the API is down: try again later
        time.sleep(TICK)


if __name__ == "__main__":
    main()
