"""The web application's core tables: departments, users, water users, wells, cases, problems, documents,
attachments, log-in counts, and ``Base``. Feature packages declare their own tables on ``Base`` in their
own modules; ``webapp/tables.py`` imports every one (for Alembic and the tests). This module imports none
of them.

Workflow state lives in the engine's tables (``engine.tables``); a case points at its instance by id.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from engine import Actor
from engine.tables import NAMING_CONVENTION, UTCDateTime, utcnow
from forms.choices import PROBLEM_KINDS, PROBLEM_STATUS, REQUIRED_ACTS, ROLES
from rules.timezone import CHINA

TASK_FORCE = "task_force"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # office | bureau | task_force | town
    # Counted up by a trigger on every change of code, name or kind (migration 20261206_0028): the directory's
    # revision, under which each worker keeps the names in memory (webapp/directory).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_town(self) -> bool:
        return self.kind == "town"


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="clerk")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Seconded to the joint task force (整治专班) while keeping the home department (plan §六(二)).
    task_force_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised by log-out (and deactivation): every session and remember cookie issued before no longer
    # loads (session_token), so a cookie copied before 退出 opens nothing afterwards.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where reminders reach the person (issue 10): a mainland mobile number and an e-mail address.
    mobile: Mapped[str | None] = mapped_column(String(11), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Set when an administrator chose the password (create, reset): every page leads to 修改密码 until the
    # person has chosen their own, so the one who typed it does not know it afterwards.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The channels the person chose for reminders (webapp/notifications): e-mail, SMS, an @ in the
    # department's group robot.
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    notify_robot: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Counted up by a trigger on every change of the row (migration 20261206_0029): the accounts' revision,
    # under which each worker keeps them in memory (webapp/directory/people.py).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def inboxes(self) -> list[str]:
        """The departments whose tasks this user works: home first, then the task force if seconded."""
        codes = [self.department.code]
        if self.task_force_member and self.department.code != TASK_FORCE:
            codes.append(TASK_FORCE)
        return codes

    @property
    def session_token(self) -> str:
        """Changes whenever the password does (a fresh salt each time) or the session version is raised
        (log-out, deactivation): ends the sessions issued before."""
        return hashlib.sha256(f"{self.session_version or 0}:{self.password_hash}".encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of the account, on every device."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:  # what flask-login keeps in the session and the remember cookie
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive accounts at log-in; load_user on every request
        return self.active

    @property
    def actor(self) -> Actor:
        """Who the engine records as acting: the account and its home department."""
        return Actor(self.username, self.department.code)

    @property
    def role_label(self) -> str:
        return dict(ROLES).get(self.role, self.role)


class WaterUser(Base):
    """用水户: an enterprise or an individual."""

    __tablename__ = "water_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # enterprise | individual
    name: Mapped[str] = mapped_column(String(128), index=True)
    party_id: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码 or 身份证号
    legal_rep: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address: Mapped[str] = mapped_column(String(256), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    industry: Mapped[str | None] = mapped_column(String(64), nullable=True)
    town: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    wells: Mapped[list["Well"]] = relationship(back_populates="owner")


class Well(Base):
    """自备井: one well, one code."""

    __tablename__ = "well"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    well_no: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("water_user.id"), index=True)
    town: Mapped[str] = mapped_column(String(32), index=True)
    village: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # Unknown at registration sometimes: taken on site at the inspection.
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    depth_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    year_drilled: Mapped[int | None] = mapped_column(Integer, nullable=True)
    purpose: Mapped[str] = mapped_column(String(32))
    annual_volume_m3: Mapped[float | None] = mapped_column(Float, nullable=True)
    in_coverage: Mapped[bool] = mapped_column(Boolean, default=False)
    coverage_source: Mapped[str | None] = mapped_column(String(128), nullable=True)
    in_restricted_zone: Mapped[bool] = mapped_column(Boolean, default=False)
    permit_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    permit_issuer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    permit_valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    permit_valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    has_meter: Mapped[bool] = mapped_column(Boolean, default=False)
    meter_serial: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hidden_well: Mapped[bool] = mapped_column(Boolean, default=False)  # 隐瞒不报, found later
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[WaterUser] = relationship(back_populates="wells", lazy="joined")


class Case(Base):
    """整治案件: one per well, linked to its process instance.

    The case list's summary (issue 14, migration 20261206_0026): ``stage`` and ``category`` (the case's own
    instance's), ``village``, ``well_no`` (the well's), ``party_id`` and ``party_name`` (its owner's) are
    copies kept by the database itself — triggers on wf_instance, well, water_user and this table — so that
    every search field of the list is a condition on this one table and its indexes, whichever path changed
    the original (a step, a timer, an override, a migration, the bulk loader, a correction). Read them for
    lists; never write them here (the triggers overwrite them)."""

    __tablename__ = "well_case"
    __table_args__ = (Index("ix_well_case_town_id", "town", "id"),  # a town's cases, newest first
                      Index("ix_well_case_created_at", "created_at"),  # the first case (the dashboard's period)
                      # the list's fields, each with the list's order (newest first) after it
                      Index("ix_well_case_town_stage_id", "town", "stage", "id"),
                      Index("ix_well_case_stage_id", "stage", "id"),
                      Index("ix_well_case_category_id", "category", "id"),
                      Index("ix_well_case_village_id", "village", "id"),
                      Index("ix_well_case_party_id", "party_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    well_id: Mapped[int] = mapped_column(ForeignKey("well.id"), unique=True)
    town: Mapped[str] = mapped_column(String(32))
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    registered_by: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The summary (above): copies the database keeps; the ORM never writes them.
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)
    village: Mapped[str | None] = mapped_column(String(64), nullable=True)
    well_no: Mapped[str | None] = mapped_column(String(32), nullable=True)
    party_id: Mapped[str | None] = mapped_column(String(18), nullable=True)
    party_name: Mapped[str | None] = mapped_column(String(128), nullable=True)

    well: Mapped[Well] = relationship(lazy="joined")

    @property
    def number(self) -> str:
        return self.number_of(self.id, self.created_at)

    @staticmethod
    def number_of(case_id: int, created_at: datetime) -> str:
        """The number of the case with this id and registration time (without loading the case)."""
        # The year the case was registered in China, not in UTC (1 January before 08:00 is still
        # the new year in Rushan).
        return f"乳整{created_at.astimezone(CHINA).year}-{case_id:05d}"


class Problem(Base):
    """问题清单: one problem of a rectification notice, closed out (销号) one by one at the recheck.

    Written by the notice step (a re-served notice withdraws the open problems of the earlier one) and
    updated by each recheck; kept as rows so that problem lists can be listed and exported across cases.
    """

    __tablename__ = "rectification_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("well_case.id"), index=True)
    # Not unique with seq: a supervisor's reset re-opens the same notice task, whose new list
    # withdraws the old one.
    notice_task_guid: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(200))
    required_act: Mapped[str] = mapped_column(String(32))
    rectify_days: Mapped[int] = mapped_column(Integer)
    served_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # PROBLEM_STATUS
    checked_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the last recheck
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[str] = mapped_column(String(300), default="")
    checked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped["Case"] = relationship(lazy="joined")

    @property
    def act_label(self) -> str:
        return dict(REQUIRED_ACTS).get(self.required_act, self.required_act)

    @property
    def kind_label(self) -> str:
        return dict(PROBLEM_KINDS).get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return dict(PROBLEM_STATUS).get(self.status, self.status)

    @property
    def deadline_label(self) -> str:
        return self.deadline.isoformat()


class DocumentSeries(Base):
    """文书编号: the last number given in one kind's series for one year.

    The row is locked while a number is taken (an UPDATE … RETURNING inside the request's transaction):
    concurrent generations wait for each other, and a transaction that fails gives its number back,
    so a series has no gaps and no repeats.
    """

    __tablename__ = "document_series"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_no: Mapped[int] = mapped_column(Integer, default=0)


class Document(Base):
    """A generated official document (文书), kept with every version: regenerating adds a version under
    the same number and never replaces the old file."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("kind", "year", "serial", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("well_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    task_guid: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the step that issued it
    # The party's deadlines this version printed, with the start and period behind each (documents/
    # party_deadlines.py): a later version prints the same date unless the step itself was corrected.
    deadlines: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    file_name: Mapped[str] = mapped_column(String(128))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """A photo or evidence file uploaded with a step (附件). The bytes are on disk under the upload folder
    (``stored_path``, relative to it, a random name); the clerk's own file name is only shown, never used
    on disk. Written in the step's transaction (``webapp/attachments/storage.py``)."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("well_case.id"), index=True)
    task_guid: Mapped[str] = mapped_column(String(36), index=True)  # the step it came with
    form_key: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))  # from the content, not from the browser
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class LoginThrottle(Base):
    """Failed log-ins counted per account and per client address when the limiter is kept in the
    database (webapp/login_limits.py): shared by every worker process, unlike memory."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds: the end of the window
