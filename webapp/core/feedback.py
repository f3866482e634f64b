"""Messages for a form posted from a page other than its own (the case page, the inbox): its errors are
flashed there, since the form itself is not shown again."""
from __future__ import annotations

from flask import flash


def flash_errors(form, category: str = "danger") -> None:
    for messages in form.errors.values():
        for message in messages:
            flash(message, category)


# What a link in a flashed message may point to: the template builds the address from the kind and an id,
# so a message never carries HTML or an address from the request (base.html, macro ``flash_message``).
LINK_KINDS = ("case", "document")


def flash_links(text: str, links: list[tuple[str, int, str]], category: str = "success") -> None:
    """Flash ``text`` followed by links, each (kind, id, label) with kind in LINK_KINDS; labels are escaped
    like any text. Kept small (the flashed messages live in the session cookie)."""
    if any(kind not in LINK_KINDS for kind, _, _ in links):
        raise ValueError("unknown link kind")
    flash({"text": text, "links": [[kind, int(ident), str(label)] for kind, ident, label in links]}, category)
