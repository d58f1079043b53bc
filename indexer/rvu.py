"""The Physician Fee Schedule relative value file (PPRRVU*.csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .errors import SourceError
from .sources import decode_text

# Column names built by stacking the banner's header lines; these must all be present.
COLUMNS = {
    "code": "HCPCS",
    "modifier": "MOD",
    "descriptor": "DESCRIPTION",
    "status": "STATUS CODE",
    "work": "WORK RVU",
    "total_nonfacility": "NON-FACILITY TOTAL",
    "total_facility": "FACILITY TOTAL",
    "global_days": "GLOB DAYS",
}


@dataclass
class RvuRow:
    code: str
    descriptor_short: str
    status_code: str
    work_rvu: float | None
    total_rvu_nonfacility: float | None
    total_rvu_facility: float | None
    global_days: str | None
    row: int


def _number(value: str, source: str, row: int, column: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise SourceError(source, f"{column} is not a number: {text!r}", row) from exc


def parse_rvu_csv(data: bytes, source: str) -> list[RvuRow]:
    """One row per code: the row without a modifier (26/TC/53 rows repeat the code)."""
    text = decode_text(data, source)
    lines = list(csv.reader(io.StringIO(text)))
    header_at = next(
        (i for i, r in enumerate(lines) if r and r[0].strip().upper() == "HCPCS"), None
    )
    if header_at is None:
        raise SourceError(source, "no header row starting with HCPCS")
    width = len(lines[header_at])
    names = []
    for j in range(width):
        parts = [
            lines[k][j].strip()
            for k in range(max(0, header_at - 4), header_at + 1)
            if j < len(lines[k]) and lines[k][j].strip()
        ]
        names.append(" ".join(parts).upper())
    position: dict[str, int] = {}
    for key, wanted in COLUMNS.items():
        matches = [j for j, n in enumerate(names) if n == wanted or n.endswith(" " + wanted)]
        if key == "total_facility":
            matches = [j for j in matches if not names[j].endswith("NON-FACILITY TOTAL")]
        if not matches:
            raise SourceError(source, f"missing column {wanted!r}", header_at + 1)
        position[key] = matches[0]

    rows: dict[str, RvuRow] = {}
    for number, values in enumerate(lines[header_at + 1 :], start=header_at + 2):
        if not values or not values[0].strip() or values[0].startswith("\x1a"):
            continue
        if len(values) < width:
            raise SourceError(source, f"{len(values)} columns, expected {width}", number)
        code = values[position["code"]].strip().upper()
        if not code.isalnum() or len(code) != 5:
            raise SourceError(source, f"malformed code {code!r}", number)
        modifier = values[position["modifier"]].strip()
        if code in rows:
            previous = rows[code]
            if modifier:
                continue  # the code's own row (or an earlier modifier row) is kept
            if previous.row > 0:
                raise SourceError(
                    source, f"duplicate code {code} (first at row {previous.row})", number
                )
        row = RvuRow(
            code=code,
            descriptor_short=" ".join(values[position["descriptor"]].split()),
            status_code=values[position["status"]].strip(),
            work_rvu=_number(values[position["work"]], source, number, "WORK RVU"),
            total_rvu_nonfacility=_number(
                values[position["total_nonfacility"]], source, number, "NON-FACILITY TOTAL"
            ),
            total_rvu_facility=_number(
                values[position["total_facility"]], source, number, "FACILITY TOTAL"
            ),
            global_days=values[position["global_days"]].strip() or None,
            row=-number if modifier else number,  # negative: taken from a modifier row
        )
        rows[code] = row
    if not rows:
        raise SourceError(source, "no codes after the header")
    for row in rows.values():
        row.row = abs(row.row)
    return list(rows.values())
