"""One call of a flow: sent once, answered (or not) within its time limit, never repeated.

Its own session per call (no pooled connection to go stale and tempt a resend), adapters
with ``Retry(0, read=False)``, redirects not followed, environment proxies ignored
(:mod:`xunjian.observe.web`). The whole exchange has the call's timeout (a trickling server is
cut off there) and an API that timed out is remembered for the run
(:mod:`xunjian.observe.endpoints`): the flow's later calls to it are not made.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from xunjian.observe import endpoints, web
from xunjian.result import ObservationError

NO_RETRY = Retry(total=0, read=False)  # requests' own default, written out: never resend


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (error says why)
    body: bytes
    elapsed_ms: float
    error: str = ""
    timed_out: bool = False


def session() -> requests.Session:
    """A session that sends each request once: no retry on any error, for any method."""
    s = web.session()
    once = HTTPAdapter(max_retries=NO_RETRY)
    s.mount("http://", once)
    s.mount("https://", once)
    return s


def send(
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    form: dict[str, str] | None,
    timeout: float,
    verify: bool,
) -> Answer:
    """The answer to one request; an error is an Answer without status, never raised."""
    address, port = web.endpoint(url)
    path = urlsplit(url).path
    said = f"{method} {path}: no answer within {timeout:g} s (sent once, not repeated)"
    start = time.monotonic()

    def exchange() -> Answer:
        try:
            with (
                session() as http,
                http.request(
                    method,
                    url,
                    headers=headers,
                    json=body,
                    data=form,
                    timeout=timeout,
                    verify=verify,
                    allow_redirects=False,
                    stream=True,
                ) as resp,
            ):
                data = web.read_body(resp, timeout)
        except requests.Timeout:
            raise endpoints.remember(address, port, said) from None
        except requests.ConnectionError as e:
            return Answer(None, b"", _ms(start), f"no answer: {_root(e)}")
        except requests.RequestException as e:  # its message may quote a header: type only
            return Answer(None, b"", _ms(start), f"{method} {path}: {type(e).__name__}")
        except endpoints.Silent:
            raise
        except ObservationError as e:  # the body broke off: the call was made, once
            return Answer(None, b"", _ms(start), str(e))
        return Answer(resp.status_code, data, _ms(start))

    try:
        return endpoints.within(address, port, timeout, said, exchange)
    except endpoints.Silent as e:
        return Answer(None, b"", _ms(start), str(e), timed_out=True)


def _ms(start: float) -> float:
    return (time.monotonic() - start) * 1000


def _root(e: BaseException) -> str:
    while e.__context__ is not None and e.__context__ is not e:
        e = e.__context__
    return str(e).split(": ", 1)[-1][:200]
