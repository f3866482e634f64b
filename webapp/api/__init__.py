"""The REST API, ``/api/v1/…``, for other systems (see docs/integrations.md "REST API").

Callers are system accounts (``tables.ApiAccount``) with a bearer token and scopes; sessions do not work
here and tokens do not work on the pages. The routes are thin and reuse the pages' services: the case
list's queries, ``step_service.complete_step`` through ``unit_of_work.run``, the task forms of
``forms.registry`` (the JSON body is fed to the very same WTForms class), the ledger's checks.
The OpenAPI 3.1 description is generated from the code by flask-smorest (``openapi.json``); the docs page
(``/api/v1/docs``) is Swagger UI from the pinned ``flask-swagger-ui`` package, served from here.

Kept light: ``models.py`` imports ``tables`` from this package, so nothing here imports the routes at
import time.
"""
from __future__ import annotations


def init_app(app) -> None:
    from .setup import init_app as setup

    setup(app)
