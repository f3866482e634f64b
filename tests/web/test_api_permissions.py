"""The API's permission matrix: scopes × resources × towns. A town-scoped system sees what a town clerk sees;
a scope not granted is a 403 (counted in the security log); a city-wide one sees every town."""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from api_support import bearer, make_account
from sqlalchemy import select
from web_support import REGISTRATION

from engine.tables import OpenTask
from webapp.core import db
from webapp.core.refusals import SecurityLogEntry
from webapp.models import Case


@pytest.fixture
def world(app, login):
    """A case in 夏村镇 and one in 白沙滩镇 (the same water user), each at its commitment step."""
    assert login("xiacun.clerk").post("/cases/new", data=REGISTRATION).status_code == 302
    assert login("baishatan.clerk").post("/cases/new", data={**REGISTRATION, "well_no": "BS-001", "town": "baishatan"}
                                         ).status_code == 302
    with app.app_context():
        session = db.session()
        cases = {c.town: c.number for c in session.scalars(select(Case))}
        tasks = {t.town: t.task_guid for t in session.scalars(select(OpenTask))}
    return cases, tasks


def _calls(cases, tasks, town):
    """(resource, path) for one town's case."""
    return [("cases:read", f"/api/v1/cases/{quote(cases[town])}"),
            ("wells:read", f"/api/v1/wells/{'XC-001' if town == 'xiacun' else 'BS-001'}"),
            (f"tasks:read:{town}", f"/api/v1/tasks/{tasks[town]}"),
            (f"tasks:read:{town}", f"/api/v1/tasks?department={town}")]


SCOPES = ["cases:read", "wells:read", "tasks:read:xiacun", "tasks:read:baishatan", "events:read"]


@pytest.mark.parametrize("granted", [(), ("cases:read",), ("wells:read",), ("tasks:read:xiacun",),
                                     ("cases:read", "wells:read", "tasks:read:xiacun", "tasks:read:baishatan")])
@pytest.mark.parametrize("towns", [None, ["xiacun"]])
def test_scopes_times_resources_times_towns(app, world, granted, towns):
    cases, tasks = world
    token = make_account(app, scopes=granted or ["events:read"], towns=towns)
    client = app.test_client()
    for town in ("xiacun", "baishatan"):
        for scope, path in _calls(cases, tasks, town):
            expected = 200 if scope in granted and (towns is None or town in towns) else 403
            answer = client.get(path, headers=bearer(token))
            assert answer.status_code == expected, (granted, towns, path, answer.get_json())
            if expected == 403:
                assert answer.get_json()["code"] == "forbidden"


