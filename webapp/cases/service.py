"""Registering a water user and well and starting its case, in the caller's transaction."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import Actor, Engine
from engine import overrides as engine_overrides

from .. import directory
from ..core.workflow import PROCESS_ID
from ..directory import villages
from ..models import Case, User, WaterUser, Well


class RegistrationRefused(Exception):
    """Bad registration input found against the database: ``field`` names the form field to mark."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# The unique keys two simultaneous registrations of one well or one water user collide on: PostgreSQL names
# the constraint, SQLite the column.
_DUPLICATE_KEYS = ("uq_well_well_no", "uq_water_user_party_id", "uq_well_case_well_id",
                   "well.well_no", "water_user.party_id", "well_case.well_id")
RETRY = "与同时进行的另一项登记冲突，本次未保存，请重新提交"


def is_duplicate_registration(exc: IntegrityError) -> bool:
    """Whether a registration failed because someone registered the same well or water user meanwhile;
    any other conflict must not be reported to the clerk as that."""
    return any(key in str(exc.orig) for key in _DUPLICATE_KEYS)

# Privacy between towns: a town clerk learns nothing about another town's water users from a refusal
# (not the name, not the wells), only that the number is registered elsewhere and whom to ask. Units that
# work city-wide (the water bureau, the office) see every town anyway and get the full message.

def own_town(user: User) -> str | None:
    return user.department.code if user.department.is_town else None


def visible_to_town(session: Session, owner_id: int, owner_town: str, town: str | None) -> bool:
    """May a clerk of ``town`` (None: city-wide) see this water user: registered in, or with a well in, it?"""
    if town is None or owner_town == town:
        return True
    return session.scalar(select(Well.id).where(Well.owner_id == owner_id, Well.town == town).limit(1)) is not None


def party_elsewhere(owner_town: str) -> str:
    return (f"该证件号码已在其他镇（街道）登记为用水户，与本次填写的名称不一致。请核对证件号码；"
            f"如确属同一用水户，请联系{directory.name(owner_town)}核实")


def well_elsewhere(well_no: str, well_town: str) -> str:
    return f"机井编号 {well_no} 已在其他镇（街道）登记，请核对编号；如有疑问请联系{directory.name(well_town)}"


def case_start(well_data: dict, party_name: str, party_kind: str) -> tuple[dict, dict]:
    """A new case's engine context and start data (the registration page and the bulk loader alike)."""
    context = {"town": well_data["town"], "well_no": well_data["well_no"], "party_name": party_name}
    data = {"well_no": well_data["well_no"], "town": well_data["town"], "purpose": well_data["purpose"],
            "in_coverage": well_data["in_coverage"], "has_permit": bool(well_data.get("permit_no")),
            "hidden_well": well_data["hidden_well"], "party_kind": party_kind,
            # Nothing obstructed so far: a step skipped by a supervisor still lets its gateway decide.
            "obstructed": False, "seal_obstructed": False,
            # No sealing accepted yet: after a failed recheck's penalty, a well found sealed is a new
            # sealing to accept unless the case's own sealing had been accepted (penalty_sealed_gw).
            "seal_accepted": False,
            # A licensed well's non-renewal falls due ahead of this date (None: unknown, asked then).
            "permit_valid_to": well_data["permit_valid_to"].isoformat() if well_data.get("permit_valid_to") else None,
            # The patrol period in force when the case starts: its patrol timer counts it.
            "patrol_days": current_app.config["PATROL_DAYS"]}
    return context, data


def register_case(session: Session, engine: Engine, user_data: dict, well_data: dict, registered_by: User) -> Case:
    """Create (or reuse) the water user, create the well and its case, and start the case's process."""
    existing_well = session.scalar(select(Well).where(Well.well_no == well_data["well_no"]))
    town = own_town(registered_by)
    if existing_well is not None:
        if town is not None and existing_well.town != town:
            raise RegistrationRefused("well_no", well_elsewhere(well_data["well_no"], existing_well.town) + "。")
        raise RegistrationRefused("well_no", f"井编号 {well_data['well_no']} 已经登记过，不能重复登记。")
    refused = villages.check(session, well_data["town"], well_data.get("village") or "",
                             directory.name(well_data["town"]))
    if refused:
        raise RegistrationRefused("village", refused)
    owner = session.scalar(select(WaterUser).where(WaterUser.party_id == user_data["party_id"]))
    if owner is None:
        owner = WaterUser(**user_data)
        session.add(owner)
    elif owner.name != user_data["name"]:
        if not visible_to_town(session, owner.id, owner.town, town):
            raise RegistrationRefused("party_id", party_elsewhere(owner.town) + "。")
        raise RegistrationRefused(
            "party_id", f"该证件号码已登记为用水户“{owner.name}”，与填写的名称不一致，请核对。")
    well = Well(owner=owner, **well_data)
    session.add(well)
    session.flush()
    case = Case(well_id=well.id, town=well.town, registered_by=registered_by.username)
    session.add(case)
    session.flush()
    context, data = case_start(well_data, owner.name, owner.kind)
    instance = engine.start(
        session, PROCESS_ID, case.id, context=context, data=data, actor=registered_by.actor,
    )
    case.instance_id = instance.id
    session.flush()
    return case


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def correct_case(session: Session, engine: Engine, case: Case, user_data: dict, well_data: dict, reason: str,
                 actor: Actor, expected_version: int | None) -> dict:
    """Correct the water user and the well of a case, recorded with before/after; returns the changes.

    The engine gets the values it copies into the inboxes (town, well number, party name), so a
    corrected town moves the case's town tasks to that town.
    """
    well, owner = case.well, case.well.owner
    changes = {}
    for prefix, record, values in (("user", owner, user_data), ("well", well, well_data)):
        for name, after in values.items():
            before = getattr(record, name)
            if before != after:
                changes[f"{prefix}.{name}"] = [_plain(before), _plain(after)]
    if not changes:
        raise RegistrationRefused("reason", "没有修改任何内容。")
    if "well.well_no" in changes and session.scalar(select(Well.id).where(
            Well.well_no == well_data["well_no"], Well.id != well.id)):
        raise RegistrationRefused("well_no", f"井编号 {well_data['well_no']} 已被其他机井使用。")
    if "user.party_id" in changes and session.scalar(select(WaterUser.id).where(
            WaterUser.party_id == user_data["party_id"], WaterUser.id != owner.id)):
        raise RegistrationRefused("party_id", "该证件号码已登记为其他用水户，请核对。")
    for name, value in user_data.items():
        setattr(owner, name, value)
    for name, value in well_data.items():
        setattr(well, name, value)
    case.town = well.town
    session.flush()
    engine_overrides.correct_data(
        engine, session, case.instance_id,
        context={"town": well.town, "well_no": well.well_no, "party_name": owner.name},
        changes=changes, actor=actor, reason=reason, expected_version=expected_version)
    return changes
