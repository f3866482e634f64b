"""村（社区）名单: the villages of each town, kept by the administrators, against which the registration
and the ledger import check a well's village.

A town without a list accepts any village name (the lists are filled in as the towns hand them over);
a town with one accepts only the names on it, so that "东村" and "东村村" do not become two villages in
the ledgers and the dashboard.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..models import Base

MAX_NAME = 64


class Village(Base):
    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("town", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))


def lists(session: Session) -> dict[str, list[str]]:
    """town code -> its villages in the order entered (only towns that have a list)."""
    out: dict[str, list[str]] = {}
    for town, name in session.execute(select(Village.town, Village.name).order_by(Village.id)):
        out.setdefault(town, []).append(name)
    return out


def refusal(known: dict[str, list[str]], town: str, village: str, town_name: str) -> str | None:
    """Why a village is refused for a town, or None when it is accepted."""
    names = known.get(town)
    if not names or not village or village in names:
        return None
    return f"村（社区）“{village}”不在{town_name}的村（社区）名单中，请核对名称（名单由管理员维护）"


def check(session: Session, town: str, village: str, town_name: str) -> str | None:
    """``refusal`` for one registration, reading only that town's list."""
    names = list(session.scalars(select(Village.name).where(Village.town == town)))
    return refusal({town: names}, town, village, town_name)


def parse(text: str) -> list[str]:
    """Names as typed in the admin page: one per line or separated by 、，, ; blanks and repeats dropped."""
    for sep in ("、", "，", ",", "；", ";"):
        text = text.replace(sep, "\n")
    names = []
    for line in text.splitlines():
        name = line.strip()
        if name and name not in names:
            names.append(name)
    return names


def replace(session: Session, town: str, names: list[str]) -> tuple[list[str], list[str]]:
    """Set a town's list; returns (before, after)."""
    before = lists(session).get(town, [])
    session.execute(delete(Village).where(Village.town == town))
    session.add_all(Village(town=town, name=name) for name in names)
    session.flush()
    return before, names
