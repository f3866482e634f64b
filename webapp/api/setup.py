"""Wires the API into the app: flask-smorest's ``Api`` (OpenAPI 3.1 at ``/api/v1/openapi.json``), the
resource blueprints (CSRF exempt: they take no cookie), the task forms' schemas as components, the docs
page (Swagger UI from the pinned ``flask-swagger-ui`` package: no CDN, the CSP forbids it), and JSON
answers for any ``/api/v1`` address that does not exist."""
from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, render_template, request, send_file, url_for
from flask_smorest import Api
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import cases, documents, events, form_schema, inbound, ledger, tasks, wells
from .base import PREFIX
from .errors import ApiError, ApiErrorSchema, answer

SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"
HERE = Path(__file__).parent
DESCRIPTION = """乳山市自备井整治平台的接口，供水务集团、税务、市场监管等系统以及数据仓库、督办系统调用。

- 认证：每个请求带 `Authorization: Bearer <令牌>`。令牌属于系统账号，由系统管理员签发（只显示一次），有权限范围、
  可限定镇（街道）、有有效期、可停用。登录页面的会话在这里无效，令牌在页面上也无效。
- 写操作记入审计记录，操作人为 `api:<系统账号名>`。
- 出错时返回 `{"code", "message", "errors"}`：message 为中文说明，errors 逐字段说明（任务表单的字段错误与页面相同）。
- 列表用游标分页：把 `next_cursor` 原样作为下一页的 `cursor`。事件流用 `after`（上次读到的最后一个 id）。
- 办理任务：先 GET 任务取得表单的 JSON Schema、预填内容和 ETag，再 POST `/tasks/{id}/complete`，
  `If-Match` 带上 ETag；案件已有变化时返回 412，重新读取后再提交。
"""


class _Api(Api):
    """flask-smorest's Api without its app-wide error handler: the pages keep their Chinese HTML error
    pages; the API's blueprints answer in JSON with handlers of their own (``base.blueprint``)."""

    ERROR_SCHEMA = ApiErrorSchema  # the documented default error is the API's own shape

    def _register_error_handlers(self):
        pass


def init_app(app) -> None:
    from .. import csrf

    app.config.setdefault("API_TITLE", "自备井整治平台接口")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = _Api(app, spec_kwargs={"info": {"description": DESCRIPTION}, "security": [{"bearer": []}],
                                 "servers": [{"url": "/", "description": "本平台"}]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "系统账号的访问令牌（wsk_…）"})
    with app.test_request_context():  # Flask-WTF forms are built in a request context
        for key, schema in form_schema.all_schemas().items():
            api.spec.components.schema(form_schema.component_name(key), component=schema)
        for name, schema in inbound.component_schemas().items():
            api.spec.components.schema(name, component=schema)
    for blp in (cases.blp, wells.blp, tasks.blp, tasks.forms_blp, documents.blp, events.blp, ledger.blp, inbound.blp):
        api.register_blueprint(blp)
        csrf.exempt(blp)
    app.register_blueprint(_docs_blueprint())
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)


def _refuse_nul():
    # Before the pages' own check (which answers with an HTML page): PostgreSQL cannot store a NUL
    # character, and the API answers in JSON.
    if not request.path.startswith(PREFIX):
        return None
    if "\x00" in request.path or any("\x00" in v for vs in request.args.listvalues() for v in vs):
        return answer(ApiError(400, "请求中含有无法识别的字符（NUL），请删除后重新发送。"))
    if request.is_json and _has_nul(request.get_json(silent=True)):
        return answer(ApiError(400, "请求体中含有无法识别的字符（NUL），请删除后重新发送。"))
    return None


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _docs_blueprint() -> Blueprint:
    bp = Blueprint("api_docs", __name__, url_prefix=PREFIX, static_folder=str(SWAGGER_UI),
                   static_url_path="/docs/assets")

    @bp.get("/docs")
    def page():
        return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))

    @bp.get("/docs/init.js")
    def init_script():
        response = send_file(HERE / "static" / "docs-init.js", mimetype="text/javascript", max_age=3600)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(rest):
        # Any /api/v1 address no route took: 404, or 405 with Allow when the path exists for other methods.
        try:
            _api_rules().bind("").match(request.path, method=request.method)
        except MethodNotAllowed as exc:
            return answer(ApiError(405, headers={"Allow": ", ".join(sorted(exc.valid_methods))}))
        except NotFound:
            pass
        return answer(ApiError(404, f"接口地址 {request.path} 不存在，请对照接口文档（{PREFIX}/docs）。"))

    return bp


def _api_rules() -> Map:
    """The API's own routes (without the catch-all), to tell a wrong method from a wrong address."""
    from flask import current_app

    if "api_rules" not in current_app.extensions:
        current_app.extensions["api_rules"] = Map([
            Rule(r.rule, methods=r.methods, endpoint=r.endpoint) for r in current_app.url_map.iter_rules()
            if r.rule.startswith(PREFIX) and r.endpoint != "api_docs.unknown"])
    return current_app.extensions["api_rules"]
