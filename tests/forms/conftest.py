"""Form fixtures: a bare Flask app for request contexts, "today" fixed, forms bound to a POST."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict

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


def _copy(value):
    if not isinstance(value, FileStorage):
        return value
    content = value.stream.read()
    value.stream.seek(0)
    return (io.BytesIO(content), value.filename, value.content_type)


@pytest.fixture
def bind(forms_app):
    """bind(FormClass, {"field": "value" or [values]}, **kwargs) -> form bound to a POST; with
    ``factory`` (e.g. ``cls.for_case``) the form is made by it inside the request instead.
    Values may be ``FileStorage`` objects (uploads): the form gets them as they are, the request a copy
    (its builder reads and closes the streams it is given)."""
    contexts = []

    def _bind(form_cls, data, factory=None, **kwargs):
        pairs = []
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((key, item))
        formdata = MultiDict(pairs)
        ctx = forms_app.test_request_context(method="POST", data=MultiDict([(k, _copy(v)) for k, v in pairs]))
        ctx.push()
        contexts.append(ctx)
        return factory() if factory else form_cls(formdata=formdata, **kwargs)

    yield _bind
    for ctx in reversed(contexts):
        ctx.pop()
