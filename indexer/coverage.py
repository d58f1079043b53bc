"""How much of the index the project's words reach: codes with plain language and with
synonyms, and how much CMS shorthand in the short descriptors is left unexpanded.

Computed from a built index (its records) and the corpus, so any release can be measured:
``codesearch coverage``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .analysis import tokens
from .records import CodeRecord
from .vocabulary import Vocabulary, mine_abbreviations


def build_vocabulary(records: Sequence[CodeRecord], corpus_dir: Path) -> Vocabulary:
    """The shorthand table the build used: the curated rows, completed by mining the
    aligned descriptors of the newest HCPCS release (as ``indexer.catalog`` does)."""
    vocabulary = Vocabulary.load(corpus_dir)
    # Codes only the RVU file lists carry no long descriptor and no HCPCS release.
    hcpcs = [r for r in records if r.system == "HCPCS"]
    newest = max((r.release for r in hcpcs if r.descriptor_long), default=None)
    aligned = [(r.descriptor_short, r.descriptor_long or "") for r in hcpcs if r.release == newest]
    vocabulary.add_mined(mine_abbreviations(aligned))
    return vocabulary


def enrichment_coverage(records: Sequence[CodeRecord], vocabulary: Vocabulary) -> dict[str, Any]:
    """Figures over active HCPCS and CPT codes (modifiers excluded).

    A short-descriptor word (alphabetic token) is *expanded* when the shorthand table spells
    it out, *a word* when it occurs in some long descriptor or plain-language text, and
    *unresolved* otherwise: an upper bound on shorthand left unexpanded, since it also
    counts ordinary words that occur nowhere else.
    """
    active = [r for r in records if r.active and r.system in ("HCPCS", "CPT")]
    known: set[str] = set()
    for record in records:
        known.update(tokens(record.descriptor_long or ""))
        known.update(tokens(record.plain_language or ""))
    words = [t for r in active for t in tokens(r.descriptor_short) if t.isalpha()]
    expanded = [t for t in words if vocabulary.abbreviations.get(t, t) != t]
    unresolved = Counter(
        t for t in words if vocabulary.abbreviations.get(t, t) == t and t not in known
    )
    by_system: dict[str, dict[str, int]] = {}
    for system in ("HCPCS", "CPT"):
        mine = [r for r in active if r.system == system]
        by_system[system] = {
            "active": len(mine),
            "with_plain_language": sum(bool(r.plain_language) for r in mine),
            "with_synonyms": sum(bool(r.synonyms) for r in mine),
            "readable_descriptor": sum(
                bool(r.descriptor_long or r.descriptor_expanded) for r in mine
            ),
        }
    total = max(len(words), 1)
    totals = {
        name: sum(figures[name] for figures in by_system.values())
        for name in ("with_plain_language", "with_synonyms", "readable_descriptor")
    }
    return {
        "active_codes": len(active),
        **totals,
        "by_system": by_system,
        "shorthand_table": {
            "curated": len(vocabulary.abbreviations) - vocabulary.mined_abbreviations,
            "mined": vocabulary.mined_abbreviations,
        },
        "short_descriptor_words": len(words),
        "expanded": len(expanded),
        "expanded_share": round(len(expanded) / total, 4),
        "unresolved": sum(unresolved.values()),
        "unresolved_share": round(sum(unresolved.values()) / total, 4),
        "most_frequent_unresolved": unresolved.most_common(25),
    }
