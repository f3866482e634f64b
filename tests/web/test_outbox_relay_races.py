"""Two relays at once never send a message twice; a relay killed mid-send leaves the message to be sent again
after its lease, with the same idempotency key and the same signed bytes. On SQLite and PostgreSQL
(WELLS_TEST_DATABASE_URL)."""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from conftest import TODAY
from outbox_support import attempts, configure, posted, relay_app, rows, sweep  # noqa: F401
from werkzeug import Response

from webapp.core import db
from webapp.integrations import channels, outbox, relay

MESSAGES = 12


def test_two_relays_in_two_threads_send_each_message_once(relay_app, httpserver):
    def slow_receiver(request):
        time.sleep(0.03)  # a receiver that takes a moment: the other relay claims meanwhile
        return Response("{}", 200, mimetype="application/json")

    httpserver.expect_request("/credit").respond_with_handler(slow_receiver)
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    with relay_app.app_context():
        for n in range(MESSAGES):
            outbox.enqueue(db.session(), outbox.TEST, outbox.CREDIT_PLATFORM, {"n": n})
        db.commit()
    results, errors = [], []

    def run():
        try:
            results.append(sweep(relay_app))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    keys = Counter(request.headers["Idempotency-Key"] for request in posted(httpserver, "/credit"))
    assert sorted(keys) == sorted(m.idempotency_key for m in rows(relay_app)) and set(keys.values()) == {1}
    assert sum(r.sent for r in results) == MESSAGES and {m.status for m in rows(relay_app)} == {"sent"}
    assert all(r.sent for r in results)  # both relays took part


def _claim_send_and_die(app):
    """What a relay killed mid-send leaves behind: the claim committed, the message sent, no result written."""
    factory, settings = app.extensions["sa_sessionmaker"], app.config["OUTBOX"]
    with factory() as session, session.begin():
        claimed = relay.claim(session, settings)
    assert claimed is not None
    channels.deliver(claimed.message, claimed.target, settings)


def test_a_relay_killed_mid_send_is_followed_by_a_resend_with_the_same_key(relay_app, httpserver, fixed_clock):
    httpserver.expect_request("/credit").respond_with_json({})
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    with relay_app.app_context():
        outbox.enqueue(db.session(), outbox.CREDIT_REPORT, outbox.CREDIT_PLATFORM, {"case": "乳整2026-00001"})
        db.commit()
    _claim_send_and_die(relay_app)
    assert rows(relay_app)[0].status == "sending"
    assert sweep(relay_app).handled == 0  # the lease (60 s here) is the dead relay's: nobody sends meanwhile
    fixed_clock.move_to(TODAY + timedelta(seconds=61))
    assert sweep(relay_app).sent == 1
    first, second = posted(httpserver, "/credit")
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == rows(relay_app)[0].idempotency_key
    assert first.get_data() == second.get_data()  # the same bytes: the receiver recognises the repeat
    assert first.headers["X-Wells-Signature"] == second.headers["X-Wells-Signature"]
    assert [outcome for outcome, _ in attempts(relay_app, 1)] == ["lost", "sent"]


def test_a_message_that_kills_the_relay_every_time_ends_up_failed(relay_app, httpserver, fixed_clock):
    httpserver.expect_request("/credit").respond_with_json({})
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    with relay_app.app_context():
        outbox.enqueue(db.session(), outbox.TEST, outbox.CREDIT_PLATFORM, {})
        db.commit()
    for n in range(1, 3):
        _claim_send_and_die(relay_app)
        fixed_clock.move_to(TODAY + timedelta(seconds=61 * n))
    _claim_send_and_die(relay_app)  # the third claim
    fixed_clock.move_to(TODAY + timedelta(seconds=61 * 3))
    assert sweep(relay_app).handled == 0
    [message] = rows(relay_app)
    assert message.status == "failed" and message.attempts == 3 and "结果不明" in message.last_error
