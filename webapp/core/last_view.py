"""The last view of a list (the case list, the inbox), remembered in the signed session: a clerk who comes
back to the list finds the filters left there; ``?clear=1`` (清除条件) forgets them."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, request, session


def recall(key: str, params: tuple[str, ...]):
    """A redirect to the remembered view when the list is asked for bare (no argument at all), or to the bare
    list after 清除条件; None when the request names its own filters or page (or there is nothing to recall).
    ``params`` are the list's filters (kept for symmetry with ``remember``)."""
    if "clear" in request.args:
        session.pop(key, None)
        return redirect(request.path)
    if request.args:  # its own filters, or a page of them (a cursor, a page number): shown as asked
        return None
    remembered = session.get(key)
    return redirect(f"{request.path}?{remembered}") if remembered else None


def remember(key: str, params: tuple[str, ...]) -> None:
    """Keep this request's filters (blanks left out) as the list's last view; all blank: forget it."""
    if not any(p in request.args for p in params):
        return
    query = urlencode([(k, v) for k in params for v in request.args.getlist(k) if v])
    if query:
        session[key] = query
    else:
        session.pop(key, None)
