"""Writing a note on a case: the row, its event on the case's audit chain (the timeline entry) and, for
each colleague a head @-ed, a reminder through the outbox (notifications.messages), all in the caller's
transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Case, User
from ...notifications import messages
from .tables import CaseNote

SUMMARY = 40  # characters of the note in the event's title (the timeline shows the whole note)


def colleagues(session: Session, user: User) -> list[tuple[str, str]]:
    """(user name, name) of the active colleagues of the user's department, the user left out."""
    rows = session.execute(select(User.username, User.display_name).where(
        User.department_id == user.department_id, User.active.is_(True), User.id != user.id)
        .order_by(User.display_name, User.username))
    return [(username, name) for username, name in rows]


def add_note(session: Session, engine, case: Case, author: User, body: str, mentions: list[str]) -> CaseNote:
    """Keep the note, put it on the trail and tell the colleagues mentioned (the caller has checked that
    they are the author's colleagues and that the author may mention)."""
    note = CaseNote(case_id=case.id, author=author.username, department=author.department.code, body=body,
                    mentions=list(mentions))
    session.add(note)
    session.flush()
    named = {u.username: u for u in session.scalars(select(User).where(User.username.in_(mentions)))} \
        if mentions else {}
    engine.record(session, "case_note", actor=author.actor, case_id=case.id,
                  title=body if len(body) <= SUMMARY else body[:SUMMARY] + "…",
                  data={"note_id": note.id, "note": body,
                        "mentions": [named[m].display_name for m in mentions if m in named]})
    for username in mentions:
        if username in named:
            _tell(session, case, author, named[username], note)
    return note


def _tell(session: Session, case: Case, author: User, person: User, note: CaseNote) -> None:
    """The mentioned colleague's reminder, by the channels they chose on their profile (e-mail, SMS, an @ on
    the department's group robot); one without any gets none, and the mention stays on the note."""
    subject = f"{author.display_name}在案件 {case.number} 中提醒您"
    messages.send(session, messages.Reminder(key=f"note:{note.id}", subject=subject, text=f"{subject}：{note.body}",
                                             case_id=case.id), [person], person.department.code)


def for_case(session: Session, case_id: int) -> list[CaseNote]:
    return list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)))
