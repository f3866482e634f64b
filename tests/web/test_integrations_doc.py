"""docs/integrations.md's signature example is what the code computes (an integrator copies it)."""
from __future__ import annotations

import re
from pathlib import Path

from webapp.integrations import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def _block(text: str, marker: str) -> str:
    return re.search(rf"<!-- {marker} -->\n```\n(.*?)\n```", text, re.S).group(1)


def test_the_documented_signature_example_verifies():
    text = DOC.read_text(encoding="utf-8")
    body = _block(text, "signature-example:body").encode("utf-8")
    header = _block(text, "signature-example:header").removeprefix("X-Wells-Signature: ")
    assert signing.verify("example-secret-0123456789", body, header)
    assert not signing.verify("another-secret-0123456789", body, header)
