"""Form fixtures: a bare Flask app for request contexts, "today" fixed, forms bound to a POST."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from forms import validators as v

TODAY = dt.date(2022, 8, 15)


@pytest.fixture(scope="module")
def forms_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="forms-test", WTF_CSRF_ENABLED=False, TESTING=True)
    return app


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(v, "today", lambda: TODAY)


@pytest.fixture
def bind(forms_app):
    """bind(FormClass, {"field": "value" or [values]}, **kwargs) -> form bound to a POST; with
    ``factory`` (e.g. ``cls.for_case``) the form is made by it inside the request instead."""
    contexts = []

    def _bind(form_cls, data, factory=None, **kwargs):
        pairs = []
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, item))
        formdata = MultiDict(pairs)
        ctx = forms_app.test_request_context(method="POST", data=formdata)
        ctx.push()
        contexts.append(ctx)
        return factory() if factory else form_cls(formdata=formdata, **kwargs)

    yield _bind
    for ctx in reversed(contexts):
        ctx.pop()
