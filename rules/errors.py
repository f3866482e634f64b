"""The error a statutory rule raises when it cannot apply to what it was given."""
from __future__ import annotations


class RuleError(ValueError):
    """A rule refused its input (a date that is not a date, a negative fine, an unknown party kind…).

    ``str(exc)`` is a Chinese message fit to show on a page. The engine recognises it (engine/errors.py,
    ``workflow_failure``), so a rule a diagram expression called explains itself to the clerk; it is a
    ``ValueError`` so that forms and documents, which validate input anyway, catch it with the rest.
    """
