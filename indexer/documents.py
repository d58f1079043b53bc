"""What each index sees of a code record: keyword fields and the text that is embedded."""

from __future__ import annotations

from .records import CodeRecord


def keyword_fields(record: CodeRecord) -> dict[str, str]:
    """Text per keyword field (the searcher boosts fields differently)."""
    descriptor = " ".join(
        part for part in (record.descriptor_long, record.descriptor_expanded) if part
    )
    synonyms = " ; ".join(record.synonyms)
    plain = record.plain_language or ""
    return {
        "descriptor": descriptor,
        "short": record.descriptor_short,
        "synonyms": synonyms,
        "plain": plain,
        "ac": " ".join((descriptor, record.descriptor_short, synonyms)),
    }


def semantic_text(record: CodeRecord) -> str:
    """The passage embedded for a code: descriptor, plain language, then synonyms."""
    parts = [record.descriptor_long or record.descriptor_expanded]
    if record.descriptor_long and record.descriptor_expanded:
        parts.append(record.descriptor_expanded)
    if record.plain_language:
        parts.append(record.plain_language)
    if record.synonyms:
        parts.append("Also called: " + ", ".join(record.synonyms))
    return ". ".join(p.rstrip(". ") for p in parts if p)
