"""Two clerks submit the same task at the same moment: exactly one succeeds, the other is told who did."""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from web_support import REGISTRATION, add_user

from engine.store import Event, Instance, OpenTask
from webapp import db
from webapp.models import Case


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
