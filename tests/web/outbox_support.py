"""Shared pieces of the outbox tests: the app with relay settings for local servers, a real SMTP server
(aiosmtpd) on a free port, and helpers that configure an endpoint, run the relay and read the rows.

HTTP receivers are pytest-httpserver's ``httpserver`` (a real server in a thread, started by the plugin)."""
from __future__ import annotations

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import Actor
from webapp.core import db, workflow
from webapp.integrations import endpoints, relay
from webapp.integrations.tables import OutboxAttempt, OutboxMessage

SECRET = "s3cret-shared-with-the-platform"
RELAY_SETTINGS = {"OUTBOX_ALLOW_HTTP": "1", "OUTBOX_TIMEOUT": "2", "OUTBOX_LEASE_SECONDS": "60",
                  "OUTBOX_MAX_ATTEMPTS": "3", "OUTBOX_BACKOFF_SECONDS": "60", "OUTBOX_BACKOFF_MAX_SECONDS": "3600"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message the server accepted."""

    def __init__(self):
        self.envelopes, self.lock = [], threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def relay_app(make_app):
    return make_app(**RELAY_SETTINGS)


def configure(app, destination: str, channel: str, url: str, secret: str | None = SECRET) -> None:
    with app.app_context():
        session = db.session()
        endpoints.save(session, workflow.engine(), Actor("admin", "leading_office"), app.config["OUTBOX"].secret_key,
                       destination, channel=channel, note="", url=url, secret=secret, clear_secret=False, active=True)
        db.commit()


def sweep(app) -> relay.Sweep:
    """One run of the relay, as `flask outbox relay --once` does it (outside any request)."""
    return relay.run_once(app.extensions["sa_sessionmaker"], app.config["OUTBOX"])


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session().scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def attempts(app, message_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a.outcome, a.detail) for a in db.session().scalars(
            select(OutboxAttempt).where(OutboxAttempt.message_id == message_id).order_by(OutboxAttempt.id))]


def posted(httpserver, path: str) -> list:
    """The requests the receiver got on ``path``, in order."""
    return [request for request, _ in httpserver.log if request.path == path]
