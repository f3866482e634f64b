"""Whether a page is still current: the instance version it was rendered with, against the instance now.

Every change to an instance's rows bumps its version, claims, releases and assignments included: a
completion that waited for the lock trusts the open-task rows read with it only when the version is the
one its form carries (``persist.lock_by_task``), so a claim made while it waited is seen. But who works
on a task says nothing new about the case, so a form open on it must stay valid across such changes:
the instance's context keeps the last run of versions that only changed assignments
(``context["assignment_versions"] = [first, last]``), and a page rendered with any version of that run
is still current while the run is the instance's latest change. The first change of the workflow
(a step, an override, a move) bumps the version past ``last`` and ends the run.
"""
from __future__ import annotations

KEY = "assignment_versions"


def is_current(instance, expected: int) -> bool:
    """A page rendered with version ``expected`` may act on ``instance`` (a locked ``InstanceRow``)."""
    if instance.version == expected:
        return True
    first, last = (instance.context or {}).get(KEY) or (None, None)
    return last == instance.version and first is not None and first <= expected <= last


def after_assignment(instance) -> tuple[dict, int]:
    """The context and version an instance gets when a claim, release or assignment changes it."""
    context = dict(instance.context or {})
    first, last = context.get(KEY) or (None, None)
    if last != instance.version:  # the run ended with a change of the workflow: a new one starts
        first = instance.version
    version = instance.version + 1
    context[KEY] = [first, version]
    return context, version
