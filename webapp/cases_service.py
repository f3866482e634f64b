"""Registering a water user and well and starting its case, in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Actor, Engine

from .models import Case, User, WaterUser, Well
from .workflow import PROCESS_ID


class RegistrationRefused(Exception):
    """Bad registration input found against the database: ``field`` names the form field to mark."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.department.code)


def register_case(session: Session, engine: Engine, user_data: dict, well_data: dict, registered_by: User) -> Case:
    """Create (or reuse) the water user, create the well and its case, and start the case's process."""
    existing_well = session.scalar(select(Well).where(Well.well_no == well_data["well_no"]))
    if existing_well is not None:
        raise RegistrationRefused("well_no", f"井编号 {well_data['well_no']} 已经登记过，不能重复登记。")
    owner = session.scalar(select(WaterUser).where(WaterUser.party_id == user_data["party_id"]))
    if owner is None:
        owner = WaterUser(**user_data)
        session.add(owner)
    elif owner.name != user_data["name"]:
        raise RegistrationRefused(
            "party_id", f"该证件号码已登记为用水户“{owner.name}”，与填写的名称不一致，请核对。")
    well = Well(owner=owner, **well_data)
    session.add(well)
    session.flush()
    case = Case(well_id=well.id, town=well.town, registered_by=registered_by.username)
    session.add(case)
    session.flush()
    instance = engine.start(
        session, PROCESS_ID, case.id,
        context={"town": well.town, "well_no": well.well_no, "party_name": owner.name},
        data={"well_no": well.well_no, "town": well.town, "purpose": well.purpose,
              "in_coverage": well.in_coverage, "has_permit": bool(well.permit_no),
              "hidden_well": well.hidden_well},
        actor=actor_of(registered_by),
    )
    case.instance_id = instance.id
    session.flush()
    return case
