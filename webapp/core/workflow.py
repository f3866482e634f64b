"""The app's single engine, built at start-up from the diagrams in WELLS_BPMN_DIR.

Start-up refuses to continue when a diagram is invalid or breaks the conventions (a lane that is not a
department, a form key without a form): the error names the file and the element.
"""
from __future__ import annotations

from flask import Flask, current_app

from engine import Engine, specs
from forms.registry import FORMS

from ..directory.departments import CODES

PROCESS_ID = "well_case"


def init_app(app: Flask) -> None:
    loaded = specs.load(specs.read_directory(app.config["BPMN_DIR"]), departments=CODES, form_keys=set(FORMS))
    app.extensions["workflow_engine"] = Engine(loaded, audit_key=app.config["AUDIT_KEY"])


def engine() -> Engine:
    return current_app.extensions["workflow_engine"]
