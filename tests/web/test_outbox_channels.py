"""Each channel's wire format, checked by real receivers: the SMS gateway (signed JSON), the WeCom and DingTalk
group robots (their text messages; DingTalk's signed URL) over pytest-httpserver, e-mail over aiosmtpd."""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json

from conftest import TODAY
from outbox_support import SECRET, attempts, configure, posted, relay_app, rows, smtp_server, sweep  # noqa: F401
from werkzeug import Response

from webapp.core import db
from webapp.integrations import outbox, signing

SUBJECT, TEXT = "新任务提醒", "案件乳整2026-00001“责令限期整改通知书”已转入市水利局待办，请于3月4日前办理。"


def notify(app, destination: str, **fields) -> bool:
    with app.app_context():
        queued = outbox.notify(db.session(), destination, SUBJECT, TEXT, **fields)
        db.commit()
    return queued


def test_sms_goes_to_the_gateway_signed_with_number_and_text(relay_app, httpserver):
    httpserver.expect_request("/sms", method="POST").respond_with_json({"code": 0})
    configure(relay_app, outbox.SMS, "sms", httpserver.url_for("/sms"))
    notify(relay_app, outbox.SMS, recipient="13800000001")
    assert sweep(relay_app).sent == 1
    [request] = posted(httpserver, "/sms")
    assert signing.verify(SECRET, request.get_data(), request.headers["X-Wells-Signature"])
    assert json.loads(request.get_data()) == {"id": rows(relay_app)[0].idempotency_key, "to": "13800000001",
                                              "text": f"{SUBJECT}\n{TEXT}"}


def test_wecom_robot_gets_its_text_message_and_a_refusal_is_retried(relay_app, httpserver):
    answers = iter([{"errcode": 45009, "errmsg": "api freq out of limit"}, {"errcode": 0, "errmsg": "ok"}])
    httpserver.expect_request("/cgi-bin/webhook/send", query_string="key=abc").respond_with_handler(
        lambda request: Response(json.dumps(next(answers)), mimetype="application/json"))
    configure(relay_app, outbox.robot("water"), "wecom", httpserver.url_for("/cgi-bin/webhook/send") + "?key=abc",
              secret=None)
    notify(relay_app, outbox.robot("water"), mentions=["13800000002"])
    assert sweep(relay_app).retried == 1
    assert "群机器人拒收：45009 api freq out of limit" in rows(relay_app)[0].last_error
    with relay_app.app_context():  # due again at once for this test
        db.session().get(outbox.OutboxMessage, 1).next_attempt_at = TODAY
        db.commit()
    assert sweep(relay_app).sent == 1
    bodies = [json.loads(r.get_data()) for r in posted(httpserver, "/cgi-bin/webhook/send")]
    assert bodies[0] == bodies[1] == {"msgtype": "text", "text": {"content": f"{SUBJECT}\n{TEXT}",
                                                                  "mentioned_mobile_list": ["13800000002"]}}


def test_dingtalk_robot_gets_its_text_message_at_a_signed_address(relay_app, httpserver):
    httpserver.expect_request("/robot/send").respond_with_json({"errcode": 0, "errmsg": "ok"})
    secret = "SEC0123456789abcdef0123456789abcdef"
    configure(relay_app, outbox.robot("water_group"), "dingtalk",
              httpserver.url_for("/robot/send") + "?access_token=tok", secret=secret)
    notify(relay_app, outbox.robot("water_group"), mentions=["13800000003"])
    assert sweep(relay_app).sent == 1
    [request] = posted(httpserver, "/robot/send")
    timestamp = request.args["timestamp"]
    assert int(timestamp) == int(TODAY.timestamp() * 1000)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert request.args["sign"] == expected.decode() and request.args["access_token"] == "tok"
    assert json.loads(request.get_data()) == {
        "msgtype": "text", "text": {"content": f"{SUBJECT}\n{TEXT}\n@13800000003"},
        "at": {"atMobiles": ["13800000003"], "isAtAll": False}}


def test_email_goes_through_smtp_with_the_key_as_message_id(make_app, smtp_server):
    controller, inbox = smtp_server
    from outbox_support import RELAY_SETTINGS

    app = make_app(**RELAY_SETTINGS, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port), SMTP_SECURITY="none",
                   SMTP_FROM="自备井整治 <wells@rushan.example.gov.cn>")
    notify(app, outbox.EMAIL, recipient="clerk@rushan.example.gov.cn")
    notify(app, outbox.EMAIL, recipient="nobody@rushan.example.gov.cn")
    sweep_result = sweep(app)
    assert (sweep_result.sent, sweep_result.failed) == (1, 1)
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["clerk@rushan.example.gov.cn"]
    mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
    sent, refused = rows(app)
    assert mail["Subject"] == SUBJECT and mail["Message-ID"] == f"<{sent.idempotency_key}@rushan.example.gov.cn>"
    assert mail.get_content().strip() == TEXT
    assert refused.status == "failed" and "拒收收件人 nobody@rushan.example.gov.cn" in refused.last_error
    assert attempts(app, refused.id)[0][0] == "failed"


def test_a_message_written_twice_with_the_same_key_is_kept_once(relay_app):
    assert notify(relay_app, outbox.EMAIL, recipient="a@example.cn", key="due:task-1:user-7") is True
    assert notify(relay_app, outbox.EMAIL, recipient="a@example.cn", key="due:task-1:user-7") is False
    assert len(rows(relay_app)) == 1
