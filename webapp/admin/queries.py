"""Read-side queries of the administration pages."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.tables import OpenTask

from ..core.paging import window
from ..models import Department, User


@dataclass(frozen=True)
class UserFilters:
    q: str | None = None           # part of the user name or the display name
    department: str | None = None  # department code
    role: str | None = None
    active: bool | None = None


def user_list(session: Session, filters: UserFilters, page: int, size: int):
    """One page of accounts (by department, then user name), the total, the page and the page count."""
    query = select(User).join(User.department)
    if filters.q:
        # "_" is common in user names: taken literally, not as a wildcard.
        query = query.where(or_(func.lower(User.username).contains(filters.q.lower(), autoescape=True),
                                User.display_name.contains(filters.q, autoescape=True)))
    if filters.department:
        query = query.where(Department.code == filters.department)
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.active is not None:
        query = query.where(User.active.is_(filters.active))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = window(total, page, size)
    rows = list(session.scalars(query.order_by(Department.id, User.username).limit(size).offset(offset)))
    return rows, total, page, pages


def department_list(session: Session) -> list[tuple[Department, int, int]]:
    """Every department with its number of accounts and of active accounts, in the plan's order."""
    users = (select(User.department_id, func.count().label("n"),
                    func.sum(case((User.active.is_(True), 1), else_=0)).label("active"))
             .group_by(User.department_id).subquery())
    query = (select(Department, func.coalesce(users.c.n, 0), func.coalesce(users.c.active, 0))
             .outerjoin(users, users.c.department_id == Department.id).order_by(Department.id))
    return [tuple(row) for row in session.execute(query)]


def claimed_tasks(session: Session, username: str) -> int:
    """Open tasks claimed by (assigned to) this user: they stay theirs until released or moved."""
    return session.scalar(select(func.count()).select_from(OpenTask).where(OpenTask.assignee == username))
