"""Events other systems send in: the water group announces the network's arrival (the /coverage/ page's
all-or-nothing move), the tax bureau confirms a water-resource tax registration, the market regulator a
meter verification (each completes the waiting step of the case it names, through the task's own form).

Each is done once per sender and event id: the ``api_inbound_event`` row is written in the transaction that
acts, so a repeated delivery (a retry after a lost answer, two at once) is answered with the first answer and
does nothing; a refused event writes nothing and may be sent again once corrected.
"""
from __future__ import annotations

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.tables import Instance, OpenTask
from forms.coverage import CoverageForm

from ..cases import queries as coverage
from ..core import db, unit_of_work, workflow
from ..models import Case
from . import form_schema, scopes, tokens
from .base import account, blueprint, refusals
from .errors import ApiError
from .lookup import case_by_number, refuse, require_scope, require_town
from .tables import InboundEvent
from .tasks import complete_task, next_steps

blp = blueprint("api_inbound", "接收其他系统的事件：管网通水、水资源税登记、计量检定。按发送方的事件编号（event_id）"
                               "只处理一次，重复发送得到第一次的结果。")
# kind -> (form key of the waiting step, its department)
STEP_EVENTS = {"tax-registered": ("tax_registration", "tax"), "meter-verified": ("meter_verification", "market")}
EVENT_ID = {"type": "string", "minLength": 1, "maxLength": 128, "title": "发送方的事件编号（同一编号只处理一次）"}


def _with_event_id(schema: dict, *extra: str) -> dict:
    schema = {**schema, "properties": {"event_id": EVENT_ID, **{k: {"type": "string"} for k in extra},
                                       **schema["properties"]}}
    schema["required"] = ["event_id", *extra, *schema.get("required", [])]
    return schema


def _body() -> tuple[str, dict]:
    if not request.is_json:
        raise ApiError(415, "请求体须为 application/json。")
    body = request.get_json()
    if not isinstance(body, dict):
        raise ApiError(422, "请求体应为 JSON 对象。", errors={"_form": ["请求体应为 JSON 对象"]})
    body = dict(body)
    event_id = body.pop("event_id", None)
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= 128:
        raise ApiError(422, errors={"event_id": ["请填写发送方的事件编号（1至128个字符）"]})
    return event_id.strip(), body


def _earlier(event_id: str, kind: str):
    """The answer this event got the first time, or None."""
    row = db.session().scalar(select(InboundEvent).where(InboundEvent.account_id == account().id,
                                                         InboundEvent.event_id == event_id))
    if row is None:
        return None
    if row.kind != kind:
        raise ApiError(409, f"事件编号“{event_id}”已用于另一类事件（{row.kind}），请换一个编号。", code="conflict")
    answer = {**row.result, "repeated": True}
    if "task_id" in answer:  # a step: where the case stands now
        answer["next_steps"] = next_steps(db.session().get(Case, row.result["case_id"]))
        answer.pop("case_id")
    return answer, 200


def _recorder(event_id: str, kind: str, case_id: int | None = None):
    def record(session, result: dict) -> None:
        kept = {"event_id": event_id, "kind": kind, **result, **({"case_id": case_id} if case_id else {})}
        session.add(InboundEvent(account_id=account().id, event_id=event_id, kind=kind, result=kept))
        session.flush()  # a second delivery at the same moment collides here, on the unique key
    return record


def _once(event_id: str, kind: str, act):
    """Act, unless the event was handled before (then, and after a collision with a simultaneous
    delivery, answer as the first time). ``act(recorder)`` gets a factory of the row's writer."""
    earlier = _earlier(event_id, kind)
    if earlier is not None:
        return earlier
    try:
        result = act(lambda case_id=None: _recorder(event_id, kind, case_id))
    except IntegrityError:
        db.session().rollback()
        earlier = _earlier(event_id, kind)
        if earlier is None:
            raise
        return earlier
    return {**result, "repeated": False}, 201


