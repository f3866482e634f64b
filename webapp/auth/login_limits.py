"""Failed log-ins limited per account and per client address, counted where every worker sees them.

Two fixed-window limits (``limits`` strategies):

- per account (``WELLS_LOGIN_ACCOUNT_LIMIT``, strict): a guessed password locks only that account, for the
  rest of its window; an administrator can lift it at once (admin → 用户 → 解除登录锁定);
- per client address (``WELLS_LOGIN_LIMIT``, generous): a whole office sits behind one NAT address, so
  this only stops one machine trying many accounts.

An unknown user name is counted like a known one (its own account key), so the lock-out tells nothing
about which names exist. The counters live in Redis when ``WELLS_RATELIMIT_STORAGE_URI`` is a redis:// URL,
else in the database (table ``login_throttle``); ``memory://`` counts per process and is refused outside
demo and test mode (config.py), because two workers would each allow the full number of guesses.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..core import db
from ..models import LoginThrottle

log = logging.getLogger(__name__)
DATABASE = "database"


class DatabaseStorage(Storage):
    """A ``limits`` storage in the application's database: one row per counter, its window's end in
    epoch seconds. It works in the request's own transaction (committed with the log-in's audit event,
    in the one place the request commits; SQLite allows one writer, so a second connection would wait on
    the first); the row is locked while it is counted, so concurrent workers never lose a hit."""

    STORAGE_SCHEME = None  # built by init_app, not from a URL

    def __init__(self, session: Callable[[], Session]):
        super().__init__(wrap_exceptions=True)
        self.session = session

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        session, now = self.session(), time.time()
        row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
        if row is None:
            try:
                with session.begin_nested():  # another worker may create the row first
                    session.add(LoginThrottle(key=key, count=amount, expires_at=now + expiry))
                return amount
            except IntegrityError:
                row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
        if row.expires_at <= now:
            row.count, row.expires_at = amount, now + expiry
        else:
            row.count += amount
        session.flush()
        return row.count

    def _row(self, key: str) -> LoginThrottle | None:
        row = self.session().get(LoginThrottle, key)
        return row if row is not None and row.expires_at > time.time() else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        try:
            self.session().execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        return self.session().execute(delete(LoginThrottle)).rowcount

    def clear(self, key: str) -> None:
        session = self.session()
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
        # Windows long over go with it: the table holds only live counters.
        session.execute(delete(LoginThrottle).where(LoginThrottle.expires_at < time.time() - 3600))
        session.expire_all()


class LimiterUnavailable(Exception):
    """The counters cannot be read or written (Redis or the database away): log-in waits, never unguarded."""


@dataclass(frozen=True)
class Blocked:
    scope: str           # "account" | "address"
    retry_at: float      # epoch seconds


@dataclass(frozen=True)
class AccountCount:
    """Where the account stands after a failure: tries left before the lock-out, and when its window ends."""
    remaining: int
    window_end: float    # epoch seconds


class LoginLimits:
    def __init__(self, storage: Storage, account: str, address: str):
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.account: RateLimitItem = parse(account)
        self.address: RateLimitItem = parse(address)

    @staticmethod
    def account_key(username: str) -> str:
        # Hashed: a name typed into the log-in form may be anything, and need not sit in Redis in clear.
        return hashlib.sha256(username.strip().encode()).hexdigest()[:32]

    def _pairs(self, username: str, address: str):
        return ((self.account, "account", self.account_key(username)), (self.address, "address", address or "-"))

    def blocked(self, username: str, address: str) -> Blocked | None:
        """The limit already used up for this account or this address, if any (the account's first)."""
        try:
            for item, scope, key in self._pairs(username, address):
                if not self.limiter.test(item, "login", scope, key):
                    return Blocked(scope, self.limiter.get_window_stats(item, "login", scope, key).reset_time)
        except StorageError as exc:
            log.error("login limiter storage unavailable: %s", exc)
            raise LimiterUnavailable from exc
        return None

    def failed(self, username: str, address: str) -> AccountCount:
        """Count a failure against the account and the address; where the account's count now stands.

        Counted by the typed name alone (known or not), so the answer is the same for a name that does
        not exist."""
        try:
            for item, scope, key in self._pairs(username, address):
                self.limiter.hit(item, "login", scope, key)
            stats = self.limiter.get_window_stats(self.account, "login", "account", self.account_key(username))
        except StorageError as exc:
            log.error("login limiter storage unavailable: %s", exc)
            raise LimiterUnavailable from exc
        return AccountCount(stats.remaining, stats.reset_time)

    def succeeded(self, username: str) -> None:
        """A correct password ends the account's count (the address's stays: it guards other accounts)."""
        self.unlock(username)

    def unlock(self, username: str) -> None:
        try:
            self.limiter.clear(self.account, "login", "account", self.account_key(username))
        except StorageError as exc:
            raise LimiterUnavailable from exc

    def is_locked(self, username: str) -> float | None:
        """When the account's lock-out ends (epoch seconds), or None if it is not locked."""
        key = self.account_key(username)
        try:
            if self.limiter.test(self.account, "login", "account", key):
                return None
            return self.limiter.get_window_stats(self.account, "login", "account", key).reset_time
        except StorageError:
            return None


def init_app(app: Flask) -> None:
    uri = app.config["RATELIMIT_STORAGE_URI"] or DATABASE
    if uri == DATABASE:
        storage: Storage = DatabaseStorage(db.session)
    else:
        options = {"wrap_exceptions": True}
        if app.config.get("RATELIMIT_KEY_PREFIX"):
            options["key_prefix"] = app.config["RATELIMIT_KEY_PREFIX"]
        storage = storage_from_string(uri, **options)
    app.extensions["login_limits"] = LoginLimits(storage, app.config["LOGIN_ACCOUNT_LIMIT"],
                                                 app.config["LOGIN_LIMIT"])


def limits() -> LoginLimits:
    return current_app.extensions["login_limits"]


def lock_end_text(epoch: float) -> str:
    """When a lock-out ends, as a clerk reads it: 14:35 (today) or 12月7日 14:35."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    moment = datetime.fromtimestamp(epoch + 59, timezone.utc).astimezone(zone)  # rounded up to the minute
    today = datetime.now(timezone.utc).astimezone(zone).date()
    return moment.strftime("%H:%M") if moment.date() == today else f"{moment.month}月{moment.day}日 {moment:%H:%M}"
