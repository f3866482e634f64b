"""The audit trail: append-only, hash-chained events in ``CHAINS`` chains, written when the transaction commits.

Every event carries its chain (``chain``: a case's events all go to the case's chain, other events to
the chain of their actor), its position in that chain (``chain_no``), the previous event's hash and its
own: ``hash = HMAC-SHA256(key, prev_hash + canonical content)``. Each chain's end is a signed head row
(``signature = HMAC(key, "chain|chain_no|last_hash")``).

Why it is built this way (issue 14: every write in the city waited on one head row, locked when a step
was saved and held through the rendering of its Word document until the commit):

- **Deferred**: ``append`` only buffers the events on the session. ``flush`` chains and inserts them
  right before the commit (a ``before_commit`` session event, so no caller can forget it: web requests,
  the timer worker, CLI commands and tests all commit through a session). A head is locked for the
  last two statements of a transaction, never through its work. A rolled-back transaction (or
  savepoint) drops its events with it.
- **Sharded**: ``CHAINS`` independent chains, so two transactions wait for each other only when they
  touch the same chain. A transaction locks the heads it needs in ascending id order in one statement:
  no lock cycles, and instance locks are always taken before (heads are locked last, at the commit).
- **Foreign rows**: a row found beyond a head was not written by this system (the head moves in the
  transaction that inserts). The append does not fail: it records a ``wf_audit_alarm``, logs an error,
  and continues after the foreign rows, linked to the true head's hash (the gap is explained by the
  alarm, and the link proves nothing genuine lies in it). ``verify`` names the foreign rows.

``verify`` walks every chain and names the first event that was altered, removed, inserted or planted
in it; the latest signed checkpoint outside the database (``engine/checkpoint.py``) catches a tail cut
off together with its head set back. With a key the database does not hold, someone who can write the
tables still cannot re-forge a chain or its head.

The package's rooms: ``sealing`` (an event's hash, a head's signature), ``chaining`` (``event``,
``append``, ``flush`` at the commit, alarms for foreign rows), ``reading`` (what a page may show:
``within_heads``, ``Marker``, ``open_alarms``), ``verification`` (``verify``). Callers use the names
below, from ``engine.audit``.
"""
from rules.timezone import CHINA  # noqa: F401 - webapp/supervise formats the alarm banner's times with it

from .chaining import OBSERVERS, append, chain_of, event, flush, pending
from .reading import UNTRUSTED_EVENT, UNTRUSTED_HEAD, Marker, open_alarms, within_heads
from .sealing import CHAINS, CONTENT, GENESIS, event_is_genuine, head_is_genuine, seal, sign_head
from .verification import Problem, Verdict, verify

__all__ = [
    "CHAINS", "CONTENT", "GENESIS", "OBSERVERS", "UNTRUSTED_EVENT", "UNTRUSTED_HEAD", "Marker", "Problem", "Verdict", "append",
    "chain_of", "event", "event_is_genuine", "flush", "head_is_genuine", "open_alarms", "pending", "seal",
    "sign_head", "verify", "within_heads",
]
