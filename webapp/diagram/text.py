"""Fitting names into shapes without a font at hand: widths are estimated from the characters.

Chinese has no spaces, so lines break between any two CJK characters; runs of Latin letters or digits
(an id, a date) are kept whole when they fit. A closing punctuation mark never starts a line.
"""
from __future__ import annotations

import unicodedata

# Punctuation that must not begin a line (it stays at the end of the line before).
NO_LINE_START = set("，。、；：？！）》」』】〉”’…,.;:?!)]}%")
ELLIPSIS = "…"


def char_width(ch: str, size: float) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return size
    if ch == " ":
        return size * 0.3
    return size * (0.62 if ch.isupper() or ch.isdigit() else 0.55)


def text_width(text: str, size: float) -> float:
    return sum(char_width(ch, size) for ch in text)


def _tokens(text: str) -> list[str]:
    """Wide characters one by one; runs of narrow non-space characters together; spaces alone."""
    tokens: list[str] = []
    for ch in text:
        narrow = unicodedata.east_asian_width(ch) not in ("W", "F") and not ch.isspace()
        if narrow and tokens and tokens[-1][-1:] and not tokens[-1][-1].isspace() \
                and unicodedata.east_asian_width(tokens[-1][-1]) not in ("W", "F"):
            tokens[-1] += ch
        else:
            tokens.append(" " if ch.isspace() else ch)
    return tokens


def wrap(text: str, width: float, size: float, max_lines: int | None = None) -> list[str]:
    """Break ``text`` into lines of at most ``width`` (estimated) at font size ``size``."""
    lines: list[str] = []
    for paragraph in (text or "").splitlines() or [""]:
        lines.extend(_wrap_paragraph(paragraph.strip(), max(width, size), size))
    lines = [line for line in lines if line] or []
    if max_lines is not None and len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(last + ELLIPSIS, size) > width:
            last = last[:-1]
        kept[-1] = last + ELLIPSIS
        return kept
    return lines


def _wrap_paragraph(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if token == " " and not line:
            continue
        if text_width(line + token, size) <= width:
            line += token
            continue
        if token[0] in NO_LINE_START and line:
            line += token  # a little over the width rather than a line starting with "，"
            continue
        if line:
            lines.append(line.rstrip())
            line = ""
        if token == " ":
            continue
        while text_width(token, size) > width:  # a narrow run longer than a whole line: cut it
            cut = max(1, _fitting(token, width, size))
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fitting(token: str, width: float, size: float) -> int:
    total = 0.0
    for index, ch in enumerate(token):
        total += char_width(ch, size)
        if total > width:
            return index
    return len(token)
