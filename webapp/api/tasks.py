"""Tasks: a department's inbox, one task with its form (schema and prefilled values, ETag = the case's
instance version), claim and release, and completing it with the same form validation as the task page.

Completing feeds the JSON body to the task's own WTForms class (``form_schema.formdata`` turns it into the
post a browser sends; the class's ``for_case`` builds the form as the page does), then runs
``step_service.complete_step`` through ``unit_of_work.run`` — the page's path — and answers the page's
refusals with the page's statuses: 422 field errors, 409 taken / moved / case stopped, 410 handled,
412 stale (If-Match no longer the case's version; the engine decides, as for a stale form).
"""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from engine import (
    InstanceNotRunning,
    StaleForm,
    TaskAlreadyHandled,
    TaskNotFound,
    TaskTaken,
    assignment,
    task_fate,
)
from engine.errors import TaskMoved
from engine.tables import Event, OpenTask, utcnow
from forms.registry import FORMS, form_for

from .. import directory
from ..cases.queries import case_instance, case_tasks
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN_CODES
from ..models import Case
from ..tasks import service as step_service
from ..tasks.steps import CaseInfo
from . import form_schema, present, schemas, scopes, tokens
from .base import account, blueprint, decode_cursor, encode_cursor, refusals
from .errors import ApiError
from .lookup import open_task, refuse, require_town

blp = blueprint("api_tasks", "待办任务：部门的待办、认领、按页面同样的表单校验办理。须 tasks:read:<部门> 或 "
                             "tasks:complete:<部门>。")
IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "读取任务时得到的 ETag（案件流程版本），如 \"12\""}


def etag(version: int) -> str:
    return f'"{version}"'


def _version_from(header: str | None) -> int:
    """The instance version an If-Match names; 428 without one, 412 for one that names no version."""
    if not header or not header.strip():
        raise ApiError(428)
    value = header.strip()
    if value == "*":
        raise ApiError(428, "If-Match 须是读取任务时得到的具体 ETag，不能用 *。")
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 12:
        raise ApiError(412, "If-Match 不是这项任务的 ETag，请重新读取任务后提交。")
    return int(value)


def engine_refusal(error: Exception, task_id: str) -> ApiError:
    """The task page's answer to an engine refusal, as JSON (``task_answers`` statuses)."""
    if isinstance(error, TaskMoved):
        moved = task_fate.moved(db.session(), task_id, error.department, directory.name(error.department))
        return ApiError(409, str(moved), code="moved")
    if isinstance(error, TaskTaken):
        return ApiError(409, str(error), code="taken")
    if isinstance(error, TaskAlreadyHandled):
        return ApiError(410, str(error), code="gone")
    if isinstance(error, TaskNotFound):
        return ApiError(404, str(error), code="not_found")
    if isinstance(error, InstanceNotRunning):
        return ApiError(409, str(error), code="not_running")
    if isinstance(error, StaleForm):
        return ApiError(412, str(error), code="stale")
    return ApiError(422, str(error), code="refused")


def _gone(task_id: str, tail: str = "无需重复提交"):
    """A task no longer open: who handled it and when — to an account that may see its case."""
    session = db.session()
    case_id = session.scalar(select(Event.case_id).where(Event.task_guid == task_id[:36],
                                                         Event.case_id.is_not(None)).limit(1))
    case = session.get(Case, case_id) if case_id is not None else None
    if case is not None:
        require_town(case.town, case.id)
    raise engine_refusal(task_fate.explain(session, task_id[:36], tail), task_id)


def _task(task_id: str, complete: bool, tail: str = "无需重复提交") -> OpenTask:
    """The open task, if the account reads (or completes) its department's tasks in its town."""
    if not scopes.task_departments(account()):
        refuse("该系统账号没有任何部门的任务权限（tasks:read:<部门> 或 tasks:complete:<部门>）。")
    task = open_task(db.session(), task_id)
    if task is None:
        _gone(task_id, tail)
    allowed = scopes.completes_tasks_of if complete else scopes.reads_tasks_of
    if not allowed(account(), task.department):
        if _moved_away(task):  # moved by the office out of a department this system works for
            raise engine_refusal(TaskMoved("", task.department), task.task_guid)
        refuse(f"该系统账号没有“{scopes.task_scope('complete' if complete else 'read', task.department)}”权限。",
               task.case_id, task.department)
    require_town(task.town, task.case_id)
    return task


