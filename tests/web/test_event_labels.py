"""Every key the code writes into an audit event's data has a Chinese label (the audit page and its exports
never show ``kind：`` or ``sha256：``), and the values a clerk cannot read are put in words.

The keys are found in the source: dict literals passed to ``record(...)`` / ``audit.event(...)`` /
``_record(...)``, and dict literals assigned to the names the recorders build their data in. A new key
written without a label in ``KEY_LABELS`` fails here."""
from __future__ import annotations

import ast
from pathlib import Path

from webapp.supervise.search import KEY_LABELS

ROOT = Path(__file__).resolve().parents[2]
RECORDERS = {"record", "event", "_record"}
DATA_NAMES = {"data", "change", "before", "after", "ip", "heading_data", "kept"}
DATA_FUNCTIONS = {"snapshot", "_plain", "_shown", "_event_data", "_entry"}


def _literal_keys(node: ast.AST) -> set[str]:
    return {k.value for k in getattr(node, "keys", []) if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def written_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("engine", "webapp"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                dicts = []
                if isinstance(node, ast.Call):
                    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                    if name in RECORDERS:
                        dicts += [k.value for k in node.keywords if k.arg == "data"]
                        dicts += [a for a in node.args if isinstance(a, ast.Dict)]
                elif isinstance(node, ast.Assign):
                    if any(isinstance(t, ast.Name) and t.id in DATA_NAMES for t in node.targets):
                        dicts.append(node.value)
                elif isinstance(node, ast.FunctionDef) and node.name in DATA_FUNCTIONS:
                    dicts += [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
                for d in dicts:
                    for key in _literal_keys(d):
                        found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_the_scan_sees_the_recorders():
    # The scan itself must find what is written today, or the test below would pass on nothing.
    keys = written_keys()
    assert {"sha256", "assignee", "type", "reason", "rows", "display_name", "period_start"} <= set(keys)


def test_every_written_key_has_a_chinese_label():
    missing = {key: where for key, where in written_keys().items() if key not in KEY_LABELS}
    assert missing == {}, f"audit data keys without a label in webapp/supervise/search.py KEY_LABELS: {missing}"


def test_the_deadlines_a_document_prints_are_labelled():
    from webapp.documents.party_deadlines import PERIODS

    names = {period.name for periods in PERIODS.values() for period in periods}
    assert names and names - set(KEY_LABELS) == set()
    assert {"start", "days", "on"} <= set(written_keys())
