"""Helpers of the API tests: system accounts made through the admin service, bearer clients."""
from __future__ import annotations

from datetime import timedelta

from engine.tables import utcnow
from webapp.api import accounts as service
from webapp.core import db, workflow
from webapp.models import User


def make_account(app, name: str = "water_group_gis", scopes=("cases:read",), towns=None,
                 expires_in: timedelta = timedelta(days=90)) -> str:
    """A system account created as the admin page creates it; returns its token (shown once)."""
    from sqlalchemy import select

    with app.app_context():
        session = db.session()
        admin = session.scalar(select(User).where(User.username == "admin"))
        _account, token = service.create_account(
            session, workflow.engine(), admin.actor, name=name, display_name=f"{name} 系统",
            scopes=list(scopes), towns=list(towns) if towns is not None else None,
            expires_at=utcnow() + expires_in, created_by=admin.username)
        db.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
