"""People by name with department, cases by number, audit details in Chinese words, and the message
after a submission that names the next step and links to the case and its documents (issue 10)."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select
from test_ledger import ledger, row, upload
from web_support import NOTICE, instance_version, submit, walk_to_notice

from engine.tables import Event, OpenTask
from webapp.core import db
from webapp.models import Case, Document, User

LOGINS = ("xiacun.clerk", "task_force.clerk", "water.clerk", "water.head", "leading_office.supervisor",
          "leading_office.clerk")


def visible(html: str) -> str:
    """What a reader sees: the text without tags (attributes such as option values are not shown)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html))


def shown_as(app, login: str) -> str:
    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == login))
        return f"{user.display_name}（{user.department.name}）"


def no_logins(text: str) -> list[str]:
    return [login for login in LOGINS if login in text]


def test_names_not_logins_in_inbox_task_page_timeline_and_fate(app, login):
    water, notice = walk_to_notice(app, login)
    head = login("water.head")
    clerk_name = shown_as(app, "water.clerk")
    assigned = head.post(f"/tasks/{notice}/assign", data={"assignee": "water.clerk", "priority": "0"},
                         follow_redirects=True).get_data(as_text=True)
    assert f"指派给 {clerk_name}" in assigned
    inbox = head.get("/inbox/").get_data(as_text=True)
    assert clerk_name.split("（")[0] in visible(inbox) and no_logins(visible(inbox)) == []
    page = head.get(f"/tasks/{notice}").get_data(as_text=True)
    assert no_logins(visible(page)) == [], no_logins(visible(page))
    assert '<option selected value="water.clerk">' in page or 'value="water.clerk"' in page  # chosen by login

    # The submission: the next step with its department, links to the documents and to the case.
    answer = submit(water, notice, NOTICE, instance_version(app))
    assert answer.status_code == 302
    flashed = water.get(answer.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        s = db.session()
        nxt = s.execute(select(OpenTask.title, OpenTask.department).where(OpenTask.case_id == 1)).all()
        docs = s.scalars(select(Document).where(Document.task_guid == notice)).all()
        number = s.get(Case, 1).number
    assert nxt and docs
    message = visible(flashed)
    assert "已提交。下一步：" in message and all(title in message for title, _ in nxt), message
    assert f'href="/cases/1">查看案件 {number}</a>' in flashed
    for doc in docs:
        assert f'href="/documents/{doc.id}/download">下载 {doc.file_name}</a>' in flashed

    # The timeline on the case page, read by the town's clerk: names and departments, no logins.
    case_page = login("xiacun.clerk").get("/cases/1").get_data(as_text=True)
    assert no_logins(visible(case_page)) == [], re.findall(r".{80}(?:xiacun|water|task_force)\.clerk.{20}", visible(case_page))
    assert clerk_name.split("（")[0] in visible(case_page)

    # Too late: the head's submission is told who handled it, by name.
    late = submit(head, notice, NOTICE, instance_version(app))
    text = visible(late.get_data(as_text=True))
    assert late.status_code == 410 and f"已由 {clerk_name} 于" in text and "water.clerk" not in text, text


def test_audit_page_and_exports_use_names_and_chinese_labels(app, login):
    water, notice = walk_to_notice(app, login)
    submit(water, notice, NOTICE, instance_version(app))
    office = login("leading_office.clerk")
    page = office.get("/supervise/audit?kind=document_generated").get_data(as_text=True)
    text = visible(page)
    assert shown_as(app, "water.clerk").split("（")[0] in text and "water.clerk" not in text
    assert "文件指纹" in text and "sha256" not in text.lower().replace("sha-256", "")
    for raw in ("kind：", "number：", "version：", "type："):
        assert raw not in text
    with app.app_context():
        sha = db.session().scalar(select(Event.data).where(Event.kind == "document_generated"))["sha256"]
    assert sha[:12] + "…" in text and sha not in text  # shortened
    exported = office.get("/supervise/audit.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows and all(r["人员"] not in LOGINS for r in rows)
    assert any(r["人员"] == shown_as(app, "water.clerk").split("（")[0] for r in rows)
    assert not any(re.search(r"(^|；)(kind|number|sha256|type|assignee)：", r["内容"]) for r in rows)


def test_override_history_names_the_supervisor_and_type_in_words(app, login):
    walk_to_notice(app, login)
    supervisor = login("leading_office.supervisor")
    assert supervisor.post("/cases/1/overrides/suspend", data={
        "suspend-reason": "用户涉诉", "suspend-instance_version": instance_version(app)}).status_code == 302
    listing = visible(supervisor.get("/overrides/").get_data(as_text=True))
    assert shown_as(app, "leading_office.supervisor") in listing and "leading_office.supervisor" not in listing
    audit = visible(login("leading_office.clerk").get("/supervise/audit?kind=override").get_data(as_text=True))
    assert "操作： 暂停案件" in audit and "type：" not in audit and "suspend" not in audit


def test_a_ledger_import_links_to_the_cases_it_created(app, login):
    water = login("water.clerk")
    page = upload(water, ledger([row(1), row(2)])).get_data(as_text=True)
    with app.app_context():
        cases = db.session().scalars(select(Case).order_by(Case.id)).all()
        links = [(c.id, c.number) for c in cases]
    assert len(links) == 2
    for case_id, number in links:
        assert f'href="/cases/{case_id}">{number}</a>' in page
