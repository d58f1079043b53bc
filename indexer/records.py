"""The code record: one per code (or modifier), whatever file it came from."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CPT_PATTERN = re.compile(r"^(\d{5}|\d{4}[FTUM])$")
HCPCS_PATTERN = re.compile(r"^[A-V]\d{4}$")

# HCPCS Level II letter ranges (CMS's own grouping of the alphanumeric codes).
HCPCS_CATEGORIES: dict[str, str] = {
    "A": "Transportation, medical and surgical supplies, miscellaneous and experimental",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient prospective payment system (temporary hospital codes)",
    "D": "Dental procedures",
    "E": "Durable medical equipment",
    "G": "Procedures and professional services (temporary)",
    "H": "Alcohol and drug abuse treatment services",
    "J": "Drugs administered other than oral method, chemotherapy drugs",
    "K": "Durable medical equipment (temporary codes for DME MACs)",
    "L": "Orthotic and prosthetic procedures and devices",
    "M": "Medical services and quality measures",
    "P": "Pathology and laboratory services",
    "Q": "Temporary codes",
    "R": "Diagnostic radiology services",
    "S": "Temporary national codes (non-Medicare)",
    "T": "National codes established for state Medicaid agencies",
    "U": "Coronavirus diagnostic panel",
    "V": "Vision, hearing and speech-language pathology services",
}

# CPT sections by numeric range (the range boundaries are public facts, not AMA text).
CPT_SECTIONS: list[tuple[int, int, str, str]] = [
    (0, 1999, "cpt-anesthesia", "Anesthesia"),
    (10004, 69990, "cpt-surgery", "Surgery"),
    (70010, 79999, "cpt-radiology", "Radiology"),
    (80047, 89398, "cpt-pathology", "Pathology and laboratory"),
    (90281, 99199, "cpt-medicine", "Medicine"),
    (99201, 99499, "cpt-em", "Evaluation and management"),
    (99500, 99607, "cpt-medicine", "Medicine"),
]


def category_of(code: str, system: str) -> tuple[str, str]:
    """Category id and name for a code: HCPCS letter range or CPT section."""
    if system == "MODIFIER":
        return "modifier", "Modifiers"
    if system == "HCPCS":
        letter = code[0]
        return f"hcpcs-{letter.lower()}", HCPCS_CATEGORIES.get(letter, "Other HCPCS Level II")
    if code[-1] == "F":
        return "cpt-category-ii", "Category II (performance measurement)"
    if code[-1] in "TUM":
        return "cpt-category-iii", "Category III (emerging technology) and other"
    number = int(code[:5])
    for low, high, cid, name in CPT_SECTIONS:
        if low <= number <= high:
            return cid, name
    return "cpt-other", "Other CPT"


@dataclass
class RvuInfo:
    status_code: str
    work_rvu: float | None
    total_rvu_nonfacility: float | None
    total_rvu_facility: float | None
    global_days: str | None
    release: str


@dataclass
class CodeRecord:
    code: str
    system: str  # HCPCS, CPT or MODIFIER
    descriptor_short: str
    descriptor_long: str | None = None
    descriptor_expanded: str = ""  # short descriptor with CMS shorthand spelled out
    active: bool = True
    added_date: str | None = None
    effective_date: str | None = None
    termination_date: str | None = None
    action_code: str | None = None
    category_id: str = ""
    category: str = ""
    betos: str | None = None
    type_of_service: list[str] = field(default_factory=list)
    coverage: str | None = None
    cross_references: list[str] = field(default_factory=list)
    rvu: RvuInfo | None = None
    release: str = ""
    sources: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    plain_language: str | None = None

    @property
    def display(self) -> str:
        return self.descriptor_long or self.descriptor_expanded or self.descriptor_short

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["display"] = self.display
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeRecord:
        values = {k: v for k, v in data.items() if k != "display"}
        rvu = values.pop("rvu", None)
        return cls(**values, rvu=RvuInfo(**rvu) if rvu else None)


def code_key(code: str, modifier: bool = False) -> str:
    """The one key of a record in a build: its code, or ``MOD:<code>`` for a modifier
    (modifier codes such as ``25`` or ``LT`` are not codes of any code system)."""
    return f"MOD:{code}" if modifier else code


def record_key(record: CodeRecord) -> str:
    return code_key(record.code, record.system == "MODIFIER")


RECORDS_FILE = "records.jsonl"  # one CodeRecord per line, in a build's folder


def save_records(records: list[CodeRecord], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")


def read_records(path: Path) -> list[CodeRecord]:
    with path.open(encoding="utf-8") as handle:
        return [CodeRecord.from_dict(json.loads(line)) for line in handle]
