"""`codesearch coverage`: enrichment and shorthand coverage, recomputed from a built index."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from indexer.analysis import tokens
from indexer.coverage import build_vocabulary, enrichment_coverage
from indexer.settings import Settings
from search_api.cli import app
from search_api.engine.searcher import Searcher


def test_the_rebuilt_shorthand_table_is_the_one_the_build_used(
    settings: Settings, searcher: Searcher
) -> None:
    vocabulary = build_vocabulary(searcher.records, settings.corpus_dir)
    assert vocabulary.mined_abbreviations > 0, "the fixture's HCPCS rows must teach some"
    for record in searcher.records:
        assert vocabulary.expand_shorthand(record.descriptor_short) == record.descriptor_expanded


def test_figures_count_what_they_say(settings: Settings, searcher: Searcher) -> None:
    vocabulary = build_vocabulary(searcher.records, settings.corpus_dir)
    report = enrichment_coverage(searcher.records, vocabulary)
    active = [r for r in searcher.records if r.active and r.system in ("HCPCS", "CPT")]
    assert report["active_codes"] == len(active)
    assert report["with_plain_language"] == sum(bool(r.plain_language) for r in active) > 0
    assert sum(f["active"] for f in report["by_system"].values()) == len(active)
    words = [t for r in active for t in tokens(r.descriptor_short) if t.isalpha()]
    assert report["short_descriptor_words"] == len(words)
    shorthand = [t for t in words if vocabulary.abbreviations.get(t, t) != t]
    assert report["expanded"] == len(shorthand) > 0
    assert 0 <= report["unresolved"] <= len(words) - len(shorthand)
    for word, _count in report["most_frequent_unresolved"]:
        assert word not in vocabulary.abbreviations
        assert all(word not in tokens(r.descriptor_long or "") for r in searcher.records)


def test_cli_prints_the_report(settings: Settings, searcher: Searcher, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("search_api.cli._settings", lambda: settings)
    result = CliRunner().invoke(app, ["coverage", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["active_codes"] == sum(
        r.active and r.system in ("HCPCS", "CPT") for r in searcher.records
    )
