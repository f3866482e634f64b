"""Delivery channels behind one interface: ``deliver(message, target, settings)`` sends one outbox row and
returns what the other side answered, or raises ``DeliveryFailed`` (``permanent`` when no retry can mend it).

- ``webhook``: HTTPS POST of a signed JSON envelope (the credit platform, any system);
- ``sms``: an HTTP SMS gateway, the same signed envelope with the number and the text;
- ``wecom`` / ``dingtalk``: the group robots' documented text messages (DingTalk's 加签 URL when a secret is set);
- ``email``: SMTP with the standard library (WELLS_SMTP_*).

Every attempt of a message sends the same bytes with the same ``Idempotency-Key``; a robot or a mail
server cannot use it, so a relay killed between their acceptance and its commit sends those twice
(docs/integrations.md, "Idempotency").
"""
from __future__ import annotations

import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import requests

from .endpoints import Target
from .outbox import OutboxMessage
from .settings import RelaySettings
from .signing import SIGNATURE_HEADER, canonical, dingtalk_url, signature

USER_AGENT = "wells-outbox/1"
ROBOT_TEXT_BYTES = 2000  # WeCom's text limit is 2048 bytes, DingTalk's larger: keep both safe
# Answers that a later attempt may get past: timeouts, conflicts in flight, rate limits.
RETRYABLE_4XX = {408, 409, 425, 429}


class DeliveryFailed(Exception):
    def __init__(self, detail: str, permanent: bool = False):
        super().__init__(detail)
        self.detail, self.permanent = detail, permanent


# ------------------------------------------------------------------------------------------ bodies

def envelope(message: OutboxMessage) -> dict:
    """The JSON every HTTPS receiver gets (webhook): who we are, what the message is, and its data."""
    return {"id": message.idempotency_key, "type": message.kind, "sender": "rushan-wells",
            "created_at": message.created_at.isoformat(), "case": (message.payload or {}).get("case"),
            "data": message.payload}


def people_text(message: OutboxMessage) -> str:
    payload = message.payload or {}
    subject, text = payload.get("subject") or "", payload.get("text") or ""
    return f"{subject}\n{text}".strip() if subject else text


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit - 3].decode("utf-8", errors="ignore") + "…"


def sms_body(message: OutboxMessage) -> dict:
    return {"id": message.idempotency_key, "to": message.recipient, "text": people_text(message)}


def wecom_body(message: OutboxMessage) -> dict:
    text = {"content": _cut(people_text(message), ROBOT_TEXT_BYTES)}
    mentions = (message.payload or {}).get("mentions")
    if mentions:
        text["mentioned_mobile_list"] = list(mentions)
    return {"msgtype": "text", "text": text}


def dingtalk_body(message: OutboxMessage) -> dict:
    mentions = list((message.payload or {}).get("mentions") or [])
    content = people_text(message)
    if mentions:  # DingTalk shows an @ only when the number is also in the text
        content += "\n" + " ".join(f"@{m}" for m in mentions)
    return {"msgtype": "text", "text": {"content": _cut(content, ROBOT_TEXT_BYTES)},
            "at": {"atMobiles": mentions, "isAtAll": False}}


def email_message(message: OutboxMessage, settings: RelaySettings) -> EmailMessage:
    payload = message.payload or {}
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = message.recipient
    mail["Subject"] = payload.get("subject") or message.kind_label
    mail["Date"] = formatdate(localtime=False)
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "wells.local"
    # The same Message-ID on every attempt: a mail client shows a repeat as one message.
    mail["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
    mail["X-Wells-Idempotency-Key"] = message.idempotency_key
    mail.set_content(payload.get("text") or "", charset="utf-8")
    return mail


# ------------------------------------------------------------------------------------------ sending

def _post(url: str, body: bytes, headers: dict, settings: RelaySettings) -> requests.Response:
    try:
        return requests.post(url, data=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                      "User-Agent": USER_AGENT, **headers},
                             timeout=settings.timeout, verify=settings.verify, allow_redirects=False)
    except requests.Timeout:
        raise DeliveryFailed(f"对方在 {settings.timeout:g} 秒内没有应答") from None
    except requests.exceptions.SSLError:
        raise DeliveryFailed("对方的 HTTPS 证书无法验证（证书过期、域名不符或不受信任）") from None
    except requests.ConnectionError:
        raise DeliveryFailed("无法连接对方服务器（地址不通或对方未开启服务）") from None
    except requests.RequestException as exc:
        raise DeliveryFailed(f"发送出错（{type(exc).__name__}）") from None


