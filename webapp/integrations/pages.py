"""The office's pages of the outbox (blueprint ``integrations``, /integrations/…).

- 外发消息 (``/integrations/outbox``): the leading group office and administrators — every message with its
  status, failures first; filters; a message's attempts; 重新发送 a failed one with a reason (audit event
  ``outbox_resent``, on the case's chain when it has a case).
- 接收端配置 (``/integrations/endpoints``): administrators only — where each destination is delivered; the
  address and the secret are never shown again; 发送测试消息 queues a message for the relay.

Refusals are recorded 403s (``permissions.require``), as on the admin pages. Nothing here sends: the relay
delivers after the commit.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import directory
from ..auth import login_manager
from ..core import db, unit_of_work, workflow
from ..core.paging import window
from ..models import Case
from ..permissions import require, sees_everything
from . import endpoints, outbox, relay
from .forms import EndpointForm, OutboxFilterForm, ResendForm, TestMessageForm
from .settings import from_settings
from .tables import STATUSES, Endpoint, OutboxAttempt, OutboxMessage

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
PAGE_SIZE = 50
ADMIN_ONLY = {"integrations.endpoint_list", "integrations.endpoint_edit", "integrations.endpoint_test"}


def may_watch(user) -> bool:
    """The leading group office (which follows every case) and the administrators (who configure)."""
    return sees_everything(user) or user.role == "admin"


def is_admin(user) -> bool:
    return user.role == "admin"


@bp.record_once
def _read_settings(state) -> None:
    # At start-up: a wrong WELLS_OUTBOX_* or WELLS_SMTP_* stops the app (and the relay) with a clear message.
    state.app.config["OUTBOX"] = from_settings(state.app.config)


@bp.before_request
def _gate():
    # One gate for every page and post of the blueprint; the endpoint pages narrow it to administrators.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(may_watch(current_user))
    if request.endpoint in ADMIN_ONLY:
        require(is_admin(current_user))
    return None


@bp.app_template_filter("outbox_destination")
def _destination_label(destination: str) -> str:
    return outbox.destination_label(destination, directory.names())


def _destinations(session) -> list[tuple[str, str]]:
    names = directory.names()
    used = session.scalars(select(OutboxMessage.destination).distinct())
    return [(d, outbox.destination_label(d, names)) for d in sorted(set(used))]


@bp.get("/outbox")
def messages():
    session = db.session()
    form = OutboxFilterForm(request.args)
    form.destination.choices = _destinations(session)
    counts = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    if not form.validate():
        return render_template("integrations/messages.html", form=form, rows=[], counts=counts, total=0,
                               page=1, pages=1, args={}, statuses=STATUSES, waiting=[]), 422
    query = select(OutboxMessage)
    if form.status.data:
        query = query.where(OutboxMessage.status == form.status.data)
    if form.kind.data:
        query = query.where(OutboxMessage.kind == form.kind.data)
    if form.destination.data:
        query = query.where(OutboxMessage.destination == form.destination.data)
    if form.case_id is not None:
        query = query.where(OutboxMessage.case_id == form.case_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, pages, offset = window(total, request.args.get("page", 1, type=int), PAGE_SIZE)
    # Failures first (they need someone), then the newest.
    rows = session.scalars(query.order_by((OutboxMessage.status == "failed").desc(), OutboxMessage.id.desc())
                           .limit(PAGE_SIZE).offset(offset)).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    settings = current_app.config["OUTBOX"]
    ready = set(relay.deliverable(session, settings))
    waiting = sorted(set(session.scalars(select(OutboxMessage.destination).distinct()
                                         .where(OutboxMessage.status == "pending"))) - ready)
    return render_template("integrations/messages.html", form=form, rows=rows, counts=counts, total=total,
                           page=page, pages=pages, args=args, statuses=STATUSES, waiting=waiting,
                           cases=_case_numbers(session, rows))


def _case_numbers(session, rows) -> dict[int, str]:
    ids = {r.case_id for r in rows if r.case_id}
    return {c.id: c.number for c in session.scalars(select(Case).where(Case.id.in_(ids)))} if ids else {}


@bp.get("/outbox/<int:message_id>")
def message(message_id: int):
    session = db.session()
    row = session.get(OutboxMessage, message_id) or abort(404)
    return _message_page(row, ResendForm(formdata=None))


def _message_page(row: OutboxMessage, form: ResendForm, status: int = 200):
    session = db.session()
    attempts = session.scalars(select(OutboxAttempt).where(OutboxAttempt.message_id == row.id)
                               .order_by(OutboxAttempt.id)).all()
    payload = json.dumps(row.payload, ensure_ascii=False, indent=2, sort_keys=True)
    case = session.get(Case, row.case_id) if row.case_id else None
    return render_template("integrations/message.html", row=row, attempts=attempts, payload=payload, form=form,
                           case=case), status


@bp.post("/outbox/<int:message_id>/resend")
def resend(message_id: int):
    session = db.session()
    row = session.get(OutboxMessage, message_id) or abort(404)
    form = ResendForm()
    if not form.validate_on_submit():
        return _message_page(row, form, 422)
    done = unit_of_work.run(lambda: relay.resend(session, workflow.engine(), current_user.actor, row.id,
                                                 form.reason.data), relay.NotResendable)
    if not done:
        flash(str(done.error), "warning")
    else:
        flash("已重新排入发送队列，发送程序将以原幂等键重新发送；重发原因已记入审计记录。", "success")
    return redirect(url_for(".message", message_id=message_id))


# ------------------------------------------------------------------------------ endpoints (admin)

def _robot_rows(configured: dict[str, Endpoint]) -> list[tuple[str, str, Endpoint | None]]:
    return [(outbox.robot(code), name, configured.get(outbox.robot(code))) for code, name in directory.choices()]


@bp.get("/endpoints")
def endpoint_list():
    configured = endpoints.by_destination(db.session())
    fixed = [(d, outbox.destination_label(d), configured.get(d)) for d in (outbox.CREDIT_PLATFORM, outbox.SMS)]
    return render_template("integrations/endpoints.html", fixed=fixed, robots=_robot_rows(configured),
                           settings=current_app.config["OUTBOX"], test_form=TestMessageForm(formdata=None))


def _known(destination: str) -> str:
    """The destination's label, or 404 for one that no message can have."""
    if not endpoints.channels_for(destination) or destination == outbox.EMAIL:
        abort(404)
    if destination.startswith(outbox.ROBOT) and destination[len(outbox.ROBOT):] not in directory.names():
        abort(404)
    return outbox.destination_label(destination, directory.names())


