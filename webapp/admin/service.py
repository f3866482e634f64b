"""Changes to users and departments: each one flushes its rows and puts one event on the audit trail.

The route commits once. Events carry before/after values of what changed and never a password or a
password hash (``user_password_reset`` says only whose password was reset).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import Actor, Engine

from ..models import Department, User

ADMIN = "admin"


class AdminError(Exception):
    """A change refused for a reason the form could not see (a concurrent change); message in Chinese."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def snapshot(user: User) -> dict:
    """What the audit trail records of an account (no password material)."""
    return {"display_name": user.display_name, "department": user.department.code, "role": user.role,
            "task_force_member": bool(user.task_force_member), "active": bool(user.active),
            "mobile": user.mobile, "email": user.email}


def _title(user: User) -> str:
    return f"{user.display_name}（{user.username}）"


def create_user(session: Session, engine: Engine, actor: Actor, *, username: str, display_name: str,
                department: Department, role: str, task_force_member: bool, password: str,
                mobile: str | None = None, email: str | None = None) -> User:
    """Add an account. A user name taken meanwhile by another administrator raises AdminError.

    The administrator typed the password, so the person must choose their own at first log-in."""
    user = User(username=username, display_name=display_name, department=department, role=role,
                task_force_member=task_force_member, active=True, mobile=mobile, email=email,
                must_change_password=True)
    user.set_password(password)
    session.add(user)
    try:
        session.flush()  # the unique index has the last word: another administrator may have been quicker
    except IntegrityError:
        raise AdminError(f"用户名“{username}”已被使用，请换一个。", field="username") from None
    engine.record(session, "user_created", actor=actor, title=_title(user),
                  data={"username": username, "after": snapshot(user)})
    return user


def update_user(session: Session, engine: Engine, actor: Actor, user_id: int, values: dict) -> dict:
    """Apply ``values`` (display_name, department, role, task_force_member, active, mobile, email).

    Returns ``{"before": …, "after": …}`` of the fields that changed (empty: nothing to record).
    The active administrators' rows are locked first (always in id order, so two administrators
    editing at once cannot deadlock): the last active administrator is never demoted or deactivated.
    """
    admins = set(session.scalars(select(User.id).where(User.role == ADMIN, User.active.is_(True))
                                 .order_by(User.id).with_for_update()))
    user = session.scalars(select(User).where(User.id == user_id).with_for_update(of=User)
                           .execution_options(populate_existing=True)).one()
    before = snapshot(user)
    department: Department = values["department"]
    after = {"display_name": values["display_name"], "department": department.code, "role": values["role"],
             "task_force_member": values["task_force_member"], "active": values["active"],
             "mobile": values.get("mobile", before["mobile"]), "email": values.get("email", before["email"])}
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return {}
    if user.id in admins and (after["role"] != ADMIN or not after["active"]) and not admins - {user.id}:
        raise AdminError("这是唯一在用的管理员账号，不能停用或取消管理员角色。", field="role")
    user.display_name, user.department, user.role = values["display_name"], department, values["role"]
    user.task_force_member, user.active = values["task_force_member"], values["active"]
    user.mobile, user.email = after["mobile"], after["email"]
    if not user.active:
        user.end_sessions()  # reactivating the account later must not revive a session from before
    session.flush()
    change = {"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}}
    engine.record(session, "user_updated", actor=actor, title=_title(user),
                  data={"username": user.username, **change})
    return change


def reset_password(session: Session, engine: Engine, actor: Actor, user: User, password: str) -> None:
    """The administrator knows this password: the person must replace it at their next log-in."""
    user.set_password(password)
    user.must_change_password = True
    session.flush()
    engine.record(session, "user_password_reset", actor=actor, title=_title(user),
                  data={"username": user.username})


def rename_department(session: Session, engine: Engine, actor: Actor, department_id: int, name: str) -> dict:
    """Change a department's Chinese name (its code is a lane name of the diagrams and never changes)."""
    department = session.scalars(select(Department).where(Department.id == department_id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
    if department.name == name:
        return {}
    change = {"before": {"name": department.name}, "after": {"name": name}}
    department.name = name
    session.flush()
    engine.record(session, "department_updated", actor=actor, title=name,
                  data={"code": department.code, **change})
    return change