@blp.route("/events-in/network-arrived", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inbound_network_arrived"}}}})
@blp.response(201, description="已处理：转入关闭程序的案件编号（cases）；重复发送时为 200 和第一次的结果")
@refusals(blp, 403, 409, 415, 422)
def network_arrived():
    """水务集团：公共供水管网已通水（与“管网覆盖”页面同样的全部或全不）"""
    require_scope("coverage:announce")
    event_id, body = _body()

    def act(record):
        posted, unknown = form_schema.formdata(CoverageForm, body)
        request.form = posted
        form = CoverageForm()
        form.towns.choices = [(t, t) for t in _all_towns()]
        if "csrf_token" in form:
            del form["csrf_token"]  # the API is exempt from CSRF (see tasks.complete_task)
        if not form.validate() or unknown:
            raise ApiError(422, errors={**form_schema.field_errors(form), **unknown})
        for town in form.towns.data:
            require_town(town)
        session, engine = db.session(), workflow.engine()
        agent = tokens.agent(account(), "water_group")
        actor = agent.actor
        payload = {"towns": form.towns.data, "villages": form.village_list(),
                   "effective_on": form.effective_on.data.isoformat(), "document_no": form.document_no.data}
        cases = coverage.waiting_cases(session, form.towns.data, form.village_list())

        def announce():
            for case in cases:
                engine.correlate(session, case.instance_id, coverage.NETWORK_ARRIVES, payload, actor=actor)
            engine.record(session, "coverage_announced", actor=actor, title=form.document_no.data,
                          data={**payload, "reason": form.reason.data, "cases": [c.id for c in cases],
                                "event_id": event_id})
            result = {"event_id": event_id, "kind": "network-arrived", "cases": [c.number for c in cases]}
            record()(session, result)
            return result

        done = unit_of_work.run(announce, IntegrityError)
        if isinstance(done.error, IntegrityError):
            raise done.error
        if not done:
            raise ApiError(422, f"没有任何案件被改变：{done.error}", code="refused")
        return done.value

    return _once(event_id, "network-arrived", act)


def _all_towns() -> list[str]:
    from ..directory.departments import TOWN_CODES
    return list(TOWN_CODES)


def _step_event(kind: str):
    form_key, department = STEP_EVENTS[kind]
    if not scopes.completes_tasks_of(account(), department):
        refuse(f"该系统账号没有“tasks:complete:{department}”权限。", department=department)
    event_id, body = _body()
    number = body.pop("case_number", None)
    if not isinstance(number, str):
        raise ApiError(422, errors={"case_number": ["请填写案件编号，如 乳整2026-00001"]})

    def act(record):
        session = db.session()
        case = case_by_number(session, number)
        task = session.scalar(select(OpenTask).where(OpenTask.case_id == case.id, OpenTask.form_key == form_key))
        if task is None:
            title = form_schema.FORMS[form_key].title
            raise ApiError(409, f"案件 {number} 现在不在等待“{title}”这一步，没有办理。请核对案件编号，"
                                f"或在案件详情中查看其当前环节。", code="not_waiting")
        version = session.get(Instance, task.instance_id).version  # the event states a fact: the case as it is now
        return {"event_id": event_id, "kind": kind, **complete_task(task, body, version, record(case.id))}

    return _once(event_id, kind, act)


@blp.route("/events-in/tax-registered", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inbound_tax_registered"}}}})
@blp.response(201, description="已办理“水资源税登记”；重复发送时为 200 和第一次的结果")
@refusals(blp, 403, 404, 409, 410, 415, 422)
def tax_registered():
    """税务局：水资源税登记完成（办理案件的“水资源税登记”环节）"""
    return _step_event("tax-registered")


@blp.route("/events-in/meter-verified", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inbound_meter_verified"}}}})
@blp.response(201, description="已办理“计量设施检定”；重复发送时为 200 和第一次的结果")
@refusals(blp, 403, 404, 409, 410, 415, 422)
def meter_verified():
    """市场监管局：计量设施检定完成（办理案件的“计量设施检定”环节）"""
    return _step_event("meter-verified")


def component_schemas() -> dict[str, dict]:
    """The request bodies: each the page's form (from its WTForms class) plus the event id (and the case)."""
    coverage_form = CoverageForm(formdata=None, meta={"csrf": False})
    coverage_form.towns.choices = [(t, t) for t in _all_towns()]
    announce = form_schema.schema_of(coverage_form)
    announce["properties"].pop("confirmed", None)  # the page's two-step confirmation; an event is final
    schemas = {"Inbound_network_arrived": _with_event_id(announce)}
    for kind, (form_key, _department) in STEP_EVENTS.items():
        form = form_schema.FORMS[form_key](formdata=None, meta={"csrf": False})
        schemas[f"Inbound_{kind.replace('-', '_')}"] = _with_event_id(form_schema.schema_of(form), "case_number")
    return schemas
