from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from indexer.errors import SourceError
from indexer.sources import classify, discover, fetch_manifest, release_from_name, sha256_of


@pytest.mark.parametrize(
    ("name", "release"),
    [
        ("HCPC2025_OCT_ANWEB_v3.xlsx", "2025-10"),
        ("HCPC2025_JAN_ANWEB_12172024.txt", "2025-01"),
        ("january-2025-alpha-numeric-hcpcs-file.zip", "2025-01"),
        ("PPRRVU25_JAN.csv", "2025-01"),
        ("RVU26B.zip", "2026-04"),
        ("HCPC2026_APR_ANWEB.xlsx", "2026-04"),
        ("notes.txt", None),
    ],
)
def test_release_from_name(name: str, release: str | None) -> None:
    assert release_from_name(name) == release


def test_classify_skips_companion_files() -> None:
    assert classify("HCPC2025_JAN_ANWEB_12172024.txt") == "hcpcs"
    assert classify("HCPC2025_JAN_ANWEB_Corrections_12172024.xlsx") is None
    assert classify("HCPC2025_JAN_Transaction Report_12172024.xlsx") is None
    assert classify("PPRRVU25_JAN.csv") == "rvu"


def test_discover_finds_both_releases_and_rvu(fixture_root: Path) -> None:
    found = discover(fixture_root / "data")
    kinds = [(s.kind, s.release, s.name) for s in found]
    assert ("hcpcs", "2024-10", "HCPC2024_OCT_ANWEB_test.txt") in kinds
    assert ("hcpcs", "2025-01", "HCPC2025_JAN_ANWEB_test.xlsx") in kinds
    assert ("rvu", "2025-01", "PPRRVU25_JAN.csv") in kinds


def test_discover_prefers_text_over_workbook_in_one_release(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "annual.zip", "w") as archive:
        archive.writestr("HCPC2030_JAN_ANWEB.txt", "x")
        archive.writestr("HCPC2030_JAN_ANWEB.xlsx", "x")
    (found,) = discover(tmp_path)
    assert found.name == "HCPC2030_JAN_ANWEB.txt" and found.release == "2030-01"


def test_discover_without_hcpcs_file_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=str(tmp_path)):
        discover(tmp_path)


def test_discover_truncated_zip_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SourceError, match="broken.zip"):
        discover(tmp_path)


def test_fetch_manifest_checks_sha256(tmp_path: Path) -> None:
    source = tmp_path / "HCPC2030_JAN_ANWEB.txt"
    source.write_text("content")
    good = sha256_of(source)
    manifest = tmp_path / "sources.json"
    manifest.write_text(
        json.dumps(
            {
                "files": [
                    {"url": f"file://{source}", "sha256": good, "name": "HCPC2030_JAN_ANWEB.txt"}
                ]
            }
        )
    )
    folder = fetch_manifest(manifest, tmp_path / "cache")
    assert sha256_of(next(folder.rglob("HCPC2030_JAN_ANWEB.txt"))) == good
    manifest.write_text(
        json.dumps(
            {"files": [{"url": f"file://{source}", "sha256": "0" * 64, "name": "other.txt"}]}
        )
    )
    with pytest.raises(SourceError, match="sha256"):
        fetch_manifest(manifest, tmp_path / "cache2")
    assert not list((tmp_path / "cache2").rglob("other.txt"))
