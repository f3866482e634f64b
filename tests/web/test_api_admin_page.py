"""The admin page for system accounts: created with scopes, towns and expiry, the token shown once, revoked."""
from __future__ import annotations

import re

from api_support import bearer
from sqlalchemy import select

from webapp.api.tables import ApiAccount
from webapp.core import db

NEW = {"name": "tax_system", "display_name": "税务局征管系统", "scopes": ["cases:read"],
       "complete_tasks": ["tax"], "expires_on": "2026-12-31"}


def test_an_administrator_issues_a_token_shown_once_and_revokes_it(app, login):
    admin = login("admin")
    created = admin.post("/admin/system-accounts/new", data=NEW)
    assert created.status_code == 201
    token = re.search(r'data-testid="token">(wsk_[^<]+)<', created.get_data(as_text=True))[1]
    with app.app_context():
        account = db.session().scalar(select(ApiAccount).where(ApiAccount.name == "tax_system"))
        assert account.scopes == ["cases:read", "tasks:complete:tax"] and account.towns is None
    listing = admin.get("/admin/system-accounts").get_data(as_text=True)
    assert "税务局征管系统" in listing and token not in listing and token[:10] in listing
    assert token not in admin.get(f"/admin/system-accounts/{account.id}").get_data(as_text=True)
    assert app.test_client().get("/api/v1/cases", headers=bearer(token)).status_code == 200

    assert admin.post(f"/admin/system-accounts/{account.id}/revoke", data={"revoke-reason": ""}).status_code == 422
    revoked = admin.post(f"/admin/system-accounts/{account.id}/revoke", data={"revoke-reason": "系统下线"})
    assert revoked.status_code == 302
    assert app.test_client().get("/api/v1/cases", headers=bearer(token)).status_code == 401
    assert "已停用" in admin.get(f"/admin/system-accounts/{account.id}").get_data(as_text=True)


def test_bad_input_is_explained_and_nothing_is_saved(app, login):
    admin = login("admin")
    for change, message in [({"name": "Tax System"}, "只能用小写英文字母"), ({"scopes": [], "complete_tasks": []}, "请至少选择一项权限"),
                            ({"expires_on": "2020-01-01"}, "有效期不能早于今天"),
                            ({"towns": ["xiacun"], "complete_tasks": ["baishatan"]}, "不能办理其他镇的任务")]:
        answer = admin.post("/admin/system-accounts/new", data={**NEW, **change})
        assert answer.status_code == 422 and message in answer.get_data(as_text=True), change
    with app.app_context():
        assert db.session().scalar(select(ApiAccount.id)) is None


def test_only_administrators_manage_system_accounts(app, login):
    assert login("water.clerk").get("/admin/system-accounts").status_code == 403
    assert login("water.clerk").post("/admin/system-accounts/new", data=NEW).status_code == 403
