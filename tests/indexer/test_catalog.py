from __future__ import annotations

from pathlib import Path

from indexer.catalog import build_catalog
from indexer.enrichment import load_enrichment
from indexer.sources import discover
from indexer.vocabulary import Vocabulary, mine_abbreviations


def catalog(fixture_root: Path):  # type: ignore[no-untyped-def]
    vocabulary = Vocabulary.load(fixture_root / "corpus")
    return build_catalog(
        discover(fixture_root / "data"), vocabulary, load_enrichment(fixture_root / "corpus")
    )


def test_newest_release_wins_and_is_remembered(fixture_root: Path) -> None:
    records = catalog(fixture_root).records
    assert records["A4206"].descriptor_long == "Syringe with needle, sterile, 1 cc or less, each"
    assert records["A4206"].release == "2025-01"
    assert records["A4206"].sources == [
        "HCPC2024_OCT_ANWEB_test.txt",
        "HCPC2025_JAN_ANWEB_test.xlsx",
    ]


def test_status_systems_and_categories(fixture_root: Path) -> None:
    records = catalog(fixture_root).records
    assert not records["G0001"].active and records["G0001"].termination_date == "2005-01-01"
    assert not records["A9999"].active
    assert records["99490"].system == "CPT" and records["99490"].category_id == "cpt-em"
    assert records["0001U"].system == "CPT" and records["0001U"].category_id == "cpt-category-iii"
    assert records["27447"].category == "Surgery"
    assert records["J1885"].category_id == "hcpcs-j"
    assert not records["99999"].active  # RVU status D: deleted
    assert records["MOD:LT"].system == "MODIFIER"


def test_rvu_attached_to_hcpcs_code(fixture_root: Path) -> None:
    record = catalog(fixture_root).records["G0438"]
    assert record.rvu is not None and record.rvu.work_rvu == 2.6
    assert record.descriptor_long and "wellness" in record.descriptor_long


def test_enrichment_and_expansion(fixture_root: Path) -> None:
    records = catalog(fixture_root).records
    assert "toradol shot" in records["J1885"].synonyms
    assert records["90834"].descriptor_expanded == "psychotherapy with patient 45 minutes"


def test_mining_learns_shorthand_from_aligned_descriptors() -> None:
    pairs = [
        ("Chrnc pain mgmt", "Chronic pain management"),
        ("Chrnc cough", "Chronic cough"),
        ("Wheelchr standard", "Wheelchair standard"),
        ("Wheelchr light", "Wheelchair lightweight"),
        ("Zzq once", "Something else entirely"),
    ]
    mined = mine_abbreviations(pairs)
    assert mined["chrnc"] == "chronic" and mined["wheelchr"] == "wheelchair"
    assert "zzq" not in mined and "once" not in mined


def test_query_expansions_prefer_longest_phrase() -> None:
    vocabulary = Vocabulary(lay_terms={"breathing machine": ["ventilator"], "machine": ["device"]})
    found = vocabulary.query_expansions(["breathing", "machine", "at", "home"])
    assert found == [("breathing machine", "ventilator", "lay")]
