"""Text normalisation shared by the index and the query side."""

from __future__ import annotations

import re
import unicodedata

# CMS's "w/" (with) and "w/o" (without) are words of their own; "w/optic" is "with
# optic", so "w/o" counts only when no letter or digit follows it.
TOKEN_PATTERN = r"w/o(?![a-z0-9])|w/|[a-z0-9]+(?:[.'][a-z0-9]+)*"
_TOKEN = re.compile(TOKEN_PATTERN)
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
# For ASCII text the same steps, as one table: NFKC changes nothing, the control
# characters above are removed, and DEL (the one other ASCII character of category C)
# becomes a space.
_CONTROL_ASCII = {**_CONTROL, 0x7F: " "}
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, lower case, control characters and runs of white space folded to one space.

    Idempotent: ``normalize(normalize(x)) == normalize(x)``. One pass is not always
    enough: lower-casing can leave text that NFKC composes further ("Ϊ́"), and removing a
    control character can bring a combining mark next to a letter, so the steps repeat
    until nothing changes (twice for almost any text).
    """
    for _ in range(4):
        folded = _normalize_once(text)
        if folded == text:
            break
        text = folded
    return text


def _normalize_once(text: str) -> str:
    # ASCII is almost every record and query: skip the per-character Unicode lookups.
    return _fold_ascii(text) if text.isascii() else _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_CONTROL)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACE.sub(" ", text.lower()).strip()


def _fold_ascii(text: str) -> str:
    """:func:`_fold_unicode` for ASCII text (a test checks they agree)."""
    return _SPACE.sub(" ", text.translate(_CONTROL_ASCII).lower()).strip()


def tokens(text: str) -> list[str]:
    """Word tokens of a text, after :func:`normalize`; keeps CMS's 'w/' and 'w/o'."""
    return _TOKEN.findall(normalize(text))


def ngrams(words: list[str], longest: int = 4) -> list[tuple[int, int, str]]:
    """Every phrase of 1..longest consecutive words as (start, end, phrase), longest first."""
    found = []
    for size in range(min(longest, len(words)), 0, -1):
        for start in range(0, len(words) - size + 1):
            found.append((start, start + size, " ".join(words[start : start + size])))
    return found
