"""The Flask application: ``create_app()`` builds it from the environment (see config.py)."""
from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_bootstrap import Bootstrap5
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth
from .auth import login_limits, login_manager
from .core import config as config_module
from .core import db, workflow

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

    # Every blueprint the app serves, imported here (a package's main blueprint is declared in its
    # __init__.py, which imports none of its route modules; the route modules below add their routes
    # to it). A few pages keep a blueprint of their own: their endpoint names are used by the templates.
    from . import (
        admin,
        attachments,
        cases,
        dashboard,
        diagram,
        documents,
        integrations,
        ledger,
        problems,
        supervise,
        tasks,
    )
    from . import map as wells_map
    from .admin import departments as admin_departments  # noqa: F401  (routes of admin.bp)
    from .admin import system_accounts as admin_system_accounts  # noqa: F401
    from .admin import users as admin_users  # noqa: F401
    from .admin import villages as admin_villages  # noqa: F401
    from .admin import working_calendar as admin_working_calendar  # noqa: F401
    from .attachments import routes as attachment_routes  # noqa: F401
    from .auth import profile as auth_profile  # noqa: F401
    from .auth import routes as auth_routes  # noqa: F401
    from .auth import session_rules as auth_session_rules  # noqa: F401
    from .cases import coverage, credit, reconsideration
    from .cases import routes as case_routes  # noqa: F401
    from .cases.notes import routes as note_routes  # noqa: F401  (routes of cases.bp)
    from .dashboard import routes as dashboard_routes  # noqa: F401
    from .diagram import routes as diagram_routes  # noqa: F401
    from .documents import routes as document_routes  # noqa: F401
    from .integrations import pages as integration_pages
    from .ledger import routes as ledger_routes  # noqa: F401
    from .map import routes as map_routes  # noqa: F401
    from .problems import routes as problem_routes  # noqa: F401
    from .supervise import audit as supervise_routes  # noqa: F401
    from .supervise import overrides
    from .tasks import assignments, inbox
    from .tasks import routes as task_routes  # noqa: F401
    for blueprint in (auth.bp, inbox.bp, tasks.bp, cases.bp, supervise.bp, assignments.bp, overrides.bp,
                      admin.bp, diagram.bp, ledger.bp, documents.bp, attachments.bp, problems.bp,
                      coverage.bp, credit.bp, reconsideration.bp, dashboard.bp, integration_pages.bp, wells_map.bp):
        app.register_blueprint(blueprint)
    coverage.init_app(app)
    wells_map.init_app(app)
    from . import cli
    from .core import filters, security
    cli.init_app(app)
    integrations.init_app(app)
    from . import notifications
    notifications.init_app(app)
    filters.init_app(app)
    security.init_app(app)
    from . import working_calendar
    working_calendar.init_app(app)
    from . import api
    api.init_app(app)

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("inbox.index"))
        return redirect(url_for("auth.login"))

    return app
