"""Signatures: ours on every HTTPS message (HMAC-SHA256 of the exact body bytes with the endpoint's secret),
and DingTalk's signed robot URL. docs/integrations.md shows a receiver verifying ours."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote_plus

SIGNATURE_HEADER = "X-Wells-Signature"


def canonical(body: dict) -> bytes:
    """The bytes sent: UTF-8 JSON, keys sorted, no spaces — the same bytes for every attempt of a message."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """The header's value: ``sha256=`` and the hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does (and the tests): compare in constant time."""
    return bool(header) and hmac.compare_digest(signature(secret, body), header)


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: ``timestamp`` (ms) and ``sign`` = URL-encoded Base64 of HMAC-SHA256(secret,
    "<timestamp>\\n<secret>") appended to the robot's webhook address."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"
