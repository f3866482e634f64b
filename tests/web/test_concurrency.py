"""Two clerks submit the same task at the same moment: exactly one succeeds, the other is told who did."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from web_support import REGISTRATION, add_user

from engine.tables import Event, Instance, OpenTask, SpecVersion
from webapp.cases.service import is_duplicate_registration
from webapp.core import db
from webapp.models import Case, WaterUser


def test_simultaneous_submissions_of_one_task(app, login):
    add_user(app, "xiacun.clerk2", "xiacun")
    first, second = login("xiacun.clerk"), login("xiacun.clerk2")
    assert first.post("/cases/new", data=REGISTRATION).status_code == 302
    with app.app_context():
        guid = db.session().scalar(select(OpenTask.task_guid))
        version = db.session().get(Instance, db.session().get(Case, 1).instance_id).version
    # Both opened the form on the same version of the case, then press 提交 together.
    barrier, responses = threading.Barrier(2), {}

    def submit(name, client):
        barrier.wait()
        responses[name] = client.post(f"/tasks/{guid}", data={
            "signed_on": "2026-03-02", "signatory": name, "instance_version": version}, follow_redirects=True)

    threads = [threading.Thread(target=submit, args=pair) for pair in
               (("xiacun.clerk", first), ("xiacun.clerk2", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        done = db.session().scalars(select(Event).where(Event.kind == "task_completed")).all()
        assert db.session().scalar(select(func.count()).select_from(OpenTask)) == 1  # the next step only
    assert len(done) == 1
    winner = done[0].actor
    loser = "xiacun.clerk2" if winner == "xiacun.clerk" else "xiacun.clerk"
    assert "已提交" in responses[winner].get_data(as_text=True)
    told = responses[loser].get_data(as_text=True)
    assert f"这项任务已由 {winner} 于 2026-03-02 10:00 办理" in told


def test_first_registrations_after_a_new_diagram_version_both_succeed(app, login):
    """The first registrations on fresh diagrams both store the diagram version: neither may fail on it,
    and neither may be told that its well was registered by someone else."""
    add_user(app, "xiacun.clerk2", "xiacun")
    clients = {"xiacun.clerk": login("xiacun.clerk"), "xiacun.clerk2": login("xiacun.clerk2")}
    wells = {"xiacun.clerk": {**REGISTRATION},
             "xiacun.clerk2": {**REGISTRATION, "well_no": "XC-002", "party_id": "91371083MA3C7K2N74",
                               "user_name": "乳山某某水产有限公司"}}
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(SpecVersion)) == 0
    barrier, responses = threading.Barrier(2), {}

    def register(name):
        barrier.wait()
        responses[name] = clients[name].post("/cases/new", data=wells[name])

    threads = [threading.Thread(target=register, args=(name,)) for name in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, response in responses.items():
        assert response.status_code == 302, (name, response.get_data(as_text=True))
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(SpecVersion)) == 1
        assert db.session().scalar(select(func.count()).select_from(Case)) == 2


def test_only_a_duplicate_well_or_party_is_reported_as_registered_by_someone_else(app):
    """The words "刚刚已被他人登记" are kept for the unique keys of a well and a water user, on both databases."""
    with app.app_context():
        session = db.session()
        party = {"kind": "enterprise", "name": "甲", "party_id": "91371083MA3C7K2N74", "town": "xiacun"}
        session.add(WaterUser(**party))
        session.flush()
        session.add(WaterUser(**{**party, "name": "乙"}))
        with pytest.raises(IntegrityError) as duplicate:
            session.flush()
        session.rollback()
        session.add_all([SpecVersion(version="v", files={}), SpecVersion(version="v", files={})])
        with pytest.raises(IntegrityError) as other:
            session.flush()
        session.rollback()
    assert is_duplicate_registration(duplicate.value)
    assert not is_duplicate_registration(other.value)
