"""Messages for a form posted from a page other than its own (the case page, the inbox): its errors are
flashed there, since the form itself is not shown again."""
from __future__ import annotations

from flask import flash


def flash_errors(form, category: str = "danger") -> None:
    for messages in form.errors.values():
        for message in messages:
            flash(message, category)
