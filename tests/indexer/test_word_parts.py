from __future__ import annotations

import random
import re
import time
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.word_parts import KINDS, WordPart, WordParts

TABLE = Path(__file__).resolve().parents[2] / "corpus" / "word_parts.tsv"


@cache
def _shared_table() -> WordParts:
    return WordParts.load(TABLE)


@pytest.fixture(scope="module")
def table() -> WordParts:
    return _shared_table()


def _names(parts: list[WordPart] | None) -> list[str] | None:
    return None if parts is None else [p.part for p in parts]


# ---- the table file


def test_header_kinds_and_rows() -> None:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "part\tkind\tmeaning"
    rows = [line.split("\t") for line in lines[1:]]
    assert 400 <= len(rows) <= 700
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):
        assert len(row) == 3, f"row {number}: {row}"
        part, kind, meaning = row
        assert re.fullmatch(r"[a-z]{2,}", part), f"row {number}: {part!r}"
        assert kind in KINDS, f"row {number}: {kind!r}"
        alternatives = meaning.split(" | ")
        assert all(re.fullmatch(r"[a-z][a-z' -]*[a-z]", a) for a in alternatives), number
        assert len(alternatives) == len(set(alternatives)), f"row {number}: repeated meaning"
        assert all(len(a.split()) <= 7 for a in alternatives), f"row {number}: too long"
        assert (part, kind) not in seen, f"row {number}: {part} {kind} repeated"
        seen.add((part, kind))
    kinds = {kind: sum(1 for row in rows if row[1] == kind) for kind in KINDS}
    assert kinds["prefix"] >= 50 and kinds["root"] >= 300 and kinds["suffix"] >= 60


