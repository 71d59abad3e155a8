"""HTTP sessions for checks: environment proxies ignored, redirects not followed, bodies bounded.

``trust_env = False``: an HTTP(S)_PROXY in the runner's environment must not carry a check (and
its secret headers) off to another machine; checks talk to the address the inventory names.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests
import urllib3

from xunjian.observe import endpoints
from xunjian.result import ObservationError

BODY_LIMIT = 256 * 1024


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    return s


def endpoint(url: str) -> endpoints.Endpoint:
    """(host, port) of a URL, the key under which a silent endpoint is remembered."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # refused at load; here only from a hand-made case
        port = None
    return parts.hostname or "", port or (443 if parts.scheme == "https" else 80)


def read_body(resp: requests.Response, deadline_s: float) -> bytes:
    """At most BODY_LIMIT bytes within ``deadline_s``, even from a server that trickles bytes:
    ``read1`` returns what has arrived instead of waiting for a full chunk."""
    end = time.monotonic() + deadline_s
    chunks: list[bytes] = []
    size = 0
    try:
        while size < BODY_LIMIT and time.monotonic() < end:
            chunk = resp.raw.read1(8192, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except urllib3.exceptions.ReadTimeoutError:
        said = f"{resp.url}: the body did not arrive within {deadline_s:g} s"
        raise endpoints.remember(*endpoint(resp.url), said) from None
    except urllib3.exceptions.HTTPError as e:
        raise ObservationError(f"{resp.url}: the body broke off ({type(e).__name__})") from None
    return b"".join(chunks)[:BODY_LIMIT]
