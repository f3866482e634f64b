"""Creating, revoking and re-issuing system accounts' tokens (the admin page's writes), each on the audit
trail under the administrator — the scopes, towns and expiry, never the token or its hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine.tables import utcnow

from . import tokens
from .tables import ApiAccount


class AccountRefused(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _plain(account: ApiAccount) -> dict:
    return {"name": account.name, "display_name": account.display_name, "scopes": list(account.scopes),
            "towns": account.towns, "expires_at": account.expires_at.isoformat(), "token_hint": account.token_hint}


def create_account(session: Session, engine: Engine, actor: Actor, *, name: str, display_name: str, scopes: list[str],
                   towns: list[str] | None, expires_at: datetime, created_by: str) -> tuple[ApiAccount, str]:
    """The new account and its token (to show once)."""
    if session.scalar(select(ApiAccount.id).where(func.lower(ApiAccount.name) == name.lower())) is not None:
        raise AccountRefused("name", f"系统账号名“{name}”已被使用，请换一个。")
    token, token_hash, hint = tokens.issue()
    account = ApiAccount(name=name, display_name=display_name, scopes=scopes, towns=towns or None,
                         token_hash=token_hash, token_hint=hint, expires_at=expires_at, created_by=created_by)
    session.add(account)
    session.flush()
    engine.record(session, "api_account_created", actor=actor, title=display_name, data=_plain(account))
    return account, token


def revoke(session: Session, engine: Engine, actor: Actor, account: ApiAccount, reason: str) -> None:
    if account.revoked_at is not None:
        raise AccountRefused("reason", "这个系统账号已经停用。")
    account.revoked_at, account.revoked_by = utcnow(), actor.username
    session.flush()
    engine.record(session, "api_account_revoked", actor=actor, title=account.display_name,
                  data={"name": account.name, "reason": reason})


def reissue(session: Session, engine: Engine, actor: Actor, account: ApiAccount, expires_at: datetime,
            reason: str) -> str:
    """A new token (the old one stops working at once), a new expiry; a revoked account is active again."""
    token, token_hash, hint = tokens.issue()
    before = {"token_hint": account.token_hint, "expires_at": account.expires_at.isoformat(),
              "revoked": account.revoked_at is not None}
    account.token_hash, account.token_hint, account.expires_at = token_hash, hint, expires_at
    account.revoked_at = account.revoked_by = None
    session.flush()
    engine.record(session, "api_token_reissued", actor=actor, title=account.display_name, data={
        "name": account.name, "reason": reason, "before": before,
        "after": {"token_hint": hint, "expires_at": expires_at.isoformat(), "revoked": False}})
    return token
