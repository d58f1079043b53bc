"""HCPCS Level II release files (ANWEB): the fixed-width .txt and the .xlsx workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .errors import SourceError
from .sources import decode_text

CODE_RECORD, CODE_CONTINUATION, MODIFIER_RECORD, MODIFIER_CONTINUATION = "3", "4", "7", "8"


@dataclass
class HcpcsRow:
    """One code or modifier of an HCPCS release, continuation lines already joined."""

    code: str
    is_modifier: bool
    descriptor_long: str
    descriptor_short: str
    cross_references: list[str] = field(default_factory=list)
    coverage: str | None = None
    betos: str | None = None
    type_of_service: list[str] = field(default_factory=list)
    added_date: str | None = None
    effective_date: str | None = None
    termination_date: str | None = None
    action_code: str | None = None
    row: int = 0


def _date(value: object) -> str | None:
    text = str(value or "").strip()
    if not text or set(text) == {"0"}:
        return None
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return None


def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


# Fixed-width layout (1-based inclusive positions in CMS's record layout), as 0-based slices.
_TXT = {
    "code": slice(0, 5),
    "recid": slice(10, 11),
    "long": slice(11, 91),
    "short": slice(91, 119),
    "xref": [slice(204 + 5 * i, 209 + 5 * i) for i in range(5)],
    "cov": slice(229, 230),
    "betos": slice(256, 259),
    "tos": [slice(260 + i, 261 + i) for i in range(5)],
    "add": slice(268, 276),
    "eff": slice(276, 284),
    "term": slice(284, 292),
    "action": slice(292, 293),
}


def parse_fixed_width(data: bytes, source: str) -> list[HcpcsRow]:
    """Parse the 320-character record file; RECID 4/8 lines continue the long descriptor."""
    text = decode_text(data, source)
    rows: list[HcpcsRow] = []
    current: HcpcsRow | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("\x1a"):
            continue
        if len(line) < 93:
            raise SourceError(source, f"record is {len(line)} characters, expected 320", number)
        recid = line[_TXT["recid"]]
        raw_code = line[_TXT["code"]]
        if recid in (CODE_CONTINUATION, MODIFIER_CONTINUATION):
            if current is None or current.code != raw_code.strip():
                raise SourceError(source, "continuation line without its first line", number)
            current.descriptor_long = f"{current.descriptor_long} {_clean(line[_TXT['long']])}"
            continue
        if recid not in (CODE_RECORD, MODIFIER_RECORD):
            raise SourceError(source, f"unknown record id {recid!r}", number)
        padded = line.ljust(320)
        current = HcpcsRow(
            code=raw_code.strip(),
            is_modifier=recid == MODIFIER_RECORD,
            descriptor_long=_clean(padded[_TXT["long"]]),
            descriptor_short=_clean(padded[_TXT["short"]]),
            cross_references=[x for s in _TXT["xref"] if (x := padded[s].strip())],
            coverage=padded[_TXT["cov"]].strip() or None,
            betos=padded[_TXT["betos"]].strip() or None,
            type_of_service=[t for s in _TXT["tos"] if (t := padded[s].strip())],
            added_date=_date(padded[_TXT["add"]]),
            effective_date=_date(padded[_TXT["eff"]]),
            termination_date=_date(padded[_TXT["term"]]),
            action_code=padded[_TXT["action"]].strip() or None,
            row=number,
        )
        rows.append(current)
    for row in rows:
        row.descriptor_long = _clean(row.descriptor_long)
    _check(rows, source)
    return rows


REQUIRED_COLUMNS = ("HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION")


def parse_workbook(data: bytes, source: str) -> list[HcpcsRow]:
    """Parse the ANWEB workbook: one row per code or modifier, columns named in row 1."""
    import openpyxl  # heavy; only when a workbook is read

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SourceError(source, f"not a readable .xlsx workbook ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip().upper() for h in next(rows_iter, ())]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise SourceError(source, f"missing columns {', '.join(missing)}", 1)
        index = {name: i for i, name in enumerate(header)}
        rows = list(_workbook_rows(rows_iter, index, source))
    finally:
        workbook.close()
    _check(rows, source)
    return rows


def _workbook_rows(
    rows: Iterable[tuple[object, ...]], index: dict[str, int], source: str
) -> Iterator[HcpcsRow]:
    def get(values: tuple[object, ...], name: str) -> str:
        i = index.get(name)
        return "" if i is None or i >= len(values) or values[i] is None else str(values[i])

    for number, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        recid = get(values, "RECID").strip()
        code = get(values, "HCPC").strip()
        if recid not in (CODE_RECORD, MODIFIER_RECORD):
            if recid in (CODE_CONTINUATION, MODIFIER_CONTINUATION):
                continue
            raise SourceError(source, f"unknown RECID {recid!r}", number)
        if not code:
            raise SourceError(source, "empty HCPC code", number)
        yield HcpcsRow(
            code=code,
            is_modifier=recid == MODIFIER_RECORD,
            descriptor_long=_clean(get(values, "LONG DESCRIPTION")),
            descriptor_short=_clean(get(values, "SHORT DESCRIPTION")),
            cross_references=[x for i in range(1, 6) if (x := get(values, f"XREF{i}").strip())],
            coverage=get(values, "COV").strip() or None,
            betos=get(values, "BETOS").strip() or None,
            type_of_service=[t for i in range(1, 6) if (t := get(values, f"TOS{i}").strip())],
            added_date=_date(get(values, "ADD DT")),
            effective_date=_date(get(values, "ACT EFF DT")),
            termination_date=_date(get(values, "TERM DT")),
            action_code=get(values, "ACTION CD").strip() or None,
            row=number,
        )


def _check(rows: list[HcpcsRow], source: str) -> None:
    if not rows:
        raise SourceError(source, "no HCPCS records found")
    seen: dict[tuple[str, bool], int] = {}
    for row in rows:
        key = (row.code, row.is_modifier)
        if key in seen:
            raise SourceError(
                source, f"duplicate code {row.code} (first at row {seen[key]})", row.row
            )
        seen[key] = row.row
        if not row.is_modifier and not (len(row.code) == 5 and row.code[0].isalpha()):
            raise SourceError(source, f"malformed HCPCS code {row.code!r}", row.row)