@pytest.mark.parametrize("towns,seen", [(None, {"xiacun", "baishatan"}), (["baishatan"], {"baishatan"})])
def test_lists_show_only_the_accounts_towns(app, world, towns, seen):
    token = make_account(app, scopes=["cases:read", "wells:read", "events:read"], towns=towns)
    client = app.test_client()
    assert {c["town"] for c in client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"]} == seen
    assert {w["town"] for w in client.get("/api/v1/wells", headers=bearer(token)).get_json()["items"]} == seen
    parties = client.get("/api/v1/parties", headers=bearer(token)).get_json()["items"]
    assert len(parties) == 1 and set(parties[0]["wells"]) == {"XC-001" if t == "xiacun" else "BS-001" for t in seen}
    assert "*" in parties[0]["party_id_masked"]
    events = client.get("/api/v1/events", headers=bearer(token)).get_json()["items"]
    assert events and ({e["town"] for e in events} == seen if towns else {e["town"] for e in events} >= seen)
    if towns:
        other = client.get("/api/v1/cases?town=xiacun", headers=bearer(token))
        assert other.status_code == 403


def test_a_refusal_is_counted_in_the_security_log_under_the_system_account(app, world):
    cases, _tasks = world
    token = make_account(app, scopes=["cases:read"], towns=["baishatan"])
    assert app.test_client().get(f"/api/v1/cases/{quote(cases['xiacun'])}", headers=bearer(token)).status_code == 403
    with app.app_context():
        rows = list(db.session().scalars(select(SecurityLogEntry)))
    assert [(r.actor, r.count) for r in rows] == [("api:water_group_gis", 1)]


def test_a_case_is_named_by_its_number_never_by_its_id(app, world):
    token = make_account(app, scopes=["cases:read"])
    client = app.test_client()
    cases, _ = world
    detail = client.get(f"/api/v1/cases/{quote(cases['xiacun'])}", headers=bearer(token))
    body = detail.get_json()
    assert body["number"] == cases["xiacun"] and body["step_titles"] == [t["title"] for t in body["current_steps"]] != []
    assert body["timeline"][0]["kind"] == "started" and body["well"]["well_no"] == "XC-001"
    assert client.get("/api/v1/cases/1", headers=bearer(token)).status_code == 404
    assert client.get(f"/api/v1/cases/{quote('乳整2025-00001')}", headers=bearer(token)).status_code == 404


def test_the_event_feed_reads_on_from_where_it_stopped(app, world):
    token = make_account(app, scopes=["events:read"])
    client = app.test_client()
    first = client.get("/api/v1/events?limit=3", headers=bearer(token)).get_json()
    assert [e["id"] for e in first["items"]] == sorted(e["id"] for e in first["items"]) and len(first["items"]) == 3
    rest = client.get(f"/api/v1/events?after={first['last_id']}&limit=200", headers=bearer(token)).get_json()
    assert rest["items"] and rest["items"][0]["id"] > first["last_id"]
    end = client.get(f"/api/v1/events?after={rest['last_id']}", headers=bearer(token)).get_json()
    assert end == {"items": [], "last_id": rest["last_id"]}


def test_documents_are_downloaded_by_number_and_recorded(app, login, world):
    from web_support import instance_version, submit

    cases, tasks = world
    town = login("xiacun.clerk")
    assert submit(town, tasks["xiacun"], {"signed_on": "2026-03-02", "signatory": "甲"}, instance_version(app, 1)
                  ).status_code == 302
    token = make_account(app, scopes=["cases:read", "documents:read"], towns=["xiacun"])
    client = app.test_client()
    documents = client.get(f"/api/v1/cases/{quote(cases['xiacun'])}", headers=bearer(token)).get_json()["documents"]
    assert documents
    answer = client.get(documents[0]["download"], headers=bearer(token))
    assert answer.status_code == 200 and answer.data[:2] == b"PK"
    # A version no column can hold is simply not there (Schemathesis found it answered 500).
    beyond = client.get(documents[0]["download"].rsplit("/", 1)[0] + "/" + "9" * 22, headers=bearer(token))
    assert beyond.status_code == 404 and "找不到文书" in beyond.get_json()["message"]
    reader = make_account(app, name="reader", scopes=["cases:read"])
    assert client.get(documents[0]["download"], headers=bearer(reader)).status_code == 403
    from engine.tables import Event
    with app.app_context():
        assert db.session().scalar(select(Event.actor).where(Event.kind == "document_downloaded")) == "api:water_group_gis"


def test_the_ledger_import_takes_the_pages_checks(app, world):
    from test_ledger import ledger, row

    token = make_account(app, scopes=["ledger:import"], towns=["xiacun"])
    client = app.test_client()

    def send(data: bytes):
        return client.post("/api/v1/ledger/import", headers=bearer(token),
                           data={"file": (io.BytesIO(data), "台账.xlsx")}, content_type="multipart/form-data")

    bad = send(ledger([row(1), row(2, **{"所属镇（街道）": "白沙滩镇"})]))
    assert bad.status_code == 422 and bad.get_json()["problems"] == [
        {"row": 3, "column": "所属镇（街道）", "message": "只能导入本镇（街道）的机井，本行属于白沙滩镇"}]
    good = send(ledger([row(1), row(2)]))
    assert good.status_code == 201 and len(good.get_json()["registered"]) == 2
    again = send(ledger([row(1), row(2)]))
    assert again.get_json()["registered"] == [] and again.get_json()["skipped"] == 2
    from engine.tables import Event
    with app.app_context():
        assert db.session().scalar(select(Event.actor).where(Event.kind == "ledger_imported")) == "api:water_group_gis"
