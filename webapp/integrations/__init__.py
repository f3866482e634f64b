"""Talking to other systems and to people (issue 11): the outbox (``outbox.py``, ``tables.py``), the provincial
credit platform's messages (``credit_messages.py``), the relay that delivers them after the commit
(``relay.py``, ``flask outbox relay``), the delivery channels (``channels.py``, ``signing.py``), the endpoints
the office configures (``endpoints.py``) and the office's pages (``pages.py``). docs/integrations.md is the
integrator's description.

Nothing is imported here at module level: ``webapp/models.py`` imports ``tables`` while it is itself loading.
"""
from __future__ import annotations


def init_app(app) -> None:
    from . import cli, pages

    app.register_blueprint(pages.bp)
    cli.init_app(app)