def _check_status(response: requests.Response) -> None:
    if 200 <= response.status_code < 300:
        return
    excerpt = response.text[:200].strip()
    detail = f"对方答复 HTTP {response.status_code}" + (f"：{excerpt}" if excerpt else "")
    permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX
    raise DeliveryFailed(detail + ("（对方拒收，重试无益，请核对配置或联系对方）" if permanent else ""), permanent)


def _signed(message: OutboxMessage, target: Target, body: dict, settings: RelaySettings) -> str:
    if not target.secret:
        raise DeliveryFailed("接收端未设置签名密钥，请管理员在“接收端配置”中录入", permanent=True)
    data = canonical(body)
    response = _post(target.url, data, {"Idempotency-Key": message.idempotency_key,
                                        SIGNATURE_HEADER: signature(target.secret, data),
                                        "X-Wells-Message-Type": message.kind,
                                        "X-Wells-Attempt": str(message.attempts + 1)}, settings)
    _check_status(response)
    return f"HTTP {response.status_code}"


def _robot(message: OutboxMessage, target: Target, body: dict, url: str, settings: RelaySettings) -> str:
    response = _post(url, canonical(body), {}, settings)
    _check_status(response)
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryFailed("群机器人的答复无法识别") from None
    if answer.get("errcode") != 0:
        raise DeliveryFailed(f"群机器人拒收：{answer.get('errcode')} {answer.get('errmsg', '')}".strip())
    return "群机器人已接收"


def _email(message: OutboxMessage, settings: RelaySettings) -> str:
    if not settings.email_configured:
        raise DeliveryFailed("未配置邮件服务器（WELLS_SMTP_HOST、WELLS_SMTP_FROM）")
    mail = email_message(message, settings)
    context = ssl.create_default_context(cafile=settings.ca_bundle or None)
    try:
        if settings.smtp_security == "ssl":
            server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
        with server:
            if settings.smtp_security == "starttls":
                server.starttls(context=context)
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(mail)
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryFailed(f"邮件服务器拒收收件人 {message.recipient}，请核对邮箱地址", permanent=True) from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryFailed("邮件服务器登录失败，请核对 WELLS_SMTP_USER / WELLS_SMTP_PASSWORD") from None
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.smtp_code < 600
        raise DeliveryFailed(f"邮件服务器答复 {exc.smtp_code}", permanent) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"无法连接邮件服务器（{type(exc).__name__}）") from None
    return "邮件服务器已接收"


def deliver(message: OutboxMessage, target: Target | None, settings: RelaySettings) -> str:
    """Send one message; the answer in words, or DeliveryFailed."""
    if target is None:
        return _email(message, settings)
    if target.channel == "webhook":
        return _signed(message, target, envelope(message), settings)
    if target.channel == "sms":
        if not message.recipient:
            raise DeliveryFailed("短信没有收件手机号", permanent=True)
        return _signed(message, target, sms_body(message), settings)
    if target.channel == "wecom":
        return _robot(message, target, wecom_body(message), target.url, settings)
    if target.channel == "dingtalk":
        url = dingtalk_url(target.url, target.secret, int(time.time() * 1000)) if target.secret else target.url
        return _robot(message, target, dingtalk_body(message), url, settings)
    raise DeliveryFailed(f"未知的发送方式 {target.channel}", permanent=True)
