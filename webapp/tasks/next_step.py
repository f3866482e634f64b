"""The message after a submission: what comes next and who does it, with links to the case and to the
documents the step issued ("“封井”已提交。下一步：封井验收（市水利局）。 乳整2026-00002 封井记录.docx").

The task page reads what comes next at the end of the step's transaction (``next_text``), while the
instance is still locked: the open tasks are the case's as the next reader finds them, and as the step wrote
them (the engine keeps them on the session). Without it, they are read after the commit.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import persist
from engine.tables import Instance, OpenTask

from .. import directory
from ..core.feedback import flash_links
from ..models import Case, Document


def what_next(session: Session, case: Case) -> str:
    """"下一步：…（部门）" from the case's open tasks; else why there is none. After a step, the open tasks
    are those the step's transaction wrote (``persist.written_open_tasks``: no statement)."""
    written = persist.written_open_tasks(session, case.instance_id)
    tasks = [(row["title"], row["department"]) for row in written] if written is not None else session.execute(
        select(OpenTask.title, OpenTask.department).where(OpenTask.case_id == case.id)
        .order_by(OpenTask.created_at, OpenTask.id)).all()
    if tasks:
        return "下一步：" + "；".join(f"{title}（{directory.name(department)}）" for title, department in tasks) + "。"
    status = session.scalar(select(Instance.status).where(Instance.case_id == case.id))
    if status == "completed":
        return "案件已办结。"
    if status in ("suspended", "cancelled"):
        return "案件已暂停。" if status == "suspended" else "案件已撤销。"
    return "案件暂无待办环节，等待期限届满或其他部门的消息后自动进入下一步。"


def flash_submitted(session: Session, case: Case, title: str, documents: list[Document] | None,
                    done_text: str | None = None, next_text: str | None = None) -> None:
    """``next_text``: ``what_next`` as read in the step's transaction (else it is read now)."""
    links = [("document", doc.id, f"下载 {doc.file_name}") for doc in documents or []]
    links.append(("case", case.id, f"查看案件 {case.number}"))
    text = (done_text or f"“{title}”已提交。") + (next_text if next_text is not None else what_next(session, case))
    if documents:
        text += "已生成文书 " + str(len(documents)) + " 份："
    flash_links(text, links)
