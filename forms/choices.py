"""The project's vocabulary: every fixed choice list, shared by the forms, the models, the case timeline
and the web layer (one module both may import: ``forms`` imports no ``webapp``, ``webapp`` imports ``forms``).

Each list is ``((code, Chinese label), ...)``. The codes are stored in task data and
read by the BPMN gateways and the DMN classification table, so they are a contract:
rename a label freely, never a code.
"""

from __future__ import annotations

from collections.abc import Iterable

from wtforms.fields.choices import SelectChoice

Choices = tuple[tuple[str, str], ...]

YES_NO: Choices = (("yes", "是"), ("no", "否"))

USER_KINDS: Choices = (("enterprise", "企业（单位）"), ("individual", "个人"))

# An account's role within its department (user_account.role).
ROLES: Choices = (("clerk", "经办人"), ("head", "科室负责人"), ("supervisor", "督办员"), ("admin", "管理员"))

# A problem of a rectification notice: open until the recheck closes it out (rectification_problem.status).
PROBLEM_STATUS: Choices = (("open", "未销号"), ("closed", "已销号"), ("withdrawn", "已撤回（重新下达通知）"))

# The four uses named in the plan; the classification table keys on these codes.
PURPOSES: Choices = (
    ("industrial", "工业"),
    ("commercial", "商业/服务业"),
    ("agricultural", "农业灌溉"),
    ("rural_domestic", "农村生活"),
)

# What a 责令限期整改通知书 may order; one notice may order several.
REQUIRED_ACTS: Choices = (
    ("install_meter", "安装计量设施"),
    ("apply_permit", "办理取水许可"),
    ("pay_tax", "缴纳水资源税和污水处理费"),
    ("stop_and_seal", "停止取水并封井"),
    # A licensed well in coverage: the permit is not renewed at expiry (a written 不予延续 decision, 行政许可法
    # Art 50) and the well is closed then; its deadline is the permit's expiry, not a period from service.
    ("seal_at_expiry", "许可期满不予延续，届时停止取水并封井"),
)

# Kinds of problem a rectification notice lists (问题清单); each gets its own required act and
# deadline and is closed out (销号) one by one at the recheck.
PROBLEM_KINDS: Choices = (
    ("in_coverage", "公共供水管网覆盖范围内仍取用地下水"),
    ("no_permit", "未依法取得取水许可"),
    ("no_meter", "未安装取水计量设施"),
    ("tax_unpaid", "未缴纳水资源税和污水处理费"),
    ("permit_expiring", "取水许可期满不予延续"),
    ("over_abstraction", "超计划或者超许可水量取水"),
    ("other", "其他"),
)

# Who signs the sealing's acceptance sheet (封井验收单).
ACCEPTANCE_SIGNATORIES: Choices = (
    ("water", "市水利局"),
    ("enforcement", "市综合执法局"),
    ("water_group", "水务集团"),
    ("town", "属地镇（街道）"),
    ("party", "用水户"),
)

# What the police record as the outcome of an obstructed inspection or sealing.
POLICE_OUTCOMES: Choices = (
    ("order_restored", "现场秩序已恢复，可继续执法"),
    ("admin_penalty", "已依法给予治安管理处罚"),
    ("criminal_case", "涉嫌妨害公务罪，已立案侦查"),
)

# Ways of service (送达) recognised by the Civil Procedure Law, which administrative
# service follows; electronic service is lawful only with the recipient's consent.
SERVICE_METHODS: Choices = (
    ("direct", "直接送达"),
    ("lodged", "留置送达"),
    ("post", "邮寄送达"),
    ("electronic", "电子送达（经受送达人同意）"),
    ("public", "公告送达"),
)

# Disposal of a sealed well per DB37/T 4634-2023 机井封停与启用技术规范.
DISPOSAL_TYPES: Choices = (
    ("backfill", "机井封填"),
    ("standby", "封存备用"),
    ("monitoring", "改建监测井"),
)


def select_choices(pairs: Iterable) -> list[SelectChoice]:
    """Turn ``(code, label)`` pairs into WTForms ``SelectChoice`` objects.

    WTForms 3.3 deprecates tuples as field choices (removed in 3.4); building the
    objects here keeps the readable tuples above and silences nothing.
    """
    out = []
    for item in pairs:
        if isinstance(item, SelectChoice):
            out.append(item)
        elif isinstance(item, (tuple, list)):
            out.append(SelectChoice(value=item[0], label=item[1]))
        else:  # a bare value is its own label
            out.append(SelectChoice(value=item, label=str(item)))
    return out


def choice_label(choices: Iterable, code) -> str:
    """The Chinese label of ``code`` in ``choices``; the code itself if it is unknown
    (old data must still display after a choice is retired)."""
    for item in choices:
        if isinstance(item, SelectChoice):
            value, label = item.value, item.label
        else:
            value, label = item[0], item[1]
        if str(value) == str(code):
            return str(label if label is not None else value)
    return str(code)
