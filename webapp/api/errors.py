"""Every refusal of the API in one JSON shape: ``{"code": …, "message": …, "errors": {field: [messages]}}``.

``code`` is a stable English word for programs; ``message`` is Chinese, for the person reading the other
system's log; ``errors`` (only when fields are at fault) names each field with its Chinese messages — the
task forms' own messages, the same a clerk reads on the page.
"""
from __future__ import annotations

import logging

import marshmallow as ma
from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# HTTP status -> (code, message) when nothing more precise is known.
GENERIC = {
    400: ("bad_request", "请求格式不对，无法识别。请检查请求体是否为合法的 JSON，参数是否正确。"),
    401: ("unauthorized", "缺少有效的访问令牌。请在请求头中提供 Authorization: Bearer <令牌>。"),
    403: ("forbidden", "该系统账号无权访问这项内容。"),
    404: ("not_found", "找不到请求的内容，可能编号有误或已被撤销。"),
    405: ("method_not_allowed", "该地址不支持这种请求方式。"),
    406: ("not_acceptable", "无法按请求的格式返回内容。"),
    409: ("conflict", "这项内容已被他人改变，本次请求没有执行。"),
    410: ("gone", "这项任务已经办理或结束，无需再提交。"),
    412: ("stale", "案件在您读取之后已有变化，请重新读取任务后再提交。"),
    413: ("too_large", "上传的内容超过了大小限制。"),
    415: ("unsupported_media_type", "请求体格式不对：办理任务请发送 application/json。"),
    422: ("invalid", "提交的内容有误，没有保存。请按 errors 中的说明修改后重新提交。"),
    428: ("precondition_required", "提交任务须在 If-Match 请求头中带上读取任务时得到的 ETag。"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
    500: ("server_error", "系统出现了意外错误，本次请求没有保存。请稍后重试，如仍有问题请联系管理员。"),
    503: ("unavailable", "系统暂时无法访问数据库，请稍后重试。"),
}


class ApiError(Exception):
    """A refusal the API answers with: status, code, Chinese message, field errors, extra headers."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 errors: dict[str, list[str]] | None = None, headers: dict | None = None):
        default_code, default_message = GENERIC.get(status, GENERIC[400])
        super().__init__(message or default_message)
        self.status, self.code = status, code or default_code
        self.message = message or default_message
        self.errors, self.headers = errors, headers or {}


def answer(error: ApiError):
    body = {"code": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


# What marshmallow and webargs say about query parameters, as an integrator reads it. Anything not listed
# falls back to a generic Chinese sentence: no English message leaves the API.
MARSHMALLOW_MESSAGES = {
    "Not a valid integer.": "请填写整数",
    "Not a valid string.": "请填写文字",
    "Not a valid boolean.": "请填写 true 或 false",
    "Not a valid date.": "日期格式不对，请按 YYYY-MM-DD 填写",
    "Unknown field.": "不认识的参数",
    "Missing data for required field.": "此项必须填写",
    "Field may not be null.": "此项不能为空",
    "Invalid input type.": "格式不对",
}


def _chinese(messages) -> list[str]:
    if isinstance(messages, dict):  # nested: flatten to its first messages
        return [m for value in messages.values() for m in _chinese(value)]
    if isinstance(messages, str):
        messages = [messages]
    out = []
    for m in messages:
        text = str(m)
        out.append(text if any("\u4e00" <= ch <= "\u9fff" for ch in text)
                   else MARSHMALLOW_MESSAGES.get(text, "参数格式不对，请对照接口说明填写"))
    return out


def from_http(error: HTTPException):
    """A werkzeug/webargs HTTP error (400 bad JSON, 413, webargs' 422…) in the API's shape."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors = None
    if messages:  # webargs: {location: {field: [messages]}}
        errors = {}
        for fields in messages.values():
            for name, msgs in (fields.items() if isinstance(fields, dict) else [("_", fields)]):
                errors[str(name)] = _chinese(msgs)
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return answer(ApiError(status, errors=errors, headers=headers))


def unexpected(error: Exception):
    log.exception("API request failed", exc_info=getattr(error, "original_exception", None) or error)
    return answer(ApiError(500))


class ApiErrorSchema(ma.Schema):
    """The body of every refusal (4xx, 5xx)."""

    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误代码，如 invalid、stale、gone"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明"})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "逐字段的中文错误（字段名 → 说明）；行字段写作 problems.0.kind"})
