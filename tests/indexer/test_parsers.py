from __future__ import annotations

import pytest

from indexer.errors import SourceError
from indexer.hcpcs import parse_fixed_width, parse_workbook
from indexer.rvu import parse_rvu_csv
from tests.fixture_data import (
    CPT_ROWS,
    HCPCS_NEW,
    MODIFIERS,
    _fixed_width,
    _rvu_csv,
    _workbook,
)


def test_fixed_width_joins_continuation_lines() -> None:
    rows = parse_fixed_width(_fixed_width(HCPCS_NEW, MODIFIERS), "test.txt")
    by_code = {r.code: r for r in rows}
    expected = next(r[2] for r in HCPCS_NEW if r[0] == "G9649")
    assert len(expected) > 160  # spans three records
    assert by_code["G9649"].descriptor_long == expected
    assert by_code["G9649"].added_date == "2016-01-01"
    assert by_code["LT"].is_modifier
    assert by_code["A9999"].termination_date == "2025-01-01"


def test_fixed_width_names_row_of_short_record() -> None:
    data = _fixed_width(HCPCS_NEW[:3], []) + b"A0000 short\r\n"
    with pytest.raises(SourceError, match="row 4"):
        parse_fixed_width(data, "test.txt")


def test_fixed_width_rejects_duplicate_codes() -> None:
    data = _fixed_width(HCPCS_NEW[:2] + HCPCS_NEW[:1], [])
    with pytest.raises(SourceError, match="duplicate code A0428"):
        parse_fixed_width(data, "test.txt")


def test_workbook_matches_fixed_width() -> None:
    text_rows = parse_fixed_width(_fixed_width(HCPCS_NEW, MODIFIERS), "t.txt")
    book_rows = parse_workbook(_workbook(HCPCS_NEW, MODIFIERS), "t.xlsx")
    assert [
        (r.code, r.descriptor_long, r.descriptor_short, r.termination_date) for r in text_rows
    ] == [(r.code, r.descriptor_long, r.descriptor_short, r.termination_date) for r in book_rows]


def test_workbook_missing_columns_named() -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["HCPC", "RECID", "SHORT"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(SourceError, match="missing columns LONG DESCRIPTION"):
        parse_workbook(buffer.getvalue(), "bad.xlsx")


def test_workbook_garbage_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="bad.xlsx"):
        parse_workbook(b"not a workbook", "bad.xlsx")


def test_rvu_banner_modifier_rows_and_eof() -> None:
    rows = {r.code: r for r in parse_rvu_csv(_rvu_csv(CPT_ROWS), "rvu.csv")}
    assert len(rows) == len(CPT_ROWS) + 1
    assert rows["99490"].work_rvu == 1.0 and rows["99490"].status_code == "A"
    assert rows["99490"].total_rvu_nonfacility == 2.0 and rows["99490"].global_days == "XXX"


def test_rvu_bad_number_names_row() -> None:
    data = _rvu_csv(CPT_ROWS).replace(b"0.85", b"abc")
    with pytest.raises(SourceError, match=r"rvu.csv, row \d+: WORK RVU is not a number"):
        parse_rvu_csv(data, "rvu.csv")


def test_rvu_without_header_fails() -> None:
    with pytest.raises(SourceError, match="no header row"):
        parse_rvu_csv(b"a,b,c\r\n1,2,3\r\n", "rvu.csv")