@bp.route("/endpoints/<destination>", methods=["GET", "POST"])
def endpoint_edit(destination: str):
    label = _known(destination)
    session = db.session()
    current = endpoints.by_destination(session).get(destination)
    channels = endpoints.channels_for(destination)
    if request.method == "POST":
        form = EndpointForm(channels=channels)
    else:
        form = EndpointForm(formdata=None, channels=channels, data={
            "channel": current.channel if current else channels[0], "note": current.note if current else "",
            "active": current.active if current else True})
    form.has_url, form.has_secret = current is not None, bool(current and current.secret_sealed)
    form.allow_http = current_app.config["OUTBOX"].allow_http
    if form.validate_on_submit():
        change = endpoints.save(session, workflow.engine(), current_user.actor,
                                current_app.config["OUTBOX"].secret_key, destination,
                                channel=form.channel.data, note=form.note.data or "", url=form.url.data or None,
                                secret=form.secret.data or None, clear_secret=bool(form.clear_secret.data),
                                active=bool(form.active.data))
        db.commit()
        flash(f"已保存“{label}”的接收端配置，已记入审计记录。" if change["after"] or change["secret_changed"]
              else f"“{label}”的配置没有改动。", "success")
        return redirect(url_for(".endpoint_list"))
    return render_template("integrations/endpoint_edit.html", form=form, label=label, current=current,
                           destination=destination), 422 if form.is_submitted() else 200


@bp.post("/endpoints/<destination>/test")
def endpoint_test(destination: str):
    label = _known(destination)
    session = db.session()
    form = TestMessageForm()
    if not form.validate_on_submit() or (destination == outbox.SMS and not form.recipient.data):
        messages = [m for errors in form.errors.values() for m in errors] or ["短信网关的测试须填写收件手机号"]
        flash("没有发送测试消息：" + "；".join(messages), "danger")
        return redirect(url_for(".endpoint_list"))
    text = f"这是{current_user.display_name}从“接收端配置”页面发出的测试消息，收到即说明配置正确，无需处理。"
    outbox.enqueue(session, outbox.TEST, destination, {"subject": "自备井整治平台测试消息", "text": text},
                   recipient=form.recipient.data or None)
    workflow.engine().record(session, "outbox_test_queued", actor=current_user.actor,
                             title=f"发送测试消息：{label}", data={"destination": destination})
    db.commit()
    flash(f"测试消息已排入发送队列，发送程序将发往“{label}”；结果见“外发消息”。", "success")
    return redirect(url_for(".messages", kind=outbox.TEST))
