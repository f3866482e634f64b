"""What every API blueprint shares: the token check before each request, the JSON refusals, the calling
account, cursors, and the refusals an operation documents in the OpenAPI description."""
from __future__ import annotations

import base64
import binascii

from flask import g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..core import db
from . import tokens
from .errors import ApiError, ApiErrorSchema, answer, from_http, unexpected
from .tables import ApiAccount

PREFIX = "/api/v1"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
DESCRIPTIONS = {
    400: "请求格式不对", 401: "缺少有效的访问令牌，或令牌已过期、已停用", 403: "该系统账号没有所需的权限范围或镇（街道）",
    404: "找不到", 409: "与他人的操作冲突（任务已被认领、已转办、案件已暂停等），没有执行",
    410: "任务已办理或已结束", 412: "If-Match 与任务当前版本不符：案件已有变化，请重新读取任务",
    413: "上传内容过大", 415: "请求体不是 JSON", 422: "内容有误，errors 逐字段说明，没有保存",
    428: "缺少 If-Match 请求头", 503: "数据库暂时不可用",
}


def blueprint(name: str, description: str) -> Blueprint:
    """A resource's blueprint under /api/v1, refusing anyone without a valid token, answering in JSON."""
    blp = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    blp.before_request(_authenticate)
    blp.register_error_handler(ApiError, answer)
    blp.register_error_handler(HTTPException, from_http)
    # Flask prefers the app's handler for a status code over a blueprint's for a class: the pages' HTML
    # error pages (400, 403, 404, 405, 413, 429, 500) would answer here too, so name the codes as well.
    for code in (400, 403, 404, 405, 413, 429, 500):
        blp.register_error_handler(code, from_http)
    blp.register_error_handler(OperationalError, _unavailable)
    blp.register_error_handler(InterfaceError, _unavailable)
    blp.register_error_handler(Exception, unexpected)
    return blp


def _authenticate() -> None:
    # Only the Authorization header counts: a session cookie of a logged-in clerk opens nothing here.
    g.api_account = tokens.authenticate(db.session(), request.headers.get("Authorization"))


def _unavailable(_error):
    return answer(ApiError(503, headers={"Retry-After": "60"}))


def account() -> ApiAccount:
    return g.api_account


def refusals(blp: Blueprint, *statuses: int):
    """Document the refusals an operation may answer with (all in ApiErrorSchema's shape)."""
    def decorate(view):
        for status in (400, 401, *statuses):
            view = blp.alt_response(status, schema=ApiErrorSchema, description=DESCRIPTIONS.get(status, ""))(view)
        return view
    return decorate


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor stands for; a cursor this API did not give is a 422 naming the parameter."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind == "id" and value.isdigit() and len(value) < 19:
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(422, "分页游标无效：请使用上一页返回的 next_cursor 原样传回。", errors={"cursor": ["游标无效"]})
