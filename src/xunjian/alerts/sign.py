"""The signatures of the chat bots' custom webhooks, as their vendors document them. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac


def feishu_sign(timestamp: int, secret: str) -> str:
    """Feishu (签名校验): HMAC-SHA256 keyed with ``"{timestamp}\\n{secret}"`` over an empty
    message, base64. ``timestamp`` in seconds; it goes into the JSON body as a string."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk (加签): HMAC-SHA256 keyed with the secret over ``"{timestamp}\\n{secret}"``,
    base64. ``timestamp_ms`` in milliseconds. Raw base64: URL-encode it exactly once."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
