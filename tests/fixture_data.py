"""A small corpus written for the tests: HCPCS-shaped and CPT-shaped codes in CMS's file formats.

The HCPCS descriptors are public-domain Level II wording; the CPT-shaped rows use the
project's own invented wording (no AMA text).
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
import zipfile
from pathlib import Path

# code, short descriptor, long descriptor, add date, termination date
HCPCS_NEW = [
    (
        "A0428",
        "Bls",
        "Ambulance service, basic life support, non-emergency transport, (bls)",
        "20050101",
        "",
    ),
    ("A4245", "Alcohol wipes", "Alcohol wipes, per box", "19930101", ""),
    ("A4554", "Disposable underpads", "Disposable underpads, all sizes", "19980101", ""),
    ("A4614", "Hand-held pef meter", "Peak expiratory flow rate meter, hand held", "19960101", ""),
    (
        "A4627",
        "Spacer bag/reservoir",
        "Spacer, bag or reservoir, with or without mask, for use with metered dose inhaler",
        "19960101",
        "",
    ),
    (
        "A7046",
        "Repl water chamber, pap dev",
        "Water chamber for humidifier, used with positive airway pressure device, replacement, each",
        "20060101",
        "",
    ),
    (
        "E0110",
        "Crutch forearm pair",
        "Crutches, forearm, includes crutches of various materials, adjustable or fixed, pair, complete with tips and handgrips",
        "19860101",
        "",
    ),
    (
        "E0130",
        "Walker rigid adjust/fixed ht",
        "Walker, rigid (pickup), adjustable or fixed height",
        "19860101",
        "",
    ),
    (
        "E0143",
        "Walker folding wheeled w/o s",
        "Walker, folding, wheeled, adjustable or fixed height",
        "19930101",
        "",
    ),
    (
        "E0255",
        "Hospital bed var ht w/ mattr",
        "Hospital bed, variable height, hi-lo, with any type side rails, with mattress",
        "19860101",
        "",
    ),
    (
        "E0562",
        "Humidifier heated used w pap",
        "Humidifier, heated, used with positive airway pressure device",
        "20060101",
        "",
    ),
    (
        "E0601",
        "Cont airway pressure device",
        "Continuous positive airway pressure (cpap) device",
        "19880101",
        "",
    ),
    (
        "E0935",
        "Exercise device passive motn",
        "Continuous passive motion exercise device for use on knee only",
        "19920101",
        "",
    ),
    (
        "G0008",
        "Admin influenza virus vac",
        "Administration of influenza virus vaccine",
        "19930101",
        "",
    ),
    ("G0127", "Trim nail(s)", "Trimming of dystrophic nails, any number", "19980101", ""),
    (
        "G0438",
        "Ppps, initial visit",
        "Annual wellness visit; includes a personalized prevention plan of service (pps), initial visit",
        "20110101",
        "",
    ),
    (
        "G0439",
        "Ppps, subseq visit",
        "Annual wellness visit, includes a personalized prevention plan of service (pps), subsequent visit",
        "20110101",
        "",
    ),
    (
        "G9649",
        "Psor as doc spc bm",
        "Psoriasis assessment tool documented meeting any one of the specified benchmarks (e.g., (pga; 5-point or 6-point scale), body surface area (bsa), psoriasis area and severity index (pasi) and/or dermatology life quality index) (dlqi))",
        "20160101",
        "",
    ),
    (
        "G9650",
        "Psor as doc not met",
        "Documentation that the patient did not meet any one of the specified benchmarks for psoriasis assessment",
        "20160101",
        "",
    ),
    (
        "J0129",
        "Abatacept injection",
        "Injection, abatacept, 10 mg (code may be used for medicare when drug administered under the direct supervision of a physician, not for use when drug is self administered)",
        "20070101",
        "",
    ),
    (
        "J0561",
        "Penicillin g benzathine inj",
        "Injection, penicillin g benzathine, 100,000 units",
        "20110101",
        "",
    ),
    (
        "J1100",
        "Dexamethasone sodium phos",
        "Injection, dexamethasone sodium phosphate, 1 mg",
        "19950101",
        "",
    ),
    (
        "J1885",
        "Ketorolac tromethamine inj",
        "Injection, ketorolac tromethamine, per 15 mg",
        "19930101",
        "",
    ),
    (
        "J2405",
        "Ondansetron hcl injection",
        "Injection, ondansetron hydrochloride, per 1 mg",
        "19950101",
        "",
    ),
    (
        "J3420",
        "Vitamin b12 injection",
        "Injection, vitamin b-12 cyanocobalamin, up to 1,000 mcg",
        "19950101",
        "",
    ),
    ("J3475", "Inj magnesium sulfate", "Injection, magnesium sulfate, per 500 mg", "19950101", ""),
    (
        "J7613",
        "Albuterol non-comp unit",
        "Albuterol, inhalation solution, fda-approved final product, non-compounded, administered through dme, unit dose, 1 mg",
        "20080101",
        "",
    ),
    (
        "J9060",
        "Cisplatin 10 mg injection",
        "Injection, cisplatin, powder or solution, 10 mg",
        "19950101",
        "",
    ),
    ("K0001", "Standard wheelchair", "Standard wheelchair", "19930101", ""),
    ("K0003", "Lightweight wheelchair", "Lightweight wheelchair", "19930101", ""),
    (
        "L0120",
        "Cerv flexible non-adjustable",
        "Cervical, flexible, nonadjustable, prefabricated, off-the-shelf (foam collar)",
        "19930101",
        "",
    ),
    ("L3260", "Surgical boot each", "Surgical boot/shoe, each", "19930101", ""),
    ("Q0092", "Set up port xray equipment", "Set-up portable x-ray equipment", "19950101", ""),
    (
        "Q0144",
        "Azithromycin dihydrate, oral",
        "Azithromycin dihydrate, oral, capsules/powder, 1 gram",
        "19970101",
        "",
    ),
    ("V2781", "Progressive lens per lens", "Progressive lens, per lens", "19990101", ""),
    (
        "A9999",
        "Misc dme supply or accessory",
        "Miscellaneous dme supply or accessory, not otherwise specified",
        "19930101",
        "20250101",
    ),
]
# Codes of the older release only; G0001 is terminated in it, A4206 is changed by the newer one.
HCPCS_OLD_ONLY = [
    (
        "G0001",
        "Drawing blood for specimen",
        "Routine venipuncture for collection of specimen(s)",
        "19900101",
        "20050101",
    ),
    (
        "A4206",
        "1 cc sterile syringe&needle",
        "Syringe with needle, sterile, 1 cc or less, each (older wording)",
        "19930101",
        "",
    ),
]
HCPCS_NEW_CHANGED = [
    (
        "A4206",
        "1 cc sterile syringe&needle",
        "Syringe with needle, sterile, 1 cc or less, each",
        "19930101",
        "",
    ),
]
# History between the two releases (invented wording): C9901 is terminated by the newer
# release, which cross-references it to J9902, a code that release adds; Q9903 was
# terminated in the older release and is active again in the newer one.
HISTORY_OLD = [
    ("C9901", "Inj zorbavimab 1 mg", "Injection, zorbavimab (fixture drug), 1 mg", "20240101", ""),
    (
        "Q9903",
        "Quixifoam dressing",
        "Quixifoam wound dressing (fixture item), each",
        "20200101",
        "20240630",
    ),
]
HISTORY_NEW = [
    (
        "C9901",
        "Inj zorbavimab 1 mg",
        "Injection, zorbavimab (fixture drug), 1 mg",
        "20240101",
        "20241231",
    ),
    ("J9902", "Inj zorbavimab 1 mg", "Injection, zorbavimab (fixture drug), 1 mg", "20250101", ""),
    (
        "Q9903",
        "Quixifoam dressing",
        "Quixifoam wound dressing (fixture item), each",
        "20200101",
        "",
    ),
]
XREFS = {"C9901": "J9902"}  # written to the newer release only
MODIFIERS = [
    (
        "LT",
        "Left side",
        "Left side (used to identify procedures performed on the left side of the body)",
    ),
    (
        "RT",
        "Right side",
        "Right side (used to identify procedures performed on the right side of the body)",
    ),
]

# CPT-shaped codes with the project's own invented short wording (not AMA text).
CPT_ROWS = [
    ("99213", "Office visit est pt low mdm", "A", "0.85"),
    ("99214", "Office visit est pt mod mdm", "A", "1.30"),
    ("99490", "Chrnc care mgmt staff 1st 20", "A", "1.00"),
    ("99491", "Chrnc care mgmt md 1st 30", "A", "1.45"),
    ("90834", "Psytx w pt 45 minutes", "A", "2.00"),
    ("90837", "Psytx w pt 60 minutes", "A", "3.00"),
    ("90839", "Psytx crisis initial 60 min", "A", "3.10"),
    ("96372", "Ther/proph/diag inj sc/im", "A", "0.17"),
    ("36415", "Routine venipuncture", "X", "0.00"),
    ("93000", "Electrocardiogram complete", "A", "0.17"),
    ("71046", "X-ray exam chest 2 views", "A", "0.22"),
    ("27447", "Total knee arthroplasty", "A", "19.60"),
    ("0001U", "Rbc dna hea 35 ag 11 bld grp", "X", "0.00"),
    ("99999", "Old deleted service", "D", "0.00"),
]


def _fixed_width(
    rows: list[tuple[str, str, str, str, str]], modifiers: list[tuple[str, str, str]]
) -> bytes:
    lines = []

    def record(
        code_field: str, recid: str, long: str, short: str, add: str, term: str, seq: int
    ) -> list[str]:
        chunks = textwrap.wrap(long, 80) or [""]  # CMS breaks at word boundaries
        out = []
        for n, chunk in enumerate(chunks):
            line = [" "] * 320
            line[0:5] = code_field.ljust(5)[:5]
            line[5:10] = f"{seq:05d}"
            line[10] = recid if n == 0 else str(int(recid) + 1)
            line[11:91] = chunk.ljust(80)
            if n == 0:
                line[91:119] = short.ljust(28)[:28]
                line[229] = "C"
                line[256:259] = "D1E"
                line[260] = "1"
                line[268:276] = add.ljust(8)
                line[276:284] = add.ljust(8)
                line[284:292] = term.ljust(8)
                line[292] = "N"
            out.append("".join(line))
        return out

    for code, long, short in [(m[0], m[2], m[1]) for m in modifiers]:
        lines += record("   " + code, "7", long, short, "19840101", "", 10)
    for code, short, long, add, term in rows:
        lines += record(code, "3", long, short, add, term, 10)
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _workbook(
    rows: list[tuple[str, str, str, str, str]], modifiers: list[tuple[str, str, str]]
) -> bytes:
    import openpyxl

    header = [
        "HCPC",
        "SEQNUM",
        "RECID",
        "LONG DESCRIPTION",
        "SHORT DESCRIPTION",
        "XREF1",
        "COV",
        "BETOS",
        "TOS1",
        "ADD DT",
        "ACT EFF DT",
        "TERM DT",
        "ACTION CD",
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for code, short, long in modifiers:
        sheet.append(
            [
                "   " + code,
                "0010",
                "7",
                long,
                short,
                "",
                "C",
                "",
                "",
                "19840101",
                "19970101",
                "",
                "N",
            ]
        )
    for code, short, long, add, term in rows:
        xref = XREFS.get(code, "") if term else ""
        sheet.append([code, "0010", "3", long, short, xref, "C", "D1E", "1", add, add, term, "N"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rvu_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    width = 31
    banner = [
        ["", "", "Test Physician Fee Schedule Relative Value File"],
        ["", "", "Rows written for the tests."],
        [],
        [],
        [],
        ["", "", "", "", "NOT USED"],
        ["", "", "", "", "FOR"],
        [
            "",
            "",
            "",
            "STATUS",
            "MEDICARE",
            "WORK",
            "",
            "",
            "",
            "",
            "",
            "NON-FACILITY",
            "FACILITY",
            "PCTC",
            "GLOB",
        ],
        [
            "HCPCS",
            "MOD",
            "DESCRIPTION",
            "CODE",
            "PAYMENT",
            "RVU",
            "PE RVU",
            "INDICATOR",
            "PE RVU",
            "INDICATOR",
            "RVU",
            "TOTAL",
            "TOTAL",
            "IND",
            "DAYS",
        ],
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in banner:
        writer.writerow(line + [""] * (width - len(line)))
    for code, short, status, work in rows:
        total = f"{float(work) * 2:.2f}"
        base = [
            code,
            "",
            short,
            status,
            "",
            work,
            "0.00",
            "",
            "0.00",
            "",
            "0.00",
            total,
            total,
            "0",
            "XXX",
        ]
        writer.writerow(base + [""] * (width - len(base)))
        if code == "93000":
            writer.writerow([code, "26"] + base[2:] + [""] * (width - len(base)))
    writer.writerow(
        [
            "G0438",
            "",
            "Ppps, initial visit",
            "A",
            "",
            "2.60",
            "0.00",
            "",
            "0.00",
            "",
            "0.00",
            "5.00",
            "5.00",
            "9",
            "XXX",
        ]
        + [""] * (width - 15)
    )
    out.write("\x1a" + "," * (width - 1) + "\r\n")
    return out.getvalue().encode("cp1252")


ENRICHMENT = [
    {
        "code": "G9649",
        "plain_language": "The patient's response to medicine for psoriasis, such as a biologic or other systemic treatment, was checked with a standard assessment tool and met the goal.",
        "synonyms": ["biologic therapy for psoriasis", "systemic psoriasis treatment response"],
    },
    {
        "code": "J1885",
        "plain_language": "A shot of ketorolac, an anti-inflammatory pain reliever, billed per 15 mg.",
        "synonyms": ["toradol shot", "ketorolac injection"],
    },
    {
        "code": "E0601",
        "plain_language": "A machine that keeps the airway open during sleep for people with sleep apnea.",
        "synonyms": ["cpap machine", "sleep apnea machine"],
    },
    {
        "code": "99490",
        "plain_language": "Monthly care coordination for a patient with two or more long-lasting conditions, done by clinical staff, first 20 minutes.",
        "synonyms": ["CCM", "chronic care management"],
    },
    {
        "code": "J3420",
        "plain_language": "A vitamin B12 shot, up to 1,000 micrograms.",
        "synonyms": ["b12 shot"],
    },
]
ABBREVIATIONS = [
    ("psytx", "psychotherapy"),
    ("chrnc", "chronic"),
    ("mgmt", "management"),
    ("w", "with"),
    ("pt", "patient"),
    ("est", "established"),
    ("mdm", "medical decision making"),
]
LAY_TERMS = [
    ("shot", "injection"),
    ("breathing machine", "ventilator"),
    ("breathing machine", "continuous positive airway pressure"),
    ("walker with wheels", "wheeled walker"),
    ("blood draw", "venipuncture"),
    ("heart tracing", "electrocardiogram"),
]
BRANDS = [
    ("toradol", "ketorolac"),
    ("zofran", "ondansetron"),
    ("orencia", "abatacept"),
    ("bicillin", "penicillin g benzathine"),
]


def write_sources(root: Path) -> Path:
    """Two HCPCS releases (a zip with the fixed-width text, a newer workbook) and an RVU csv."""
    data = root / "data"
    (data / "hcpcs" / "old").mkdir(parents=True)
    (data / "hcpcs" / "new").mkdir(parents=True)
    (data / "rvu").mkdir(parents=True)
    old_rows = [r for r in HCPCS_NEW if r[0] not in {"A9999"}] + HCPCS_OLD_ONLY + HISTORY_OLD
    with zipfile.ZipFile(
        data / "hcpcs" / "old" / "october-2024-alpha-numeric-hcpcs-file.zip", "w"
    ) as archive:
        archive.writestr("HCPC2024_OCT_ANWEB_test.txt", _fixed_width(old_rows, MODIFIERS))
        archive.writestr("HCPC2024_recordlayout.txt", "layout")
    new_rows = (
        HCPCS_NEW
        + HCPCS_NEW_CHANGED
        + HISTORY_NEW
        + [
            (
                "G0001",
                "Drawing blood for specimen",
                "Routine venipuncture for collection of specimen(s)",
                "19900101",
                "20050101",
            )
        ]
    )
    (data / "hcpcs" / "new" / "HCPC2025_JAN_ANWEB_test.xlsx").write_bytes(
        _workbook(new_rows, MODIFIERS)
    )
    (data / "rvu" / "PPRRVU25_JAN.csv").write_bytes(_rvu_csv(CPT_ROWS))
    return data


def write_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "enrichment").mkdir(parents=True)
    (corpus / "enrichment" / "test.jsonl").write_text(
        "\n".join(json.dumps(e) for e in ENRICHMENT) + "\n"
    )
    for name, header, rows in [
        ("abbreviations.tsv", "abbreviation\texpansion", ABBREVIATIONS),
        ("lay_terms.tsv", "lay\tclinical", LAY_TERMS),
        ("brands.tsv", "brand\tgeneric", BRANDS),
    ]:
        (corpus / name).write_text(header + "\n" + "\n".join(f"{a}\t{b}" for a, b in rows) + "\n")
    return corpus
