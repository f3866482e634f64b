"""The Flask application: ``create_app()`` builds it from the environment (see config.py)."""
from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_bootstrap import Bootstrap5
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from . import db, login_limits, workflow
from .auth import login_manager

csrf = CSRFProtect()
bootstrap = Bootstrap5()


def create_app(settings: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config_module.INSTANCE))
    app.config.update(config_module.from_environment(settings))

    if app.config["PROXIES"]:
        # Behind nginx every request comes from 127.0.0.1: trust X-Forwarded-For from that many proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"])
    db.init_app(app)
    workflow.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_limits.init_app(app)

    from . import (
        admin,
        assignments,
        attachments,
        auth,
        cases,
        cli,
        coverage,
        credit,
        diagram,
        documents,
        filters,
        inbox,
        integrations,
        ledger,
        overrides,
        problem_list,
        reconsideration,
        security,
        supervise,
        tasks,
    )
    from .dashboard import routes as dashboard
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(supervise.bp)
    app.register_blueprint(assignments.bp)
    app.register_blueprint(overrides.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(diagram.bp)
    app.register_blueprint(ledger.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(problem_list.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(credit.bp)
    app.register_blueprint(reconsideration.bp)
    coverage.init_app(app)
    app.register_blueprint(dashboard.bp)
    cli.init_app(app)
    integrations.init_app(app)
    filters.init_app(app)
    security.init_app(app)
    from . import working_calendar
    working_calendar.init_app(app)

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return redirect(url_for("auth.login"))

    return app
