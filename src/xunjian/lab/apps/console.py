"""MinIO console stand-in: a login page whose credentials are checked against the real S3 server.

Run as ``python -m xunjian.lab.apps.console --listen 127.0.10.3:9001 --s3 http://127.0.10.3:9000``.
``POST /api/v1/login`` with JSON ``{"accessKey", "secretKey"}`` answers 204 and sets a ``token``
cookie when a signed ListBuckets succeeds, 401 on bad credentials, 503 when S3 cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import S3Error

PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>MinIO Console</title></head>'
    '<body><h1>MinIO Console</h1><form id="login"><input name="accessKey">'
    '<input name="secretKey" type="password"><button>Login</button></form></body></html>\n'
)
BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied"}


def check_login(s3_url: str, access_key: str, secret_key: str) -> int:
    """204 if the credentials list buckets, 401 if S3 rejects them, 503 if S3 is unreachable."""
    parts = urlsplit(s3_url)
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2, read=5), retries=urllib3.Retry(total=0)
    )
    client = Minio(
        parts.netloc,
        access_key=access_key,
        secret_key=secret_key,
        secure=parts.scheme == "https",
        http_client=http,
    )
    try:
        client.list_buckets()
    except S3Error as err:
        return 401 if err.code in BAD_CREDENTIALS else 503
    except Exception:
        return 503
    return 204


class Handler(BaseHTTPRequestHandler):
    server_version = "MinIOConsole/lab"
    s3_url = ""
    timeout = 10

    def _json(self, code: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if urlsplit(self.path).path not in ("/", "/login", "/browser"):
            self._json(404, {"detailedMessage": "not found"})
            return
        data = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/api/v1/login":
            self._json(404, {"detailedMessage": "not found"})
            return
        try:
            length = min(int(self.headers.get("Content-Length") or 0), 65536)
            body = json.loads(self.rfile.read(length) or b"{}")
            access_key, secret_key = str(body["accessKey"]), str(body["secretKey"])
        except (ValueError, KeyError, TypeError):
            self._json(400, {"detailedMessage": "expected JSON {accessKey, secretKey}"})
            return
        code = check_login(self.s3_url, access_key, secret_key)
        if code == 204:
            self.send_response(204)
            self.send_header("Set-Cookie", f"token={secrets.token_urlsafe(24)}; Path=/; HttpOnly")
            self.end_headers()
        elif code == 401:
            self._json(401, {"code": 401, "detailedMessage": "invalid Login"})
        else:
            self._json(503, {"code": 503, "detailedMessage": "storage server unreachable"})

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", flush=True)


class NoLookupHTTPServer(ThreadingHTTPServer):
    """http.server's server_bind asks socket.getfqdn() for a name of the bind address: for an
    address outside /etc/hosts (127.0.10.3) that is a reverse DNS query, sent to the resolver of
    /etc/resolv.conf, off loopback. The lab names its servers by address instead."""

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xunjian.lab.apps.console")
    parser.add_argument("--listen", required=True, help="ADDR:PORT")
    parser.add_argument("--s3", required=True, help="S3 endpoint URL")
    args = parser.parse_args(argv)
    addr, _, port = args.listen.rpartition(":")
    Handler.s3_url = args.s3
    server = NoLookupHTTPServer((addr, int(port)), Handler)
    server.daemon_threads = True
    print(f"console listening on {args.listen}, S3 {args.s3}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
