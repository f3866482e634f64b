"""How the audit trail is sealed: each event's hash links it to the one before it; each chain's head is signed.

``hash = HMAC-SHA256(key, prev_hash + canonical content)``; a head's ``signature = HMAC(key,
"chain|chain_no|last_hash")``. With a key the database does not hold, someone who can write the tables
still cannot re-forge a chain or its head.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timezone

from ..tables import Event

GENESIS = "0" * 64
# The number of chains; migration 20261206_0010 made one head row for each (ids 1..CHAINS). Changing it
# needs a migration that adds head rows; events already chained keep their chain.
CHAINS = 16
# The content fields, in the order they are hashed. The chain is not among them: moving an event to
# another chain breaks the links of both chains, which the signed heads pin down.
CONTENT = ("chain_no", "instance_id", "case_id", "kind", "actor", "actor_department", "task_guid",
           "task_spec", "title", "form_key", "data", "created_at")


def _content(values) -> bytes:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    fields = []
    for name in CONTENT:
        value = get(name)
        if name == "created_at":
            value = value.astimezone(timezone.utc).isoformat(timespec="microseconds")
        fields.append(value)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def seal(key: bytes, prev_hash: str, values) -> str:
    return hmac.new(key, prev_hash.encode() + _content(values), hashlib.sha256).hexdigest()


def sign_head(key: bytes, chain: int, chain_no: int, last_hash: str) -> str:
    return hmac.new(key, f"{chain}|{chain_no}|{last_hash}".encode(), hashlib.sha256).hexdigest()


def head_is_genuine(key: bytes, chain: int, chain_no: int, last_hash: str, signature: str | None) -> bool:
    """Signed with the key — or never used (position 0, no signature: no event was ever appended)."""
    if signature is None:
        return chain_no == 0 and last_hash == GENESIS
    return hmac.compare_digest(signature, sign_head(key, chain, chain_no, last_hash))


def event_is_genuine(key: bytes, row: Event) -> bool:
    """The event's own hash matches its content and link (it says nothing about its neighbours)."""
    return row.hash is not None and row.prev_hash is not None and hmac.compare_digest(
        row.hash, seal(key, row.prev_hash, row))

