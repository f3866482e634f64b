"""The ledger import through the API: the same checks as the ledger page (``ledger.checks``: the
template's columns fed row by row to ``RegisterWellForm``, duplicates, other towns), all or nothing, one
``ledger_imported`` event under the system account."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy.exc import IntegrityError

from .. import directory
from ..cases.service import RETRY, RegistrationRefused, is_duplicate_registration, register_case
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN
from ..ledger import checks
from ..ledger.columns import columns
from ..ledger.forms import ImportForm
from . import schemas, tokens
from .base import account, blueprint, refusals
from .errors import ApiError
from .lookup import refuse, require_scope

blp = blueprint("api_ledger", "台账导入：与台账页面同样的检查，全部无误才登记。须 ledger:import。")


def _own_town(town: str | None) -> str | None:
    """The town the file is for: a town-scoped account's (one of its towns), None for a city-wide one."""
    towns = account().towns
    if towns is None:
        if town and town not in dict(directory.choices(TOWN)):
            raise ApiError(422, errors={"town": ["不是本市的镇（街道）代码"]})
        return town or None
    if town is None and len(towns) == 1:
        return towns[0]
    if town is None:
        raise ApiError(422, "该系统账号可导入多个镇（街道）的台账，请用 town 参数指明本文件所属的镇（街道）。",
                       errors={"town": ["请指明镇（街道）"]})
    if town not in towns:
        refuse("该系统账号只能导入授权镇（街道）的台账。")
    return town


@blp.route("/ledger/import", methods=["POST"])
@blp.arguments(schemas.LedgerTown, location="query", as_kwargs=True)
@blp.arguments(schemas.LedgerUpload, location="files")
@blp.response(201, schemas.LedgerResult)
@blp.alt_response(422, schema=schemas.LedgerRefusal, description="文件或其中的行有误：逐行说明，什么也没有登记")
@refusals(blp, 403, 409, 413)
def import_ledger(_files, town):
    """导入台账（.xlsx，按台账模板）"""
    require_scope("ledger:import")
    own_town = _own_town(town)
    form = ImportForm()
    if "csrf_token" in form:
        del form["csrf_token"]  # the API is exempt from CSRF (see tasks.complete)
    if not form.validate():
        raise ApiError(422, errors={name: list(messages) for name, messages in form.errors.items()})
    upload = form.file.data
    filename = upload.filename or "台账.xlsx"
    session = db.session()
    try:
        result = checks.check(upload.read(), columns(), directory.choices(TOWN), own_town, session)
    except checks.LedgerUnreadable as exc:
        raise ApiError(422, str(exc), errors={"file": [str(exc)]}) from None
    if result.problems:
        session.rollback()
        response = jsonify({
            "code": "invalid", "message": f"台账有 {len(result.problems)} 处问题，什么也没有登记。请按 problems 修改后重新导入。",
            "problems": [{"row": p.row, "column": p.header, "message": p.message} for p in result.problems]})
        response.status_code = 422
        return response
    agent = tokens.agent(account(), own_town, is_town=own_town is not None)

    def register_all():
        cases = [register_case(session, workflow.engine(), row.user_data(), row.well_data(), agent)
                 for _number, row in result.new]
        workflow.engine().record(session, "ledger_imported", actor=agent.actor, data={
            "file": filename, "rows": result.rows, "registered": len(result.new), "skipped": len(result.skipped)})
        return [case.number for case in cases]

    done = unit_of_work.run(register_all, RegistrationRefused, IntegrityError)
    if not done:
        exc = done.error
        message = (exc.message if isinstance(exc, RegistrationRefused)
                   else str(exc) if not isinstance(exc, IntegrityError)
                   else "其中有机井或用水户刚刚已被他人登记" if is_duplicate_registration(exc) else RETRY)
        raise ApiError(409, f"导入未完成，没有登记任何机井：{message}。请稍后重新导入。")
    return {"file": filename, "rows": result.rows, "registered": done.value, "skipped": len(result.skipped)}, 201
