"""Per-code enrichment written by the project: plain language and synonyms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SourceError


@dataclass
class Enrichment:
    plain_language: str | None = None
    synonyms: list[str] = field(default_factory=list)


def load_enrichment(corpus_dir: Path) -> dict[str, Enrichment]:
    """Every ``corpus/enrichment/*.jsonl`` file merged; a code listed twice merges synonyms."""
    merged: dict[str, Enrichment] = {}
    folder = corpus_dir / "enrichment"
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                code = str(entry["code"]).strip().upper()
                plain = entry.get("plain_language")
                synonyms = [str(s).strip() for s in entry.get("synonyms", []) if str(s).strip()]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise SourceError(
                    str(path), f"not a valid enrichment entry ({exc})", number
                ) from exc
            target = merged.setdefault(code, Enrichment())
            if plain and not target.plain_language:
                target.plain_language = str(plain).strip()
            for synonym in synonyms:
                if synonym.lower() not in {s.lower() for s in target.synonyms}:
                    target.synonyms.append(synonym)
    return merged
