"""Golden ranking tests on the fixture corpus (hashing encoder; the real model is in test_e2e)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.records import CodeRecord
from search_api.engine.errors import BadRequest, NotFound
from search_api.engine.searcher import Searcher
from tests.conftest import fixture_settings

GOLDEN = [
    ("toradol shot", "keyword", "J1885"),
    ("ketorolac", "hybrid", "J1885"),
    ("biologic therapy for psoriasis", "keyword", "G9649"),
    ("chrnc care mgmt", "keyword", "99490"),
    ("chronic care management", "keyword", "99490"),
    ("psychotherapy with patient 45 minutes", "keyword", "90834"),
    ("forearm crutches", "hybrid", "E0110"),
    ("orencia", "keyword", "J0129"),
    ("annual wellness visit subsequent", "keyword", "G0439"),
    ("ketorolak tromethamine", "keyword", "J1885"),  # typo
]


@pytest.mark.parametrize(("text", "mode", "code"), GOLDEN)
def test_golden_first(searcher: Searcher, text: str, mode: str, code: str) -> None:
    result = searcher.search(text, mode=mode)  # type: ignore[arg-type]
    assert result.hits[0].record.code == code, [h.record.code for h in result.hits[:5]]


def test_code_and_prefix_channel(searcher: Searcher) -> None:
    assert searcher.search("j1100").hits[0].record.code == "J1100"
    codes = [h.record.code for h in searcher.search("G04", limit=5).hits]
    assert codes[:2] == ["G0438", "G0439"]
    assert searcher.search("j1100").hits[0].matched_fields == ["code"]


def test_terminated_only_when_asked(searcher: Searcher) -> None:
    assert "G0001" not in [
        h.record.code for h in searcher.search("routine venipuncture specimen").hits
    ]
    found = searcher.search("routine venipuncture specimen", include_terminated=True)
    assert "G0001" in [h.record.code for h in found.hits]


def test_system_filter_and_modifiers(searcher: Searcher) -> None:
    assert all(h.record.system == "CPT" for h in searcher.search("injection", system="CPT").hits)
    assert "LT" not in [h.record.code for h in searcher.search("left side").hits]
    assert searcher.search("left side", system="MODIFIER").hits[0].record.code == "LT"


def test_exact_match_beats_fuzzy(searcher: Searcher) -> None:
    # "walker" is a known word, so no fuzzy variants ("water") may be added for it.
    codes = [h.record.code for h in searcher.search("walker", mode="keyword").hits]
    assert set(codes[:2]) == {"E0130", "E0143"}


def test_evidence_is_reported(searcher: Searcher) -> None:
    hit = searcher.search("toradol shot", mode="hybrid").hits[0]
    assert "synonyms" in hit.matched_fields and "toradol" in hit.matched_terms
    assert hit.ranks["keyword"] == 1


def test_autocomplete_prefixes(searcher: Searcher) -> None:
    assert searcher.autocomplete("cpap dev")[0].record.code == "E0601"
    assert searcher.autocomplete("dexameth sod phos")[0].record.code == "J1100"
    assert searcher.autocomplete("E06")[0].record.code == "E0601"
    assert searcher.autocomplete("zzzzq") == []


def test_bad_queries(searcher: Searcher) -> None:
    with pytest.raises(BadRequest):
        searcher.search("  * : ( ")
    with pytest.raises(NotFound):
        searcher.lookup("Z9999")
    assert searcher.search("AND ( * : psoriasis").hits[0].record.code in {"G9649", "G9650"}


def test_typo_and_truncated_words_are_repaired(searcher: Searcher) -> None:
    result = searcher.search("ketorolak", mode="hybrid")
    assert result.hits[0].record.code == "J1885"
    assert [(c.word, c.replacement, c.kind) for c in result.query.corrections] == [
        ("ketorolak", "ketorolac", "spelling")
    ]
    truncated = searcher.search("wheelch lightw", mode="keyword")
    assert truncated.hits[0].record.code == "K0003"
    assert {c.kind for c in truncated.query.corrections} == {"completion"}


def test_known_words_are_never_corrected(searcher: Searcher) -> None:
    assert searcher.search("walker", mode="keyword").query.corrections == []


@pytest.mark.parametrize("text", ["inj", "wheel", "dexameth sod", "knee or", "e"])
def test_autocomplete_returns_every_match_and_only_matches(searcher: Searcher, text: str) -> None:
    from indexer.analysis import tokens

    words = tokens(text)

    def matches(record: CodeRecord) -> bool:
        held = tokens(
            " ".join(
                [
                    record.display,
                    record.descriptor_short,
                    record.descriptor_expanded,
                    *record.synonyms,
                ]
            )
        )
        return all(any(t.startswith(w) for t in held) for w in words)

    expected = {
        r.code
        for r in searcher.records
        if r.active and r.system != "MODIFIER" and (matches(r) or r.code.lower().startswith(text))
    }
    found = [h.record.code for h in searcher.autocomplete(text, limit=1000)]
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_a_served_build_does_not_read_the_live_corpus(fixture_root: Path, tmp_path: Path) -> None:
    """Every table the query side uses is in the build: editing corpus/ after a build
    changes nothing a searcher opened on that build answers."""
    corpus = tmp_path / "corpus"
    shutil.copytree(fixture_root / "corpus", corpus)
    settings = fixture_settings(fixture_root, corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index(settings)

    def answers() -> list[tuple[str, list[str], list[str]]]:
        searcher = Searcher.open(settings)
        try:
            found = []
            for text in ("toradol", "chrnc care mgmt", "shot for pain"):
                result = searcher.search(text, mode="keyword", limit=5)
                expansions = [e.replacement for e in result.query.expansions]
                found.append((text, [h.record.code for h in result.hits], expansions))
            return found
        finally:
            searcher.close()

    before = answers()
    assert any(expansions for _t, _c, expansions in before)  # the tables are in play
    for table in ("brands.tsv", "lay_terms.tsv", "abbreviations.tsv"):
        header = (corpus / table).read_text(encoding="utf-8").splitlines()[0]
        (corpus / table).write_text(header + "\n", encoding="utf-8")
    assert answers() == before
