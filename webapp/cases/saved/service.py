"""Saved searches: which a user sees, saving one (its query string checked by the search form first, by the
caller), deleting one (the owner only)."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...models import User
from .tables import SavedFilter


def visible(session: Session, user: User) -> list[SavedFilter]:
    """The user's own searches and those shared with the user's department, by name."""
    return list(session.scalars(select(SavedFilter).where(or_(
        SavedFilter.user_id == user.id,
        and_(SavedFilter.department == user.department.code, SavedFilter.shared.is_(True))))
        .order_by(SavedFilter.name, SavedFilter.id)))


def save(session: Session, user: User, name: str, query: str, shared: bool) -> SavedFilter:
    """Keep the search; one of the user's with the same name is replaced (saved again with new conditions)."""
    row = session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name))
    if row is None:
        row = SavedFilter(user_id=user.id, name=name)
        session.add(row)
    row.department, row.query, row.shared = user.department.code, query, shared
    session.flush()
    return row


def owned(session: Session, user: User, filter_id: int) -> SavedFilter | None:
    """The user's own search of that id (a colleague's shared one is not the user's to delete)."""
    return session.scalar(select(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user.id))
