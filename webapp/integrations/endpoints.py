"""Where each destination is delivered: one endpoint per destination, configured by an administrator.

The address and the secret are credentials (a robot's URL carries its access token; the secret signs every
message): both are stored encrypted (Fernet, key from WELLS_OUTBOX_KEY or derived from WELLS_SECRET_KEY) and
never shown again after entry — the pages show the address without its query and whether a secret is set.
E-mail has no row: its server is the WELLS_SMTP_* settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.tables import utcnow

from .outbox import CREDIT_PLATFORM, EMAIL, ROBOT, SMS
from .tables import CHANNELS, Endpoint  # noqa: F401


def channels_for(destination: str) -> list[str]:
    """The channels a destination may be delivered by."""
    if destination == CREDIT_PLATFORM:
        return ["webhook"]
    if destination == SMS:
        return ["sms"]
    if destination == EMAIL:
        return ["email"]
    if destination.startswith(ROBOT):
        return ["wecom", "dingtalk"]
    return []


class SecretUnreadable(Exception):
    """A stored secret that the current key cannot decrypt (the key changed): enter it again."""


@dataclass(frozen=True)
class Target:
    """An endpoint opened for one delivery: the channel, the full address and the secret in clear."""
    channel: str
    url: str
    secret: str | None


def shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}" + ("?…" if parts.query else "")


def url_problem(url: str, allow_http: bool) -> str | None:
    """Why this address cannot be an endpoint (in Chinese), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "地址应以 https:// 开头，如 https://xypt.example.gov.cn/api/wells"
    if parts.scheme == "http" and not allow_http:
        return "只能使用 https:// 地址（消息含当事人信息，须加密传输）"
    return None


def seal(key: bytes, text: str) -> str:
    return Fernet(key).encrypt(text.encode()).decode()


def unseal(key: bytes, token: str) -> str:
    try:
        return Fernet(key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("接收端的地址或密钥无法解密（系统密钥已更换），请管理员在“接收端配置”中重新录入") from None


def by_destination(session: Session) -> dict[str, Endpoint]:
    return {e.destination: e for e in session.scalars(select(Endpoint))}


def target(session: Session, key: bytes, destination: str) -> Target | None:
    """The active endpoint of a destination, opened (None when none is configured or it is switched off)."""
    endpoint = session.scalar(select(Endpoint).where(Endpoint.destination == destination, Endpoint.active.is_(True)))
    if endpoint is None:
        return None
    return Target(endpoint.channel, unseal(key, endpoint.url_sealed),
                  unseal(key, endpoint.secret_sealed) if endpoint.secret_sealed else None)


def configured(session: Session) -> list[str]:
    """Destinations a relay can deliver now (an active endpoint; e-mail is added by the relay's settings)."""
    return list(session.scalars(select(Endpoint.destination).where(Endpoint.active.is_(True))))


def save(session: Session, engine: Engine, actor: Actor, key: bytes, destination: str, *, channel: str,
         note: str, url: str | None, secret: str | None, clear_secret: bool, active: bool) -> dict:
    """Create or change a destination's endpoint; ``url`` / ``secret`` None keeps the stored one.

    One audit event (``outbox_endpoint_saved``) with what changed; of the address only the part without
    its query, of the secret only whether it changed — never the values."""
    endpoint = session.scalar(select(Endpoint).where(Endpoint.destination == destination).with_for_update())
    before = _snapshot(endpoint) if endpoint else {}
    if endpoint is None:
        endpoint = Endpoint(destination=destination, updated_by=actor.username)
        session.add(endpoint)
    endpoint.channel, endpoint.note, endpoint.active = channel, note, active
    if url:
        endpoint.url_sealed, endpoint.url_shown = seal(key, url), shown(url)
    if secret:
        endpoint.secret_sealed = seal(key, secret)
    elif clear_secret:
        endpoint.secret_sealed = None
    endpoint.updated_at, endpoint.updated_by = utcnow(), actor.username
    session.flush()
    after = _snapshot(endpoint)
    changed = {k for k in after if after[k] != before.get(k)}
    if url and before:
        changed.add("url")  # a new token in the same host and path is still a change worth recording
    change = {"destination": destination, "before": {k: before.get(k) for k in sorted(changed)},
              "after": {k: after[k] for k in sorted(changed)}, "secret_changed": bool(secret or clear_secret)}
    engine.record(session, "outbox_endpoint_saved", actor=actor, title=f"接收端配置：{destination}", data=change)
    return change


def _snapshot(endpoint: Endpoint) -> dict:
    return {"channel": endpoint.channel, "note": endpoint.note, "url": endpoint.url_shown,
            "active": bool(endpoint.active), "secret_set": endpoint.secret_sealed is not None}
