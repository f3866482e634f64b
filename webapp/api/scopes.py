"""What a system account may do: its scopes (per resource, and per department for tasks) and its towns.

The scopes are the words an administrator ticks on the admin page; the checks are the same rules as the
pages' (``permissions.py``): towns see their own cases, a department acts on its own lane's tasks.
"""
from __future__ import annotations

from .tables import ApiAccount

# Scope -> what it lets a system do (shown on the admin page and in the API description).
GLOBAL_SCOPES: dict[str, str] = {
    "cases:read": "查看案件：列表、详情、当前环节、问题清单、文书目录、时间线",
    "wells:read": "查看机井和用水户",
    "documents:read": "下载案件文书",
    "events:read": "读取审计事件流（数据仓库、督办系统）",
    "ledger:import": "导入台账（登记机井并启动案件）",
    "coverage:announce": "通告公共供水管网通水（管网到达处已办证的机井转入关闭封井程序）",
}
TASK_SCOPES: dict[str, str] = {
    "tasks:read": "查看该部门的待办任务",
    "tasks:complete": "认领和办理该部门的待办任务（与页面同样的校验）",
}


def task_scope(action: str, department: str) -> str:
    return f"tasks:{action}:{department}"


def is_known(scope: str, departments: set[str]) -> bool:
    if scope in GLOBAL_SCOPES:
        return True
    kind, _, department = scope.rpartition(":")
    return kind in TASK_SCOPES and department in departments


def allows(account: ApiAccount, scope: str) -> bool:
    return scope in (account.scopes or [])


def reads_tasks_of(account: ApiAccount, department: str) -> bool:
    """Completing a department's tasks includes reading them."""
    return allows(account, task_scope("read", department)) or allows(account, task_scope("complete", department))


def completes_tasks_of(account: ApiAccount, department: str) -> bool:
    return allows(account, task_scope("complete", department))


def task_departments(account: ApiAccount, action: str = "read") -> list[str]:
    """The departments whose tasks the account reads (or completes), in the order they were granted."""
    found = []
    for scope in account.scopes or []:
        kind, _, department = scope.rpartition(":")
        if kind in ("tasks:read", "tasks:complete") and (action == "read" or kind == "tasks:complete"):
            if department not in found:
                found.append(department)
    return found


def sees_town(account: ApiAccount, town: str | None) -> bool:
    """A town-scoped account sees only its towns' cases, wells and water users (like a town clerk)."""
    return account.towns is None or town in account.towns