def _moved_away(task: OpenTask) -> bool:
    moves = db.session().scalars(select(Event.data).where(Event.task_guid == task.task_guid,
                                                          Event.kind == "task_reassigned")).all()
    return any(scopes.completes_tasks_of(account(), (m or {}).get("from", "")) for m in moves)


def _agent(task: OpenTask):
    """The system account acting for the task's department (its acts are recorded under it)."""
    return tokens.agent(account(), task.department, is_town=task.department == task.town,
                        inboxes=(task.department,))


def _case_number(session, case_id: int) -> str:
    return session.get(Case, case_id).number


# ------------------------------------------------------------------------------------------- routes


@blp.route("/tasks")
@blp.arguments(schemas.TaskQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.TaskPage)
@refusals(blp, 403, 422)
def inbox(cursor, limit, department, town, step, view):
    """一个部门的待办（按任务产生的先后）"""
    if not scopes.reads_tasks_of(account(), department):
        refuse(f"该系统账号没有“tasks:read:{department}”权限。", department=department)
    if department in TOWN_CODES:
        require_town(department)  # a town's own inbox, like its cases, only for an account of that town
    session = db.session()
    query = select(OpenTask, Case).join(Case, Case.id == OpenTask.case_id).where(OpenTask.department == department)
    if account().towns is not None:
        query = query.where(OpenTask.town.in_(account().towns))
    if town:
        query = query.where(OpenTask.town == town)
    if step:
        query = query.where(OpenTask.task_spec == step)
    if view == "pool":
        query = query.where(OpenTask.assignee.is_(None))
    elif view == "mine":
        query = query.where(OpenTask.assignee == account().actor_name)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(OpenTask.id > after)
    rows = session.execute(query.order_by(OpenTask.id).limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    now = utcnow()
    return {"items": [present.task(t, c.number, now) for t, c in rows],
            "next_cursor": encode_cursor(rows[-1][0].id) if more else None}


@blp.route("/tasks/<string:task_id>")
@blp.response(200, schemas.TaskDetail, headers={"ETag": {"description": "案件流程版本；提交时放入 If-Match",
                                                           "schema": {"type": "string"}}})
@refusals(blp, 403, 404, 409, 410)
def task_detail(task_id):
    """一项任务：表单的 JSON Schema、页面预填的内容和 ETag"""
    task = _task(task_id, complete=False)
    session = db.session()
    case = session.get(Case, task.case_id)
    instance = case_instance(session, case)
    form = form_for(task.form_key).for_case(CaseInfo(session, case))
    data = present.task(task, case.number)
    data.update(instance_version=instance.version,
                form={"key": task.form_key, "title": FORMS[task.form_key].title or task.title,
                      "schema": form_schema.schema_of(form), "values": form_schema.values_of(form)})
    return data, 200, {"ETag": etag(instance.version)}


def _assignment(task_id: str, operation, tail: str):
    task = _task(task_id, complete=True, tail=tail)
    session = db.session()
    done = unit_of_work.run(lambda: operation(workflow.engine(), session, task_id, _agent(task).actor))
    if not done:
        raise engine_refusal(done.error, task_id)
    session.expire_all()  # the rows as the engine's statements left them (the session keeps its copies)
    task = open_task(session, task_id)
    instance = case_instance(session, session.get(Case, task.case_id))
    return present.task(task, _case_number(session, task.case_id)), 200, {"ETag": etag(instance.version)}


@blp.route("/tasks/<string:task_id>/claim", methods=["POST"])
@blp.response(200, schemas.Task)
@refusals(blp, 403, 404, 409, 410)
def claim(task_id):
    """认领任务（记在系统账号名下）"""
    return _assignment(task_id, assignment.claim, "无需再认领")


@blp.route("/tasks/<string:task_id>/release", methods=["POST"])
@blp.response(200, schemas.Task)
@refusals(blp, 403, 404, 409, 410)
def release(task_id):
    """退回本系统账号认领的任务"""
    name = account().actor_name
    return _assignment(task_id, lambda engine, session, guid, actor: assignment.release(
        engine, session, guid, actor, assignee=name), "无需再退回")


@blp.route("/tasks/<string:task_id>/complete", methods=["POST"])
@blp.doc(parameters=[IF_MATCH], requestBody={
    "required": True,
    "description": "任务表单的内容（JSON 对象），按任务的 form_key 对应的 Form_<form_key>；本案件的准确字段"
                   "（如复查的逐项销号）以 GET /tasks/{task_id} 返回的 form.schema 为准。是/否填 true/false，"
                   "日期填 YYYY-MM-DD，问题清单等行字段填对象数组。照片等附件不经接口提交。",
    "content": {"application/json": {"schema": {"anyOf": [
        {"$ref": f"#/components/schemas/{form_schema.component_name(key)}"} for key in FORMS]}}}})
@blp.response(200, schemas.CompleteResult)
@refusals(blp, 403, 404, 409, 410, 412, 415, 422, 428)
def complete(task_id):
    """办理任务：与任务页面同样的校验、同样的结果（事件、文书、问题清单）"""
    task = _task(task_id, complete=True)
    version = _version_from(request.headers.get("If-Match"))
    if not request.is_json:
        raise ApiError(415)
    body = request.get_json()
    if not isinstance(body, dict):
        raise ApiError(422, "请求体应为 JSON 对象（字段名 → 内容）。", errors={"_form": ["请求体应为 JSON 对象"]})
    return complete_task(task, body, version)


def complete_task(task: OpenTask, body: dict, version: int, record=None) -> dict:
    """Complete ``task`` with the answers in ``body`` as the task page does (the form class, the step
    service, one commit); ``record(session, result)`` adds a write to the same transaction (an inbound
    event's row). Raises the page's refusals as ``ApiError``."""
    session = db.session()
    case = session.get(Case, task.case_id)
    form_class = form_for(task.form_key)
    posted, unknown = form_schema.formdata(form_class, body)
    posted["instance_version"] = str(version)
    # The post a browser would send for these answers: FlaskForm reads request.form, so the class's own
    # for_case builds and fills the form exactly as on the task page.
    request.form = posted
    form = form_class.for_case(CaseInfo(session, case))
    if "csrf_token" in form:
        del form["csrf_token"]  # the API is exempt from CSRF: a bearer token is no cookie a page could ride
    valid = form.validate()
    if not valid or unknown:
        raise ApiError(422, errors={**form_schema.field_errors(form), **unknown})
    data, engine, agent, task_id = form.task_data(), workflow.engine(), _agent(task), task.task_guid

    def step():
        issued = step_service.complete_step(session, engine, case, task.form_key, task_id, data, agent, {},
                                            expected_version=form.instance_version.data)
        # A document's number is taken at the commit (documents.numbering): it is read after it, below.
        if record is not None:
            if issued:  # an inbound event's recorded answer is written before the commit: it could not name it
                raise RuntimeError(f"the step of an inbound event must not issue documents ({task.form_key})")
            result = {"task_id": task_id, "case_number": case.number, "documents": []}
            record(session, result)
        return issued

    done = unit_of_work.run(step)
    if not done:
        if not isinstance(done.error, (TaskTaken, TaskAlreadyHandled, InstanceNotRunning, TaskNotFound, StaleForm)) \
                and open_task(session, task_id) is None:
            _gone(task_id)  # the override that won removed the task
        raise engine_refusal(done.error, task_id)
    return {"task_id": task_id, "case_number": case.number, "documents": [d.number for d in done.value],
            "next_steps": next_steps(case)}


def next_steps(case: Case) -> list[dict]:
    """The case's open steps now, those of departments the account reads."""
    session = db.session()
    session.expire_all()  # as committed (the session keeps the copies it loaded before the step)
    now = utcnow()
    return [present.task(t, case.number, now) for t in case_tasks(session, case.id)
            if scopes.reads_tasks_of(account(), t.department)]


# --------------------------------------------------------------------------------------------- forms

forms_blp = blueprint("api_forms", "任务表单：每个表单代码的 JSON Schema，由页面使用的 WTForms 表单类生成。")


@forms_blp.route("/forms")
@forms_blp.response(200, schemas.FormInfo(many=True))
@refusals(forms_blp)
def form_list():
    """全部任务表单的 JSON Schema"""
    return [{"key": key, "title": cls.title, "schema": form_schema.schema_of(cls(formdata=None, meta={"csrf": False}))}
            for key, cls in FORMS.items()]


@forms_blp.route("/forms/<string:form_key>")
@forms_blp.response(200, schemas.FormInfo)
@refusals(forms_blp, 404)
def form_detail(form_key):
    """一个任务表单的 JSON Schema"""
    cls = FORMS.get(form_key)
    if cls is None:
        raise ApiError(404, f"没有表单代码为“{form_key}”的任务表单。")
    return {"key": form_key, "title": cls.title, "schema": form_schema.schema_of(cls(formdata=None, meta={"csrf": False}))}
