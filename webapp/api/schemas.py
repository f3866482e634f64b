"""What the API answers with, as marshmallow schemas: flask-smorest serialises the views' results with
them and apispec writes them into the OpenAPI 3.1 description (``allow_none`` → ``["…", "null"]``).

Cases, wells and documents are named by their numbers (case number 乳整2026-00001, well number, document
number and version), tasks by their task id; never by a database id.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f

from engine.stage import STAGES

from .base import DEFAULT_LIMIT, MAX_LIMIT

CASE_NUMBER = r"^乳整\d{4}-\d{5,}$"


class Strict(ma.Schema):
    class Meta:
        ordered = True


# ----------------------------------------------------------------------------------- query parameters


class Paging(Strict):
    cursor = f.String(load_default=None, metadata={"description": "上一页返回的 next_cursor；第一页不填"})
    limit = f.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT, error="应在1至200之间"),
                      metadata={"description": f"每页条数，1至{MAX_LIMIT}，默认{DEFAULT_LIMIT}"})


class CaseQuery(Paging):
    town = f.String(load_default=None, validate=ma.validate.Length(max=32, error="镇（街道）代码过长"),
                    metadata={"description": "镇（街道）代码，如 xiacun（限于账号可见的镇）"})
    q = f.String(load_default=None, validate=ma.validate.Length(max=64, error="关键词不能超过64个字"),
                 metadata={"description": "井编号或用水户名称中的关键词"})


class CaseListQuery(CaseQuery):
    stage = f.String(load_default=None, validate=ma.validate.OneOf(list(STAGES), error="没有这个案件阶段"),
                     metadata={"description": "案件阶段代码：" + "、".join(f"{c}（{n}）" for c, n in STAGES.items())})


class PartyQuery(Paging):
    q = f.String(load_default=None, validate=ma.validate.Length(max=64, error="关键词不能超过64个字"),
                 metadata={"description": "用水户名称中的关键词"})


class TaskQuery(Paging):
    department = f.String(required=True, validate=ma.validate.Length(max=32, error="部门代码过长"),
                          metadata={"description": "部门代码（该账号须有 tasks:read:<部门> 或 tasks:complete:<部门>）"})
    town = f.String(load_default=None, validate=ma.validate.Length(max=32, error="镇（街道）代码过长"),
                    metadata={"description": "只看这个镇（街道）的任务"})
    step = f.String(load_default=None, validate=ma.validate.Length(max=64, error="环节代码过长"),
                    metadata={"description": "只看这个环节（task spec，如 notice）"})
    view = f.String(load_default="all", validate=ma.validate.OneOf(["all", "pool", "mine"], error="应为 all、pool 或 mine"),
                    metadata={"description": "all 部门全部；pool 待认领；mine 本系统账号认领的"})


class EventQuery(Strict):
    after = f.Integer(load_default=0, validate=ma.validate.Range(0, 2**62, error="应为非负整数"),
                      metadata={"description": "只返回 id 大于它的事件：上一次读到的最后一个事件的 id（首次为 0）"})
    limit = f.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT, error="应在1至200之间"),
                      metadata={"description": f"最多返回的条数，1至{MAX_LIMIT}"})


class LedgerUpload(Strict):
    file = f.Raw(required=True, metadata={"type": "string", "format": "binary",
                                          "description": "台账文件（.xlsx，按台账模板填写，不超过 5 MB）"})


class LedgerTown(Strict):
    town = f.String(load_default=None, validate=ma.validate.Length(max=32, error="镇（街道）代码过长"),
                    metadata={"description": "只限一个镇（街道）的账号可不填；限多个镇的账号须指明本文件所属的镇"})


# ----------------------------------------------------------------------------------------- answers


class Party(Strict):
    name = f.String(required=True, metadata={"description": "用水户名称"})
    kind = f.String(required=True, metadata={"description": "enterprise 单位 / individual 个人"})
    party_id = f.String(required=True, metadata={"description": "统一社会信用代码或身份证号（列表中遮盖中间位）"})
    legal_rep = f.String(allow_none=True)
    address = f.String(allow_none=True)
    phone = f.String(allow_none=True)
    industry = f.String(allow_none=True)
    town = f.String(required=True)
    town_name = f.String(required=True)


class PartyBrief(Strict):
    name = f.String(required=True)
    kind = f.String(required=True)
    party_id_masked = f.String(required=True, metadata={"description": "遮盖中间位的证件号码"})
    town = f.String(required=True)
    town_name = f.String(required=True)
    wells = f.List(f.String(), required=True, metadata={"description": "账号可见的该用水户的井编号"})


class Well(Strict):
    well_no = f.String(required=True)
    town = f.String(required=True)
    town_name = f.String(required=True)
    village = f.String(allow_none=True)
    address = f.String(allow_none=True)
    latitude = f.Float(allow_none=True)
    longitude = f.Float(allow_none=True)
    depth_m = f.Float(allow_none=True)
    year_drilled = f.Integer(allow_none=True)
    purpose = f.String(required=True)
    purpose_label = f.String(required=True)
    annual_volume_m3 = f.Float(allow_none=True)
    in_coverage = f.Boolean(required=True)
    coverage_source = f.String(allow_none=True)
    in_restricted_zone = f.Boolean(required=True)
    permit_no = f.String(allow_none=True)
    permit_issuer = f.String(allow_none=True)
    permit_valid_from = f.Date(allow_none=True)
    permit_valid_to = f.Date(allow_none=True)
    has_meter = f.Boolean(required=True)
    meter_serial = f.String(allow_none=True)
    hidden_well = f.Boolean(required=True, metadata={"description": "隐瞒不报、后来发现的井"})
    case_number = f.String(allow_none=True, metadata={"description": "这口井的案件编号"})


class WellDetail(Well):
    party = f.Nested(Party, required=True)


class WellListItem(Well):
    party = f.Nested(PartyBrief, required=True)


class Task(Strict):
    id = f.String(required=True, metadata={"description": "任务编号（task id）"})
    form_key = f.String(required=True, metadata={"description": "表单代码：完成任务时按 components 中 Form_<form_key> 填写"})
    title = f.String(required=True)
    step = f.String(required=True, metadata={"description": "环节代码（task spec）"})
    department = f.String(required=True)
    department_name = f.String(required=True)
    case_number = f.String(required=True)
    town = f.String(required=True)
    well_no = f.String(allow_none=True)
    party_name = f.String(allow_none=True)
    created_at = f.DateTime(required=True)
    due_at = f.DateTime(allow_none=True, metadata={"description": "办理期限（北京时间当日24时，以 UTC 表示）"})
    due_provisional = f.Boolean(required=True, metadata={"description": "期限按尚未录入的年度工作日历暂定"})
    overdue = f.Boolean(required=True)
    assignee = f.String(allow_none=True, metadata={"description": "认领人或被指派人；系统账号认领的写作 api:<账号名>"})
    priority = f.Integer(required=True, metadata={"description": "0 普通，1 紧急"})


class TaskForm(Strict):
    key = f.String(required=True)
    title = f.String(required=True)
    schema = f.Dict(required=True, metadata={"description": "这项任务的表单的 JSON Schema（按本案件生成，如复查的逐项销号）"})
    values = f.Dict(required=True, metadata={"description": "页面上预填的内容（如通知书从检查结果带出的问题清单）"})


class TaskDetail(Task):
    instance_version = f.Integer(required=True, metadata={"description": "案件流程的版本，即 ETag；提交时放在 If-Match 中"})
    form = f.Nested(TaskForm, required=True)


class TaskPage(Strict):
    items = f.List(f.Nested(Task), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class CompleteResult(Strict):
    task_id = f.String(required=True)
    case_number = f.String(required=True)
    documents = f.List(f.String(), required=True, metadata={"description": "这一步生成的文书编号"})
    next_steps = f.List(f.Nested(Task), required=True, metadata={"description": "案件现在的待办环节"})


class Problem(Strict):
    no = f.Integer(required=True)
    kind = f.String(required=True)
    kind_label = f.String(required=True)
    description = f.String(required=True)
    required_act = f.String(required=True)
    act_label = f.String(required=True)
    rectify_days = f.Integer(required=True)
    served_on = f.Date(required=True)
    deadline = f.Date(required=True)
    status = f.String(required=True, metadata={"description": "open 未销号 / closed 已销号 / withdrawn 已撤回"})
    status_label = f.String(required=True)
    checked_on = f.Date(allow_none=True)
    closed_on = f.Date(allow_none=True)
    evidence = f.String(allow_none=True)


class Document(Strict):
    number = f.String(required=True, metadata={"description": "文号，如 乳水责改〔2026〕1号"})
    version = f.Integer(required=True)
    kind = f.String(required=True)
    file_name = f.String(required=True)
    sha256 = f.String(required=True)
    created_at = f.DateTime(required=True)
    created_by = f.String(required=True)
    task_id = f.String(allow_none=True, metadata={"description": "出具文书的任务"})
    download = f.String(required=True, metadata={"description": "下载地址（须 documents:read）"})


class Waiting(Strict):
    title = f.String(required=True)
    due_at = f.DateTime(allow_none=True)
    provisional = f.Boolean(required=True)


class TimelineEntry(Strict):
    id = f.Integer(required=True, metadata={"description": "审计事件 id（与事件流一致）"})
    at = f.DateTime(required=True)
    kind = f.String(required=True)
    kind_label = f.String(required=True)
    actor = f.String(required=True)
    department = f.String(allow_none=True)
    title = f.String(allow_none=True)
    task_id = f.String(allow_none=True)
    details = f.List(f.List(f.String()), required=True,
                     metadata={"description": "办理内容：[[中文项目名, 显示值], …]，与案件页时间线相同"})
    integrity_warning = f.String(allow_none=True, metadata={"description": "这条记录的校验值不符时的警告"})


class CaseSummary(Strict):
    number = f.String(required=True, metadata={"description": "案件编号"})
    town = f.String(required=True)
    town_name = f.String(required=True)
    well_no = f.String(required=True)
    party_name = f.String(required=True)
    status = f.String(required=True, metadata={"description": "running / completed / suspended / cancelled / not_started"})
    status_label = f.String(required=True, metadata={"description": "页面上显示的状态，如 办理中、整治完成"})
    stage = f.String(allow_none=True, required=True,
                     metadata={"description": "案件阶段代码（" + " / ".join(STAGES) + "），未启动为空"})
    stage_label = f.String(required=True, metadata={"description": "案件阶段，如 整改中、已封井（巡查中）"})
    registered_at = f.DateTime(required=True)


class CaseDetail(CaseSummary):
    outcome = f.String(allow_none=True)
    category = f.String(allow_none=True, metadata={"description": "分类（决策表结果）"})
    instance_version = f.Integer(allow_none=True)
    step_titles = f.List(f.String(), required=True, metadata={"description": "当前环节的名称（页面“当前环节”）"})
    well = f.Nested(Well, required=True)
    party = f.Nested(Party, required=True)
    current_steps = f.List(f.Nested(Task), required=True)
    waiting = f.List(f.Nested(Waiting), required=True, metadata={"description": "等待中的期限（巡查、复核、催告期满等）"})
    problems = f.List(f.Nested(Problem), required=True)
    documents = f.List(f.Nested(Document), required=True, metadata={"description": "各文书的各版本，新版本在前"})
    timeline = f.List(f.Nested(TimelineEntry), required=True)


class CasePage(Strict):
    items = f.List(f.Nested(CaseSummary), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class WellPage(Strict):
    items = f.List(f.Nested(WellListItem), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class PartyPage(Strict):
    items = f.List(f.Nested(PartyBrief), required=True)
    next_cursor = f.String(allow_none=True, required=True)


class Event(Strict):
    id = f.Integer(required=True, metadata={"description": "全局顺序号：下次以它为 after 继续读"})
    chain = f.Integer(required=True)
    chain_no = f.Integer(required=True)
    hash = f.String(required=True)
    at = f.DateTime(required=True)
    kind = f.String(required=True)
    actor = f.String(required=True)
    department = f.String(allow_none=True)
    case_number = f.String(allow_none=True)
    town = f.String(allow_none=True)
    task_id = f.String(allow_none=True)
    step = f.String(allow_none=True)
    form_key = f.String(allow_none=True)
    title = f.String(allow_none=True)
    data = f.Dict(allow_none=True)


class EventPage(Strict):
    items = f.List(f.Nested(Event), required=True)
    last_id = f.Integer(required=True, metadata={"description": "这一页最后一个事件的 id（没有新事件时为请求的 after）"})


class LedgerResult(Strict):
    file = f.String(required=True)
    rows = f.Integer(required=True)
    registered = f.List(f.String(), required=True, metadata={"description": "新登记的案件编号"})
    skipped = f.Integer(required=True, metadata={"description": "已登记过而跳过的行数"})


class LedgerProblem(Strict):
    row = f.Integer(required=True)
    column = f.String(allow_none=True)
    message = f.String(required=True)


class LedgerRefusal(Strict):
    code = f.String(required=True)
    message = f.String(required=True)
    errors = f.Dict(keys=f.String(), values=f.List(f.String()))
    problems = f.List(f.Nested(LedgerProblem), metadata={"description": "逐行的问题（有问题时什么也没有登记）"})


class FormInfo(Strict):
    key = f.String(required=True)
    title = f.String(required=True)
    schema = f.Dict(required=True)