def test_every_row_parses(table: WordParts) -> None:
    data_rows = TABLE.read_text(encoding="utf-8").splitlines()[1:]
    assert len(table) == len(data_rows)
    assert all(isinstance(p, WordPart) and p.meanings for p in table.parts)
    chole = next(p for p in table.parts if p.part == "chole")
    assert chole == WordPart("chole", "root", ("gall", "bile"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("part\tkind\n", "row 1"),
        ("part\tkind\tmeaning\ncolo\troot\n", "row 2"),
        ("part\tkind\tmeaning\ncolo\troot\tcolon\nGastro\troot\tstomach\n", "row 3"),
        ("part\tkind\tmeaning\ncolo\tstem\tcolon\n", "row 2"),
        ("part\tkind\tmeaning\ncolo\troot\tcolon | \n", "row 2"),
        ("part\tkind\tmeaning\ncolo\troot\tcolon\n\ncolo\troot\tbowel\n", "row 4"),
    ],
)
def test_malformed_rows_name_the_file_and_row(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "parts.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as raised:
        WordParts.load(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_missing_file_gives_an_empty_table(tmp_path: Path) -> None:
    empty = WordParts.load(tmp_path / "absent.tsv")
    assert len(empty) == 0
    assert empty.decompose("cholecystectomy") is None
    assert empty.meanings("cholecystectomy") == []
    assert empty.parts_for_phrase("removal of the gallbladder") == []


# ---- decompose

PROCEDURES = {
    "cholecystectomy": ["chole", "cyst", "ectomy"],
    "appendectomy": ["append", "ectomy"],
    "colonoscopy": ["colo", "oscopy"],
    "bronchoscopy": ["broncho", "oscopy"],
    "myringotomy": ["myringo", "otomy"],
    "tympanostomy": ["tympano", "ostomy"],
    "arthroscopy": ["arthro", "oscopy"],
    "arthroplasty": ["arthro", "plasty"],
    "laparoscopy": ["laparo", "oscopy"],
    "laparoscopic": ["laparo", "oscopy"],
    "hysterectomy": ["hystero", "ectomy"],
    "nephrectomy": ["nephro", "ectomy"],
    "cystoscopy": ["cyst", "oscopy"],
    "laryngoscopy": ["laryngo", "oscopy"],
    "esophagogastroduodenoscopy": ["esophago", "gastro", "duodeno", "oscopy"],
    "thoracentesis": ["thoraco", "centesis"],
    "paracentesis": ["para", "centesis"],
    "arthrocentesis": ["arthro", "centesis"],
    "pericardiocentesis": ["peri", "cardio", "centesis"],
    "angioplasty": ["angio", "plasty"],
    "rhinoplasty": ["rhino", "plasty"],
    "tonsillectomy": ["tonsillo", "ectomy"],
    "mastectomy": ["masto", "ectomy"],
    "gastrostomy": ["gastro", "ostomy"],
    "colostomy": ["colo", "ostomy"],
    "tracheostomy": ["tracheo", "ostomy"],
    "craniotomy": ["cranio", "otomy"],
    "osteotomy": ["osteo", "otomy"],
    "arthrodesis": ["arthro", "desis"],
    "herniorrhaphy": ["hernio", "rrhaphy"],
    "orchiopexy": ["orchio", "pexy"],
    "lithotripsy": ["litho", "tripsy"],
    "nephrolithotomy": ["nephro", "litho", "otomy"],
    "lymphadenectomy": ["lympho", "adeno", "ectomy"],
    "cholangiopancreatography": ["chole", "angio", "pancreato", "graphy"],
    "gastrojejunostomy": ["gastro", "jejuno", "ostomy"],
    "hemicolectomy": ["hemi", "colo", "ectomy"],
    "endarterectomy": ["endo", "arterio", "ectomy"],
    "vertebroplasty": ["vertebro", "plasty"],
    "echocardiography": ["echo", "cardio", "graphy"],
    "electrocardiogram": ["electro", "cardio", "gram"],
    "polysomnography": ["poly", "somno", "graphy"],
    "anoscopy": ["ano", "oscopy"],
    "biopsy": ["bio", "opsy"],
    "biopsies": ["bio", "opsy"],
    "myomectomy": ["myomo", "ectomy"],
    "hemodialysis": ["hemo", "dia", "lysis"],
    "intravenous": ["intra", "veno", "ous"],
    "subcutaneous": ["sub", "cutaneo", "ous"],
    "percutaneous": ["per", "cutaneo", "ous"],
    "transurethral": ["trans", "urethro", "al"],
    "bradycardia": ["brady", "cardio", "ia"],
    "hypoxia": ["hypo", "oxy", "ia"],
    "hyperplasia": ["hyper", "plasia"],
    "stenoses": ["steno", "osis"],
    "Tympanoplasty": ["tympano", "plasty"],
}


@pytest.mark.parametrize(("word", "expected"), sorted(PROCEDURES.items()))
def test_procedure_words_decompose(table: WordParts, word: str, expected: list[str]) -> None:
    assert _names(table.decompose(word)) == expected


ORDINARY = (
    "together material contrast patient service imaging without minutes catheter "
    "wheelchair treatment replacement measurement management procedure pressure evaluation "
    "shoulder physician accessory screening assessment program otherwise professional "
    "personal collateral protocol medical physical radical temporary spiral general "
    "national natural serial proven prevention analysis diameter centimeter diagnosis "
    "hospital digital capital interval universal dressing supplies"
).split()


@pytest.mark.parametrize("word", ORDINARY)
def test_ordinary_words_do_not_decompose(table: WordParts, word: str) -> None:
    assert table.decompose(word) is None


@pytest.mark.parametrize("word", ["", "colon", "cysto", "gastro-stomy", "colectomy2", "café"])
def test_short_and_non_letter_words_do_not_decompose(table: WordParts, word: str) -> None:
    assert table.decompose(word) is None


def test_a_single_part_is_no_compound(table: WordParts) -> None:
    assert table.decompose("laryngo") is None
    assert table.decompose("ectomy") is None
    assert table.decompose("therapy") is None


def test_spellings_of_a_part_answer_with_the_first_listed(table: WordParts) -> None:
    assert _names(table.decompose("colectomy")) == ["colo", "ectomy"]
    assert _names(table.decompose("colonoscopy")) == ["colo", "oscopy"]
    assert table.parts_for_phrase("the large bowel") == ["colo"]


def test_decompose_returns_a_fresh_list(table: WordParts) -> None:
    first = table.decompose("gastrostomy")
    assert first is not None
    first.clear()
    assert _names(table.decompose("gastrostomy")) == ["gastro", "ostomy"]


def test_meanings(table: WordParts) -> None:
    meanings = table.meanings("cholecystectomy")
    assert meanings[:2] == ["gall", "bile"]
    assert {"bladder", "removal"} <= set(meanings)
    assert "eardrum" in table.meanings("myringotomy")
    assert table.meanings("patient") == []


@given(st.text(max_size=40))
def test_decompose_never_fails(text: str) -> None:
    result = _shared_table().decompose(text)
    if result is not None:
        assert len(result) >= 2
        assert result[0].kind != "suffix" and result[-1].kind != "prefix"


# ---- parts_for_phrase

PHRASES = {
    "Removal of the gallbladder": "cholecystectomy",
    "Surgical opening of the eardrum": "myringotomy",
    "Examination of the large bowel using an endoscope": "colonoscopy",
    "Examination of the lung airways using an endoscope": "bronchoscopy",
    "Removal of the appendix using an endoscope": "laparoscopic appendectomy",
    "Inflammation of a joint": "arthritis",
    "Suture of a hernia": "herniorrhaphy",
    "Puncture of the chest": "thoracentesis",
}


@pytest.mark.parametrize(("phrase", "compound"), sorted(PHRASES.items()))
def test_plain_phrases_find_the_parts_of_the_compound(
    table: WordParts, phrase: str, compound: str
) -> None:
    found = table.parts_for_phrase(phrase)
    parts: set[str] = set()
    for word in compound.split():
        names = _names(table.decompose(word))
        assert names is not None, word
        parts.update(names)
    assert len(found) >= 2
    assert set(found) <= parts, (found, parts)


def test_phrase_examples(table: WordParts) -> None:
    assert table.parts_for_phrase("Removal of the gallbladder") == ["ectomy", "chole", "cyst"]
    assert table.parts_for_phrase("surgical opening of the eardrum") == ["otomy", "myringo"]
    assert table.parts_for_phrase("Examination of the large bowel using an endoscope") == [
        "colo",
        "oscopy",
    ]


def test_phrases_match_whole_words_longest_first(table: WordParts) -> None:
    # "lung airway" (broncho) is taken before "lung" (pneumo...) and "airway" alone
    assert table.parts_for_phrase("the lung airways") == ["broncho"]
    # whole words only: "elbowel" holds "bowel" but is neither a meaning nor two of them
    assert table.parts_for_phrase("elbowel") == []
    # a closed compound splits into two meaning words
    assert table.parts_for_phrase("gallbladder") == ["chole", "cyst"]
    # a phrase shared by synonyms names all of them; a secondary meaning loses to a main one
    assert table.parts_for_phrase("vein") == ["phlebo", "veno"]
    assert table.parts_for_phrase("removal of the womb") == [
        "ectomy",
        "hystero",
        "utero",
        "metri",
    ]
    assert table.parts_for_phrase("eardrum") == ["myringo"]
    assert table.parts_for_phrase("") == []


# ---- speed


def _words_to_time(table: WordParts, count: int) -> list[str]:
    """Distinct words: compounds built from the table, near misses, and random letters."""
    rng = random.Random(20250101)
    names = [p.part for p in table.parts]
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < count:
        shape = rng.random()
        if shape < 0.5:
            word = "".join(rng.choice(names) for _ in range(rng.randint(2, 5)))
        elif shape < 0.8:
            word = "".join(rng.choice(names) for _ in range(rng.randint(2, 4)))
            cut = rng.randrange(len(word))
            word = word[:cut] + rng.choice(letters) + word[cut + 1 :]
        else:
            word = "".join(rng.choice(letters) for _ in range(rng.randint(6, 30)))
        words.add(word[:60])
    words.update(["o" * 60, "oa" * 30, "ectomy" * 10, "oscopyo" * 8, "cardio" * 10])
    return sorted(words)


def test_decomposition_is_fast_over_many_distinct_words() -> None:
    table = WordParts.load(TABLE)
    words = _words_to_time(table, 6000)
    assert len(words) >= 5000
    started = time.perf_counter()
    results = [table.decompose(word) for word in words]
    elapsed = time.perf_counter() - started
    assert elapsed < 10.0, f"{len(words)} words took {elapsed:.2f}s"
    assert sum(r is not None for r in results) > 1000
    started = time.perf_counter()
    assert [table.decompose(word) for word in words] == results
    assert time.perf_counter() - started < elapsed
