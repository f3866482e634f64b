"""Talking to other systems and to people (issue 11): the outbox (``outbox.py``, ``tables.py``), the provincial
credit platform's messages (``credit_messages.py``), the relay that delivers them after the commit
(``relay.py``, ``flask outbox relay``), the delivery channels (``channels.py``, ``signing.py``), the endpoints
the office configures (``endpoints.py``) and the office's pages (``pages.py``). docs/integrations.md is the
integrator's description.

Nothing is imported here at module level: ``webapp/tables.py`` imports ``tables`` for the metadata, and that must
not pull in the pages. ``create_app`` registers the pages' blueprint; ``init_app`` adds the CLI.
"""
from __future__ import annotations


def init_app(app) -> None:
    from . import cli

    cli.init_app(app)
