"""Security headers and error pages in Chinese."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)
HSTS = "max-age=31536000"  # one year; only sent when the cookies are HTTPS-only (WELLS_SECURE_COOKIES=1)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")


def content_security_policy(tile_origins: tuple[str, ...] = ()) -> str:
    """The CSP: ``CSP`` as it is, unless the wells map has a tile service (WELLS_MAP_TILE_URL), whose origins
    (checked by config._map_tiles: scheme and host only) are added to img-src and nowhere else."""
    if not tile_origins:
        return CSP
    return CSP.replace("img-src 'self' data:;", "img-src 'self' data: " + " ".join(tile_origins) + ";")

MESSAGES = {
    400: ("请求有误", "提交的内容无法识别，请返回后重新填写。如果页面停留过久，请刷新后再提交。"),
    403: ("无权操作", "您所在的部门无权查看或办理这项内容。如需办理，请联系领导小组办公室。"),
    404: ("找不到页面", "您要找的案件或任务不存在，可能已被撤销或地址有误。"),
    405: ("操作方式不对", "请通过页面上的按钮操作。"),
    413: ("文件太大", "上传的文件合计超过了大小限制，这次提交没有保存。请返回后少选几个文件或压缩后重新提交。"),
    429: ("尝试次数过多", "登录失败次数过多，请稍等几分钟后再试。"),
    500: ("系统出错", "系统出现了意外错误，您的提交没有保存。请稍后重试，如仍有问题请联系管理员。"),
}


def init_app(app: Flask) -> None:
    csp = content_security_policy(app.config.get("MAP_TILE_ORIGINS", ()))

    @app.before_request
    def _no_nul_bytes():
        # PostgreSQL cannot store a NUL character in text: refuse it with a page, not a 500.
        for values in (request.args, request.form):
            if any("\x00" in v for vs in values.listvalues() for v in vs):
                return render_template("error.html", code=400, title="内容无法识别",
                                       text="提交的内容含有无法识别的字符，请删除后重新填写。"), 400
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not (request.endpoint or "").endswith("static"):
            # Pages carry names, ID numbers and case files: no copy in a shared PC's browser cache or a
            # proxy. Stylesheets and scripts (static) stay cacheable, as does what a route marked itself.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def _page(code):
        def handler(_error):
            title, text = MESSAGES[code]
            return render_template("error.html", code=code, title=title, text=text), code
        return handler

    for code in MESSAGES:
        app.register_error_handler(code, _page(code))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error):
        # The database refuses connections or dropped one (restart, network): the clerk can only wait.
        # Rendered without the context processors: they load the signed-in user, from that same database.
        log.error("database unavailable: %s", error)
        page = app.jinja_env.get_template("errors/unavailable.html").render()
        return page, 503, {"Retry-After": "60"}

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_template("error.html", code=400, title="页面已过期",
                               text="表单校验信息已失效，请刷新页面后重新提交。"), 400
