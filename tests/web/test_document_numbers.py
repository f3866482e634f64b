"""The documents' numbers: per kind and year across cases, taken at the commit, without gaps or repeats under concurrency."""
from __future__ import annotations

import threading
from contextlib import suppress

import pytest
from documents_support import documents, serve_notice, text_of
from sqlalchemy import select
from web_support import REGISTRATION, instance_version, submit, task_guid_in

from engine.tables import Event
from webapp.documents.numbering import next_serial
from webapp.models import Case, Document, DocumentSeries


def test_numbers_run_per_kind_and_year_across_cases(app, login):
    serve_notice(app, login)
    town = login("xiacun.clerk")
    second = {**REGISTRATION, "user_kind": "individual", "user_name": "村民甲", "party_id": "11010519491231002X",
              "legal_rep": "", "well_no": "XC-002"}
    assert town.post("/cases/new", data=second).status_code == 302
    submit(town, task_guid_in(town.get("/inbox/").get_data(as_text=True), "commitment"),
           {"signed_on": "2026-03-02", "signatory": "乙"}, instance_version(app, 2))
    assert documents(app, 2) == [("commitment", "乳水承诺〔2026〕2号", 1)]


def test_concurrent_numbering_has_no_gaps_or_repeats(app):
    """Twenty clerks take numbers at once, one of them fails after taking its number: 1..19, no gap."""
    factory = app.extensions["sa_sessionmaker"]
    taken, errors = [], []
    start = threading.Barrier(20)

    def take(i):
        try:
            # The failing step's transaction rolls back first; its RuntimeError is expected, any other is not.
            with suppress(RuntimeError), factory() as session, session.begin():
                start.wait()
                number = next_serial(session, "rectification_notice", 2026)
                if i == 7:
                    raise RuntimeError("the step failed after the number was taken")
                taken.append(number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 20))
    with factory() as session:
        assert session.scalar(select(DocumentSeries.last_no)) == 19
        assert next_serial(session, "rectification_notice", 2027) == 1


def test_steps_issuing_letters_at_once_number_them_at_the_commit_without_gaps_or_repeats(app, login):
    """Eight steps issue a 承诺书 each, at once, in transactions of their own: one is rolled back after its
    letter was filled, one fails in its commit after its number was taken. The six others hold 1..6,
    each letter printing its own number, and the series holds 6."""
    from engine import audit
    from webapp.core import workflow
    from webapp.documents import service
    from webapp.models import User

    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    factory = app.extensions["sa_sessionmaker"]
    with app.app_context():
        engine = workflow.engine()
    letter = {"signed_on": "2026-03-02", "signatory": "甲", "witness_department": None, "commitment_notes": None}
    start, errors = threading.Barrier(8), []

    def boom(session, events):
        raise RuntimeError("the commit failed after the number was taken")

    def issue(i):
        try:
            start.wait()
            with suppress(RuntimeError), factory() as session, session.begin():
                clerk = session.scalar(select(User).where(User.username == "xiacun.clerk"))
                service.issue_for_step(session, engine, session.get(Case, 1), "commitment_letter", None, letter, clerk)
                if i == 3:
                    raise RuntimeError("the step failed after its letter was filled")
                if i == 5:  # runs after the numbering observer
                    session.info[audit.OBSERVERS] = (*session.info[audit.OBSERVERS], boom)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as session:
        letters = session.scalars(select(Document).where(Document.kind == "commitment", Document.task_guid.is_(None))
                                  .order_by(Document.serial)).all()
        assert [d.serial for d in letters] == list(range(1, 7))
        for doc in letters:
            assert doc.number in text_of(doc.content) and "\ue000" not in text_of(doc.content)
            assert doc.file_name == f"承诺书{doc.number}.docx"
        generated = session.scalars(select(Event.data).where(Event.kind == "document_generated",
                                                             Event.task_guid.is_(None))).all()
        assert sorted((e["number"], e["sha256"]) for e in generated) == sorted((d.number, d.sha256) for d in letters)
        assert session.scalar(select(DocumentSeries.last_no).where(DocumentSeries.kind == "commitment")) == 6


def test_a_step_still_working_does_not_hold_its_letters_series(app, login):
    """The series is locked only at the commit: a step that filled its letter and has not committed does not
    keep another clerk's letter waiting; each takes the next number when it commits."""
    from sqlalchemy import text

    from webapp.core import workflow
    from webapp.documents import service
    from webapp.models import User

    factory = app.extensions["sa_sessionmaker"]
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite serializes every writer at BEGIN IMMEDIATE")
    town = login("xiacun.clerk")
    assert town.post("/cases/new", data=REGISTRATION).status_code == 302
    letter = {"signed_on": "2026-03-02", "signatory": "甲", "witness_department": None, "commitment_notes": None}
    with app.app_context():
        engine = workflow.engine()
    with factory() as slow:
        slow.begin()
        clerk = slow.scalar(select(User).where(User.username == "xiacun.clerk"))
        (first,) = service.issue_for_step(slow, engine, slow.get(Case, 1), "commitment_letter", None, letter, clerk)
        with factory() as other, other.begin():
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            (second,) = service.issue_for_step(other, engine, other.get(Case, 1), "commitment_letter", None, letter,
                                               other.scalar(select(User).where(User.username == "xiacun.clerk")))
        slow.commit()
    assert (second.number, first.number) == ("乳水承诺〔2026〕1号", "乳水承诺〔2026〕2号")
