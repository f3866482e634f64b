"""The outbox really delivers: a confirmed credit record reaches a real HTTP receiver signed, with its
idempotency key; failures are retried with exponential backoff, then shown as failed to the office, who
resends with a reason (on the audit trail). Endpoints are configured on the admin's page, secrets never
shown again."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from conftest import TODAY
from outbox_support import RELAY_SETTINGS, SECRET, attempts, configure, posted, relay_app, rows, sweep  # noqa: F401
from sqlalchemy import select
from test_credit_repair import to_review
from web_support import REGISTRATION, instance_version, refusals, submit, task_guid_in
from werkzeug import Response

from engine.tables import Event
from webapp.core import db
from webapp.integrations import outbox
from webapp.integrations.tables import Endpoint

TOKEN = "robot-token-9f8e7d"


def confirm_review(app, login, **extra) -> None:
    office = login("leading_office.supervisor")
    guid = task_guid_in(office.get("/inbox/").get_data(as_text=True), "credit_review")
    assert submit(office, guid, {"credit_confirmed": "yes", "review_opinion": "事实清楚，同意报送", **extra},
                  instance_version(app)).status_code == 302


def queue_one(app, destination: str = outbox.CREDIT_PLATFORM, **fields) -> int:
    with app.app_context():
        session = db.session()
        outbox.enqueue(session, fields.pop("kind", outbox.TEST), destination,
                       fields.pop("payload", {"subject": "测试", "text": "内容"}), **fields)
        db.commit()
    return rows(app)[-1].id


def test_the_admin_configures_the_platform_and_the_confirmed_record_arrives_signed(relay_app, login, httpserver):
    app = relay_app
    httpserver.expect_request("/credit", method="POST").respond_with_json({"ok": True})
    admin = login("admin", on=app)
    url = httpserver.url_for("/credit") + f"?token={TOKEN}"
    saved = admin.post("/integrations/endpoints/credit_platform", data={
        "channel": "webhook", "url": url, "secret": SECRET, "note": "省平台测试环境", "active": "y"},
        follow_redirects=True)
    assert "已保存“省公共信用信息平台”的接收端配置" in saved.get_data(as_text=True)
    for page in (admin.get("/integrations/endpoints"), admin.get("/integrations/endpoints/credit_platform")):
        html = page.get_data(as_text=True)
        assert "签名密钥已设置" in html and SECRET not in html and TOKEN not in html  # never shown again
    with app.app_context():
        stored = db.session().scalar(select(Endpoint))
        assert SECRET not in stored.secret_sealed and TOKEN not in stored.url_sealed  # encrypted at rest
        event = db.session().scalar(select(Event).where(Event.kind == "outbox_endpoint_saved"))
        assert event.data["secret_changed"] is True and SECRET not in json.dumps(event.data, ensure_ascii=False)

    to_review(app, lambda name: login(name, on=app))
    confirm_review(app, lambda name: login(name, on=app), sanction_until="2027-03-01")
    assert posted(httpserver, "/credit") == []  # nothing is sent inside the request
    assert sweep(app).sent == 1

    [request] = posted(httpserver, "/credit")
    body = request.get_data()
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()  # the receiver's check
    assert request.headers["X-Wells-Signature"] == expected
    assert request.args["token"] == TOKEN
    [message] = rows(app)
    assert message.status == "sent" and request.headers["Idempotency-Key"] == message.idempotency_key
    envelope = json.loads(body)
    assert envelope["id"] == message.idempotency_key and envelope["type"] == "credit_report"
    data = envelope["data"]
    assert data["party"] == {"kind": "enterprise", "kind_label": "法人和非法人组织", "name": REGISTRATION["user_name"],
                             "id_type": "统一社会信用代码", "id": REGISTRATION["party_id"],
                             "legal_representative": REGISTRATION["legal_rep"],
                             "address": REGISTRATION["user_address"]}
    assert data["act"]["recorded_on"] == "2026-03-02"
    assert data["measure"]["basis"] == "《地下水管理条例》第五十三条"
    assert (data["measure"]["starts_on"], data["measure"]["ends_on"]) == ("2026-03-02", "2027-03-01")
    assert data["issuing_unit"] == {"code": "water", "name": "乳山市水利局"}
    assert data["decision"]["kind"] == "rectification_notice" and data["review"]["opinion"] == "事实清楚，同意报送"
    assert sweep(app).handled == 0  # delivered once


def test_failures_back_off_exponentially_then_fail_and_the_office_resends_with_a_reason(relay_app, login,
                                                                                     httpserver, fixed_clock):
    app = relay_app
    answers = iter([Response("维护中", 503)] * 3 + [Response("{}", 200, mimetype="application/json")])
    httpserver.expect_request("/credit").respond_with_handler(lambda request: next(answers))
    configure(app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    message_id = queue_one(app)

    assert sweep(app).retried == 1
    [message] = rows(app)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == TODAY + timedelta(seconds=60) and "HTTP 503" in message.last_error
    fixed_clock.move_to(TODAY + timedelta(seconds=59))
    assert sweep(app).handled == 0  # not due yet
    fixed_clock.move_to(TODAY + timedelta(seconds=60))
    assert sweep(app).retried == 1
    assert rows(app)[0].next_attempt_at == TODAY + timedelta(seconds=60 + 120)  # doubled
    fixed_clock.move_to(TODAY + timedelta(seconds=180))
    assert sweep(app).failed == 1  # the third failure (WELLS_OUTBOX_MAX_ATTEMPTS=3)
    assert rows(app)[0].status == "failed" and len(posted(httpserver, "/credit")) == 3

    office = login("leading_office.supervisor", on=app)
    listing = office.get("/integrations/outbox?status=failed").get_data(as_text=True)
    assert f'data-testid="message-{message_id}"' in listing and "对方答复 HTTP 503：维护中" in listing
    page = office.get(f"/integrations/outbox/{message_id}").get_data(as_text=True)
    assert page.count('data-testid="attempt"') == 3 and 'data-testid="resend-form"' in page

    refused = office.post(f"/integrations/outbox/{message_id}/resend", data={"reason": ""})
    assert refused.status_code == 422 and "请填写重发原因" in refused.get_data(as_text=True)
    assert rows(app)[0].status == "failed"
    done = office.post(f"/integrations/outbox/{message_id}/resend", data={"reason": "省平台已恢复服务"},
                       follow_redirects=True)
    assert "已重新排入发送队列" in done.get_data(as_text=True)
    again = office.post(f"/integrations/outbox/{message_id}/resend", data={"reason": "再发一次"}, follow_redirects=True)
    assert "不是“发送失败”状态" in again.get_data(as_text=True)
    with app.app_context():
        [event] = db.session().scalars(select(Event).where(Event.kind == "outbox_resent")).all()
        assert event.actor == "leading_office.supervisor" and event.data["reason"] == "省平台已恢复服务"

    assert sweep(app).sent == 1
    keys = {request.headers["Idempotency-Key"] for request in posted(httpserver, "/credit")}
    assert keys == {rows(app)[0].idempotency_key}  # every attempt, resend included, carries the same key
    assert [outcome for outcome, _ in attempts(app, message_id)] == ["retry", "retry", "failed", "sent"]


def test_a_refusal_no_retry_can_mend_fails_at_once(relay_app, httpserver):
    httpserver.expect_request("/credit").respond_with_data("签名错误", status=401)
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    queue_one(relay_app)
    assert sweep(relay_app).failed == 1
    [message] = rows(relay_app)
    assert message.status == "failed" and "对方拒收，重试无益" in message.last_error


def test_messages_to_a_destination_not_configured_wait_and_say_so(relay_app, login, httpserver):
    message_id = queue_one(relay_app)
    assert sweep(relay_app).handled == 0 and rows(relay_app)[0].status == "pending"
    html = login("admin", on=relay_app).get("/integrations/outbox").get_data(as_text=True)
    assert "“省公共信用信息平台”尚未配置接收端" in html and f'data-testid="message-{message_id}"' in html
    httpserver.expect_request("/credit").respond_with_json({})
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    assert sweep(relay_app).sent == 1


def test_the_pages_are_the_office_s_and_the_endpoints_the_administrator_s(relay_app, login):
    clerk, office = login("water.clerk", on=relay_app), login("leading_office.supervisor", on=relay_app)
    assert clerk.get("/integrations/outbox").status_code == 403
    assert office.get("/integrations/outbox").status_code == 200
    assert office.get("/integrations/endpoints").status_code == 403
    assert office.post("/integrations/endpoints/credit_platform", data={"channel": "webhook"}).status_code == 403
    assert [r.path for r in refusals(relay_app)] == ["/integrations/outbox", "/integrations/endpoints",
                                                     "/integrations/endpoints/credit_platform"]
    admin = login("admin", on=relay_app)
    assert admin.get("/integrations/endpoints/robot:nowhere").status_code == 404


def test_an_endpoint_needs_https_and_a_signing_secret(make_app, login):
    app = make_app()  # production rules: https only
    admin = login("admin", on=app)
    plain = admin.post("/integrations/endpoints/credit_platform",
                       data={"channel": "webhook", "url": "http://xypt.example.cn/api", "secret": SECRET})
    assert plain.status_code == 422 and "只能使用 https:// 地址" in plain.get_data(as_text=True)
    unsigned = admin.post("/integrations/endpoints/credit_platform",
                          data={"channel": "webhook", "url": "https://xypt.example.cn/api", "secret": ""})
    assert unsigned.status_code == 422 and "须设置签名密钥" in unsigned.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(Endpoint)) is None


def test_settings_that_would_send_twice_stop_the_app(make_app):
    import pytest

    from webapp.core.config import ConfigError

    with pytest.raises(ConfigError, match="OUTBOX_LEASE_SECONDS"):
        make_app(**{**RELAY_SETTINGS, "OUTBOX_LEASE_SECONDS": "3"})


def test_the_relay_command_sends_and_reports(relay_app, httpserver):
    httpserver.expect_request("/credit").respond_with_json({})
    configure(relay_app, outbox.CREDIT_PLATFORM, "webhook", httpserver.url_for("/credit"))
    queue_one(relay_app)
    runner = relay_app.test_cli_runner()
    result = runner.invoke(args=["outbox", "relay", "--once"])
    assert result.exit_code == 0 and "已送达 1 条" in result.output
    assert "已送达 1 条" in runner.invoke(args=["outbox", "status"]).output


DECISION = {"decided_on": "2026-03-02", "decision_kind": "penalty", "decision_facts": "未经批准擅自取用地下水",
            "decision_legal_basis": "water_law_69", "fine_amount": 50_000, "rectify_order": "立即停止取水，自行封闭自备井。",
            "statement_handling": "当事人在规定期限内未提出陈述、申辩。", "no_penalty_grounds": None,
            "payment_channel": "持本决定书到指定代收银行缴纳"}


def test_the_report_names_the_penalty_decision_and_the_repair_ends_the_measure(relay_app, login):
    from web_support import PENALTY_TO_DECISION, TO_FAILED_RECHECK, complete_steps

    from webapp.core import workflow
    from webapp.documents import service as documents
    from webapp.models import Case, User

    app = relay_app
    assert login("xiacun.clerk", on=app).post("/cases/new", data=REGISTRATION).status_code == 302
    complete_steps(app, [*TO_FAILED_RECHECK, *PENALTY_TO_DECISION[:-1], ("pen_decision", "water.clerk", DECISION)])
    with app.app_context():  # the decision's 处罚决定书, as its step issues it
        session = db.session()
        clerk = session.scalar(select(User).where(User.username == "water.clerk"))
        documents.issue_for_step(session, workflow.engine(), session.get(Case, 1), "penalty_decision", None, DECISION,
                                 clerk)
        db.commit()
    complete_steps(app, [
        ("pen_service", "water.clerk", {"decision_served_on": "2026-03-02"}),
        ("pen_payment", "water.clerk", {"paid_on": "2026-03-02", "paid_amount": 50_000.0}),
        ("pen_seal_check", "water.clerk", {"well_sealed": True, "seal_checked_on": "2026-03-02"}),
        ("credit_record", "water.clerk", {"credit_fact": "拒不封闭自备井", "recorded_on": "2026-03-02",
                                          "notified_on": "2026-03-02"}),
        ("cr_window", "water.clerk", {"objection_received": False})])
    confirm_review(app, lambda name: login(name, on=app))
    water = login("water.clerk", on=app)
    assert water.post("/cases/1/credit-repair", data={"applied_on": "2026-03-02"}).status_code == 302
    guid = task_guid_in(water.get("/inbox/").get_data(as_text=True), "cr_repair")
    assert submit(water, guid, {"applied_on": "2026-03-02", "commitment_signed_on": "2026-03-02",
                                "repair_approved": "yes", "review_opinion": "已整改、已缴款，准予修复"},
                  instance_version(app)).status_code == 302

    report, repair = (m.payload for m in rows(app))
    assert report["decision"] == {
        "kind": "penalty_decision", "name": "行政处罚决定书", "number": "乳水罚决〔2026〕1号", "date": "2026-03-02",
        "facts": "未经批准擅自取用地下水", "legal_basis": ["《中华人民共和国水法》第六十九条第（一）项"],
        "fine_amount": 50_000, "order": "立即停止取水，自行封闭自备井。"}
    assert report["act"] == {"description": "拒不封闭自备井", "recorded_on": "2026-03-02", "notified_on": "2026-03-02"}
    assert report["measure"]["ends_on"] is None and report["measure"]["ends"] == "信用修复之日"
    assert repair["type"] == "credit_repair" and repair["decision"] == report["decision"]
    assert repair["measure"]["ends_on"] == "2026-03-02" and repair["repair"]["commitment_signed_on"] == "2026-03-02"
    assert repair["repair"]["fine_paid"] is True and repair["issuing_unit"]["name"] == "乳山市水利局"


def test_the_admin_sends_a_test_message_through_the_relay(relay_app, login, httpserver):
    httpserver.expect_request("/sms").respond_with_json({})
    configure(relay_app, outbox.SMS, "sms", httpserver.url_for("/sms"))
    admin = login("admin", on=relay_app)
    refused = admin.post("/integrations/endpoints/sms/test", data={"recipient": ""}, follow_redirects=True)
    assert "短信网关的测试须填写收件手机号" in refused.get_data(as_text=True) and rows(relay_app) == []
    done = admin.post("/integrations/endpoints/sms/test", data={"recipient": "13800000009"}, follow_redirects=True)
    assert "测试消息已排入发送队列" in done.get_data(as_text=True)
    assert posted(httpserver, "/sms") == [] and sweep(relay_app).sent == 1
    [message] = rows(relay_app)
    assert (message.kind, message.recipient, message.status) == ("test", "13800000009", "sent")
    assert json.loads(posted(httpserver, "/sms")[0].get_data())["to"] == "13800000009"
