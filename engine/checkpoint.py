"""Signed checkpoints of the audit chains' heads, kept outside the database.

A head is signed with the audit key, but someone who can write the database can still put back an
old genuine head after cutting the tail off its chain (or empty the table and reset every head to its
first, unsigned state). A checkpoint pins each chain's position and hash at a moment in a file under a
folder the database cannot reach (``WELLS_AUDIT_CHECKPOINT_DIR``; copy it off the machine with the
backups); ``verify`` then requires every chain to still hold that hash at that position.

One JSON file per checkpoint, named by its UTC time so that names sort in time order::

    {"format": 1, "written_at": "…Z", "chains": {"1": [chain_no, hash], …},
     "previous": sha256 of the previous checkpoint file (or null), "signature": HMAC(key, the rest)}

Files are linked (``previous``) so that a deleted or replaced checkpoint is noticed too. Written by
``flask audit checkpoint`` and, every ``WELLS_AUDIT_CHECKPOINT_MINUTES``, by the timer worker.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from rules.timezone import CHINA

from . import audit
from .tables import AuditHead, Event, utcnow

PREFIX = "audit-checkpoint-"
FORMAT = 1


class CheckpointRefused(Exception):
    """The heads do not agree with the last checkpoint: writing a new one would bless the tampering."""


@dataclass
class Checkpoint:
    path: Path
    written_at: datetime
    chains: dict[int, tuple[int, str]]
    digest: str  # sha256 of the file, what the next checkpoint links to

    @property
    def label(self) -> str:
        return self.written_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") + " 的"


def _signed_body(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _sign(key: bytes, body: dict) -> str:
    return hmac.new(key, b"checkpoint\0" + _signed_body(body), hashlib.sha256).hexdigest()


def load(folder: str | os.PathLike, key: bytes) -> tuple[Checkpoint | None, list[str]]:
    """The latest checkpoint and what is wrong with the series (forged, unlinked, moving backwards)."""
    folder = Path(folder)
    paths = sorted(folder.glob(f"{PREFIX}*.json")) if folder.is_dir() else []
    problems, latest = [], None
    for path in paths:
        raw = path.read_bytes()
        try:
            document = json.loads(raw)
            body = {k: v for k, v in document.items() if k != "signature"}
            valid = hmac.compare_digest(str(document.get("signature", "")), _sign(key, body))
            chains = {int(k): (int(v[0]), str(v[1])) for k, v in body["chains"].items()}
            written = datetime.fromisoformat(body["written_at"])
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            problems.append(f"检查点文件 {path.name} 无法读取（被改动或损坏）")
            continue
        if not valid:
            problems.append(f"检查点文件 {path.name} 的签名不符（被改动或伪造）")
            continue
        if latest is not None:
            if body.get("previous") != latest.digest:
                problems.append(f"检查点文件 {path.name} 与前一个检查点 {latest.path.name} 不相连（中间的检查点被删除或替换）")
            backwards = [c for c, (n, _h) in latest.chains.items() if chains.get(c, (0, ""))[0] < n]
            if backwards:
                problems.append(f"检查点文件 {path.name} 中第 {backwards[0]} 条链比前一个检查点短（链尾被删除）")
        latest = Checkpoint(path, written, chains, hashlib.sha256(raw).hexdigest())
    return latest, problems


def verify(session: Session, key: bytes, folder: str | os.PathLike) -> audit.Verdict:
    """``audit.verify`` against the latest checkpoint in ``folder``; no checkpoint at all is a failure,
    since then nothing outside the database vouches for the chains' ends."""
    latest, problems = load(folder, key)
    verdict = audit.verify(session, key, checkpoint=latest.chains if latest else None,
                           checkpoint_label=latest.label if latest else "")
    extra = [audit.Problem(None, None, None, text) for text in problems]
    if latest is None:
        extra.append(audit.Problem(None, None, None,
                                   f"检查点目录 {folder} 中没有检查点，无法确认链尾未被删除。"
                                   "请运行 flask audit checkpoint（计时器进程也会定期写入）"))
    verdict.problems.extend(extra)
    verdict.ok = not verdict.problems
    return verdict


def write(session: Session, key: bytes, folder: str | os.PathLike) -> Checkpoint | None:
    """Write a checkpoint of the heads as committed now; None when nothing changed since the last one.

    Refused (``CheckpointRefused``) when a head is not genuine, is behind the last checkpoint, or its
    chain no longer holds the last checkpoint's hash: the checkpoint must never bless a rewritten end.
    """
    folder = Path(folder)
    latest, problems = load(folder, key)
    if problems:
        raise CheckpointRefused("；".join(problems))
    heads = {h.id: h for h in session.scalars(select(AuditHead))}
    chains = {}
    for chain in range(1, audit.CHAINS + 1):
        head = heads.get(chain)
        if head is None or not audit.head_is_genuine(key, chain, head.chain_no, head.last_hash, head.signature):
            raise CheckpointRefused(f"第 {chain} 条审计链的链头缺失或签名不符，未写检查点。请运行 flask audit verify 核查")
        chains[chain] = (head.chain_no, head.last_hash)
    if latest is not None:
        _check_against(session, latest, chains)
        if chains == latest.chains:
            return None
    now = utcnow()
    body = {"format": FORMAT, "written_at": now.isoformat(timespec="microseconds"),
            "chains": {str(c): [n, h] for c, (n, h) in chains.items()},
            "previous": latest.digest if latest else None}
    raw = json.dumps({**body, "signature": _sign(key, body)}, sort_keys=True, indent=1).encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{PREFIX}{now.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)  # whole or not at all
    return Checkpoint(path, now, chains, hashlib.sha256(raw).hexdigest())


def _check_against(session: Session, latest: Checkpoint, chains: dict[int, tuple[int, str]]) -> None:
    for chain, (no, _h) in latest.chains.items():
        if chains.get(chain, (0, ""))[0] < no:
            raise CheckpointRefused(f"第 {chain} 条审计链的链头早于上一个检查点（第 {no} 号）：末尾的事件被删除。"
                                    "未写检查点，请运行 flask audit verify 核查")
    marks = [(c, n) for c, (n, _h) in latest.chains.items() if n > 0]
    if not marks:
        return
    found = {(r.chain, r.chain_no): r.hash for r in session.execute(
        select(Event.chain, Event.chain_no, Event.hash).where(tuple_(Event.chain, Event.chain_no).in_(marks)))}
    for chain, no in marks:
        if found.get((chain, no)) != latest.chains[chain][1]:
            raise CheckpointRefused(f"第 {chain} 条审计链第 {no} 号事件与上一个检查点不符（事件被删除或替换）。"
                                    "未写检查点，请运行 flask audit verify 核查")
