"""CreditPilot's authentication (runbook 001 §7 权限验证): Flask sessions on the web app, bearer
tokens for the Accounting API, and two roles (RBAC: Admin / Accountant).

A login (``POST /api/auth/login``) checks the password against the hash in ``users``, sets the
session and returns a signed token (itsdangerous, keyed by the app's secret) that both servers
accept. Faults (read per request): ``login_broken`` refuses every login; ``open_access`` (the
web app) and ``token_auth_off`` (the Accounting API) let a request without a session or token
through; ``rbac_off`` skips role checks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Response, jsonify, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

TOKEN_AGE = 3600  # seconds a token is accepted
Faults = Callable[[], dict[str, Any]]
Denied = tuple[Response, int]


class Auth:
    def __init__(self, db: Path, secret: str, faults: Faults) -> None:
        self.db = db
        self.tokens = URLSafeTimedSerializer(secret, salt="creditpilot-api")
        self.faults = faults

    def login(self, username: str, password: str) -> dict[str, str] | None:
        """The user's name and role if the password matches, else None."""
        if self.faults().get("login_broken"):
            return None
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as conn:
            row = conn.execute(
                "SELECT username, password_hash, role FROM users WHERE username = ?", (username,)
            ).fetchone()
        if row is None or not check_password_hash(row[1], password):
            return None
        user = {"username": row[0], "role": row[2]}
        session["user"] = user
        return user

    def token(self, user: dict[str, str]) -> str:
        return self.tokens.dumps(user)

    def current(self, sessions: bool) -> dict[str, str] | None:
        """The user of this request: the session (on the web app) or a bearer token."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            try:
                found = self.tokens.loads(header.removeprefix("Bearer "), max_age=TOKEN_AGE)
            except BadSignature:
                return None
            return found if isinstance(found, dict) else None
        user = session.get("user") if sessions else None
        return user if isinstance(user, dict) else None

    def refuse(
        self, roles: tuple[str, ...], sessions: bool = True, open_fault: str = "open_access"
    ) -> Denied | None:
        """None if the request may go on; else the 401 (who are you?) or 403 (not allowed)."""
        user = self.current(sessions)
        if user is None:
            if self.faults().get(open_fault):
                return None
            return jsonify({"error": "authentication required"}), 401
        if roles and user.get("role") not in roles and not self.faults().get("rbac_off"):
            return jsonify({"error": f"role {user.get('role')} may not do this"}), 403
        return None
