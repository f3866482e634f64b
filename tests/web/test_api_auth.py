"""The API's doors: tokens (expiry, revocation, re-issue), sessions refused on the API, tokens refused on the
pages, CSRF exempt for the API only, JSON answers for everything under /api/v1, the OpenAPI description."""
from __future__ import annotations

from datetime import timedelta

import pytest
from api_support import bearer, make_account
from sqlalchemy import select

from engine.tables import Event
from forms.base import field_specs
from forms.registry import FORMS
from webapp.api import accounts, tokens
from webapp.api.form_schema import component_name, data_specs
from webapp.api.tables import ApiAccount
from webapp.core import db, workflow
from webapp.models import User


def _account(app, name="water_group_gis") -> tuple:
    with app.app_context():
        session = db.session()
        return (session.scalar(select(ApiAccount).where(ApiAccount.name == name)),
                session.scalar(select(User).where(User.username == "admin")))


def test_a_call_without_a_valid_token_is_refused_in_json(app):
    client = app.test_client()
    no_token = client.get("/api/v1/cases")
    assert no_token.status_code == 401 and no_token.get_json()["code"] == "unauthorized"
    assert "令牌" in no_token.get_json()["message"]
    wrong = client.get("/api/v1/cases", headers=bearer("wsk_not-a-token"))
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.get("/api/v1/cases", headers={"Authorization": "Basic d2F0ZXI6eA=="})
    assert basic.status_code == 401


def test_the_token_is_stored_only_as_its_hash(app):
    token = make_account(app)
    account, _admin = _account(app)
    assert account.token_hash == tokens.digest(token) and token not in (account.token_hash, account.token_hint)
    assert token.startswith(account.token_hint) and len(token) > 40


def test_an_expired_token_is_refused(app, fixed_clock):
    token = make_account(app, expires_in=timedelta(hours=1))
    client = app.test_client()
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    fixed_clock.shift(timedelta(hours=2))
    answer = client.get("/api/v1/cases", headers=bearer(token))
    assert answer.status_code == 401 and answer.get_json()["code"] == "token_expired"


def test_a_revoked_token_stops_at_once_and_a_reissued_one_replaces_it(app):
    token = make_account(app)
    client = app.test_client()
    account, admin = _account(app)
    with app.app_context():
        session = db.session()
        accounts.revoke(session, workflow.engine(), admin.actor, session.merge(account), "令牌泄露")
        db.commit()
    answer = client.get("/api/v1/cases", headers=bearer(token))
    assert answer.status_code == 401 and answer.get_json()["code"] == "token_revoked"
    with app.app_context():
        session = db.session()
        new = accounts.reissue(session, workflow.engine(), admin.actor, session.merge(account),
                               account.expires_at, "更换令牌")
        db.commit()
        kinds = list(session.scalars(select(Event.kind).where(Event.kind.like("api_%")).order_by(Event.id)))
        assert kinds == ["api_account_created", "api_account_revoked", "api_token_reissued"]
        assert not any(token in str(e.data) or new in str(e.data) for e in session.scalars(select(Event)))
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/cases", headers=bearer(new)).status_code == 200


def test_a_logged_in_session_opens_nothing_on_the_api(app, login):
    make_account(app)
    clerk = login("water.clerk")
    assert clerk.get("/inbox/").status_code == 200
    answer = clerk.get("/api/v1/cases")
    assert answer.status_code == 401 and answer.is_json


@pytest.mark.parametrize("path", ["/inbox/", "/cases/", "/admin/users"])
def test_a_token_opens_no_page(app, path):
    token = make_account(app, scopes=["cases:read", "tasks:read:water"])
    answer = app.test_client().get(path, headers=bearer(token))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_api_is_exempt_from_csrf_and_the_pages_are_not(make_app, login):
    app = make_app(WTF_CSRF_ENABLED=True)
    token = make_account(app, scopes=["tasks:complete:xiacun"])
    # A POST without any CSRF token: the API answers on its merits (the task does not exist), a page refuses it.
    api = app.test_client().post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/claim", headers=bearer(token))
    assert api.status_code == 404 and api.get_json()["code"] == "not_found"
    page = app.test_client().post("/login", data={"username": "water.clerk", "password": "x"})
    assert page.status_code == 400 and "页面已过期" in page.get_data(as_text=True)


def test_every_api_address_answers_in_json(app):
    token = make_account(app, scopes=["cases:read", "coverage:announce"])
    client = app.test_client()
    unknown = client.get("/api/v1/no-such-thing", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "not_found"
    wrong_method = client.delete("/api/v1/cases", headers=bearer(token))
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"] and wrong_method.is_json
    nul = client.get("/api/v1/cases?q=a%00b", headers=bearer(token))
    assert nul.status_code == 400 and nul.is_json
    not_json = client.post("/api/v1/events-in/network-arrived", data=b"{", headers={**bearer(token), "Content-Type":
                                                                                   "application/json"})
    assert not_json.status_code == 400 and not_json.is_json  # a broken body answers in JSON, not a page
    bad_param = client.get("/api/v1/cases?limit=abc", headers=bearer(token))
    assert bad_param.status_code == 422 and bad_param.get_json()["errors"] == {"limit": ["请填写整数"]}
    assert client.get("/cases/9999", follow_redirects=False).status_code == 302  # the pages are unchanged


def test_the_openapi_description_is_3_1_and_takes_each_form_from_its_wtforms_class(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    body = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["requestBody"]["content"]["application/json"]
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in body["schema"]["anyOf"]} == {component_name(k) for k in FORMS}
    schemas = spec["components"]["schemas"]
    for key, cls in FORMS.items():
        schema = schemas[component_name(key)]
        assert set(schema["properties"]) == {name for name, _ in data_specs(cls)}, key
    notice = schemas["Form_rectification_notice"]
    assert notice["properties"]["problems"]["items"]["properties"]["description"]["maxLength"] == 200
    assert notice["properties"]["notice_served_on"] == {**notice["properties"]["notice_served_on"], "format": "date"}
    assert set(notice["required"]) == {"notice_served_on", "service_method"}
    inspection = schemas["Form_inspection"]["properties"]
    assert inspection["in_coverage"]["type"] == "boolean" and inspection["in_coverage"]["title"] == "是否在公共供水管网覆盖范围内"
    assert "site_photos" not in inspection and "instance_version" not in inspection  # files and plumbing stay out
    assert {name for name, _ in field_specs(FORMS["inspection"])} >= {"site_photos", "instance_version"}


def test_the_docs_page_is_served_from_here_under_the_pages_csp(app):
    client = app.test_client()
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html and "http://" not in html and "https://" not in html
    for asset in ("/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/swagger-ui.css",
                  "/api/v1/docs/init.js"):
        assert client.get(asset).status_code == 200, asset
