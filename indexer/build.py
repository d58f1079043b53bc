"""``codesearch build``: official files -> records -> keyword and vector indexes, switched in
atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .artifact import (
    FORMAT_VERSION,
    MANIFEST,
    artifact_files,
    package_version,
    prune_builds,
    switch_current,
)
from .attributes import ATTRIBUTES_FILE, record_attributes, save_attributes
from .catalog import build_catalog
from .categories import CATEGORIES_FILE, build_category_stats, save_category_stats
from .documents import semantic_text
from .enrichment import load_enrichment
from .history import HISTORY_FILE, build_history, save_history
from .keyword_index import POSTINGS_FILE, build_keyword_index, export_postings
from .records import RECORDS_FILE, CodeRecord, save_records
from .settings import Settings
from .sources import SourceFile, discover, fetch_manifest, sha256_of
from .vector_index import embed_texts, save_vectors
from .vocabulary import VOCABULARY_FILE, Vocabulary, save_vocabulary

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    build_dir: Path
    manifest: dict[str, Any]
    seconds: float
    embedded: int


def resolve_sources(settings: Settings) -> list[SourceFile]:
    if settings.data_dir is not None:
        return discover(settings.data_dir)
    folder = fetch_manifest(settings.corpus_dir / "sources.json", settings.cache_dir)
    return discover(folder)


def corpus_digest(corpus_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and path.suffix in (".tsv", ".jsonl", ".json"):
            digest.update(str(path.relative_to(corpus_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_index(settings: Settings, *, progress: bool = False) -> BuildResult:
    """Build a new artifact beside the served one; switch ``current`` only when complete."""
    from models.embedding import load_encoder

    started = time.perf_counter()
    sources = resolve_sources(settings)
    vocabulary = Vocabulary.load(settings.corpus_dir)
    query_vocabulary = Vocabulary.load(settings.corpus_dir)  # curated rows: what queries expand
    enrichment = load_enrichment(settings.corpus_dir)
    catalog = build_catalog(sources, vocabulary, enrichment)
    records: list[CodeRecord] = sorted(
        catalog.records.values(), key=lambda r: (r.system == "MODIFIER", r.code)
    )
    encoder = load_encoder(settings.encoder, settings.embed_precision, settings.encoder_path)

    builds = settings.index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    staging = builds / f".tmp-{build_id}"
    try:
        staging.mkdir()
        build_keyword_index(records, staging / "keyword")
        export_postings(staging / "keyword", staging / POSTINGS_FILE)
        matrix, embedded = embed_texts(
            [semantic_text(r) for r in records],
            encoder,
            settings.cache_dir,
            batch_size=settings.embed_batch_size,
            progress=progress,
        )
        save_vectors(matrix, staging / "vectors.npy")
        save_records(records, staging / RECORDS_FILE)
        attributes = [
            record_attributes(
                [r.descriptor_long, r.descriptor_short, r.descriptor_expanded, r.plain_language]
            )
            for r in records
        ]
        save_attributes(attributes, staging / ATTRIBUTES_FILE)
        # The query side reads its tables from the build, never from the live corpus/.
        save_vocabulary(query_vocabulary, staging / VOCABULARY_FILE)
        history = build_history(catalog.hcpcs_releases)
        save_history(history, staging / HISTORY_FILE)
        newest = catalog.hcpcs_releases[-1].release if catalog.hcpcs_releases else None
        save_category_stats(build_category_stats(records, newest), staging / CATEGORIES_FILE)
        manifest = {
            "format_version": FORMAT_VERSION,
            "build_id": build_id,
            "package_version": package_version(),
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "releases": catalog.releases,
            "sources": [
                {
                    "kind": s.kind,
                    "name": s.name,
                    "location": s.label,
                    "release": s.release,
                    "sha256": sha256_of(s.path) if s.member is None else _member_digest(s),
                    "container_sha256": sha256_of(s.path) if s.member else None,
                }
                for s in sources
            ],
            "corpus_sha256": corpus_digest(settings.corpus_dir),
            "model": {
                "name": encoder.name,
                "revision": encoder.revision,
                "dimension": encoder.dimension,
                "precision": encoder.precision,
            },
            "counts": catalog.counts,
            "vocabulary": {
                "abbreviations": len(vocabulary.abbreviations),
                "abbreviations_mined": vocabulary.mined_abbreviations,
                "lay_terms": len(vocabulary.lay_terms),
                "brands": len(vocabulary.brands),
            },
            "enrichment_codes_not_in_sources": catalog.unknown_enrichment_codes,
            "files": artifact_files(staging),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        final = builds / build_id
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    switch_current(settings.index_dir, final)
    prune_builds(settings.index_dir)
    seconds = time.perf_counter() - started
    log.info("built index %s: %d records in %.1fs", build_id, len(records), seconds)
    return BuildResult(final, manifest, seconds, embedded)


def _member_digest(source: SourceFile) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()
