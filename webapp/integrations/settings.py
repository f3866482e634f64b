"""The relay's and the channels' settings (``WELLS_OUTBOX_*``, ``WELLS_SMTP_*``), in webapp/config.py's style:
name -> (default, description); the README's configuration table lists them. Read once at start-up
(``from_settings``, called when the blueprint is registered), so a wrong value stops the app and the relay
with a message that names the variable, instead of failing at the first delivery.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field

from ..core.config import PREFIX, ConfigError

SETTINGS: dict[str, tuple[str, str]] = {
    "OUTBOX_INTERVAL": ("10", "seconds between sweeps of `flask outbox relay` when nothing is due"),
    "OUTBOX_MAX_ATTEMPTS": ("8", "failed deliveries after which a message is `failed` (失败) and waits for the office's resend"),
    "OUTBOX_BACKOFF_SECONDS": ("60", "wait before the first retry; doubled after every further failure"),
    "OUTBOX_BACKOFF_MAX_SECONDS": ("21600", "longest wait between two attempts (6 hours)"),
    "OUTBOX_TIMEOUT": ("15", "seconds one delivery may take (connect and answer) before it counts as failed"),
    "OUTBOX_LEASE_SECONDS": ("300", "how long a claimed message is the claiming relay's; a relay killed mid-send leaves it, and after this time another relay sends it again with the same idempotency key. More than twice WELLS_OUTBOX_TIMEOUT"),
    "OUTBOX_ALLOW_HTTP": ("0", "1 = endpoints may be plain http:// (an SMS gateway on the intranet, tests); otherwise https:// only"),
    "OUTBOX_CA_BUNDLE": ("", "file of CA certificates to trust for endpoints' HTTPS (a government private CA); empty = the system's"),
    "OUTBOX_KEY": ("", "key that encrypts the endpoints' secrets in the database; default derived from WELLS_SECRET_KEY (changing either makes the stored secrets unreadable: enter them again)"),
    "SMTP_HOST": ("", "mail server for e-mail messages; empty = e-mail is not configured (messages wait)"),
    "SMTP_PORT": ("587", "mail server port (587 STARTTLS, 465 SSL, 25 plain)"),
    "SMTP_SECURITY": ("starttls", "`starttls`, `ssl` or `none` (none only on a trusted network)"),
    "SMTP_USER": ("", "mail account user name (empty: no log-in)"),
    "SMTP_PASSWORD": ("", "mail account password"),
    "SMTP_FROM": ("", "sender address, e.g. 自备井整治 <wells@example.gov.cn>"),
}


@dataclass(frozen=True)
class RelaySettings:
    interval: float
    max_attempts: int
    backoff: int
    backoff_max: int
    timeout: float
    lease: int
    allow_http: bool
    ca_bundle: str
    secret_key: bytes = field(repr=False)  # the Fernet key of the endpoints' secrets
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str = field(repr=False)
    smtp_from: str

    @property
    def verify(self) -> bool | str:
        """What requests checks the endpoint's certificate against."""
        return self.ca_bundle or True

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    def retry_after(self, failures: int) -> int:
        """Seconds to wait after the ``failures``-th failure: 60, 120, 240 … up to the maximum."""
        return min(self.backoff * 2 ** (failures - 1), self.backoff_max)


def _value(name: str, config) -> str:
    if name in config:  # create_app(settings) passes a test's override through to app.config
        return str(config[name] if config[name] is not None else "")
    return os.environ.get(PREFIX + name, SETTINGS[name][0])


def _number(name: str, config, low: float, kind=int):
    text = _value(name, config).strip()
    try:
        number = kind(text)
    except ValueError:
        number = None
    if number is None or number < low:
        raise ConfigError(f"{PREFIX}{name}={text!r} must be a number of at least {low:g}.")
    return number


def fernet_key(secret: str) -> bytes:
    """A Fernet key (32 bytes, url-safe base64) derived from a passphrase of any length."""
    return base64.urlsafe_b64encode(hashlib.sha256(b"wells outbox secrets\0" + secret.encode()).digest())


def from_settings(config) -> RelaySettings:
    """The settings from app config, the environment and the defaults; ConfigError naming a wrong one."""
    timeout = _number("OUTBOX_TIMEOUT", config, 1, float)
    lease = _number("OUTBOX_LEASE_SECONDS", config, 1)
    if lease <= 2 * timeout:
        # A send still running when its lease ends would be sent a second time by another relay.
        raise ConfigError(f"{PREFIX}OUTBOX_LEASE_SECONDS ({lease}) must be more than twice "
                          f"{PREFIX}OUTBOX_TIMEOUT ({timeout:g}).")
    security = _value("SMTP_SECURITY", config).strip().lower()
    if security not in ("starttls", "ssl", "none"):
        raise ConfigError(f"{PREFIX}SMTP_SECURITY={security!r} must be starttls, ssl or none.")
    ca_bundle = _value("OUTBOX_CA_BUNDLE", config).strip()
    if ca_bundle and not os.path.isfile(ca_bundle):
        raise ConfigError(f"{PREFIX}OUTBOX_CA_BUNDLE={ca_bundle!r} is not a file.")
    passphrase = _value("OUTBOX_KEY", config).strip() or "derived:" + str(config.get("SECRET_KEY") or "")
    return RelaySettings(
        interval=_number("OUTBOX_INTERVAL", config, 0.1, float),
        max_attempts=_number("OUTBOX_MAX_ATTEMPTS", config, 1),
        backoff=_number("OUTBOX_BACKOFF_SECONDS", config, 1),
        backoff_max=_number("OUTBOX_BACKOFF_MAX_SECONDS", config, 1),
        timeout=timeout, lease=lease,
        allow_http=_value("OUTBOX_ALLOW_HTTP", config).strip() == "1",
        ca_bundle=ca_bundle, secret_key=fernet_key(passphrase),
        smtp_host=_value("SMTP_HOST", config).strip(), smtp_port=_number("SMTP_PORT", config, 1),
        smtp_security=security, smtp_user=_value("SMTP_USER", config).strip(),
        smtp_password=_value("SMTP_PASSWORD", config), smtp_from=_value("SMTP_FROM", config).strip())
