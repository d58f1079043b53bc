"""Tests for indexer.attributes: typed attributes from code texts and queries.

The texts below are written for these tests in the styles of long descriptors, CMS
short-descriptor shorthand, plain language and queries; none is copied from a code set.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from indexer.attributes import (
    EPSILON,
    Agreement,
    Attribute,
    compare,
    extract,
    from_json,
    to_json,
)


def values(text: str, name: str) -> list[str | None]:
    """The categorical values of one attribute name read from a text, in order."""
    return [a.value for a in extract(text) if a.name == name]


def ranges(text: str, name: str) -> list[tuple[float | None, float | None]]:
    """The numeric ranges of one attribute name read from a text, rounded for comparison."""
    out = []
    for a in extract(text):
        if a.name == name:
            low = None if a.low is None else round(a.low, 4)
            high = None if a.high is None else round(a.high, 4)
            out.append((low, high))
    return out


def names(text: str) -> set[str]:
    return {a.name for a in extract(text)}


def agreement(query: str, code: str, name: str) -> Agreement:
    found = [g for g in compare(extract(query), extract(code)) if g.name == name]
    assert len(found) == 1, (query, code, compare(extract(query), extract(code)))
    return found[0]


# --------------------------------------------------------------------------------------
# contrast
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Computed tomography of neck spine; without contrast material, followed by "
            "contrast material(s) and further sections",
            ["without_then_with"],
        ),
        (
            "MR imaging of pelvis; without contrast material(s), followed by contrast "
            "material(s) and further sequences",
            ["without_then_with"],
        ),
        ("ct cervical spine with and without contrast", ["without_then_with"]),
        ("mri brain without and with contrast", ["without_then_with"]),
        ("Ct neck spine w/o & w/dye", ["without_then_with"]),
        ("Mri arm w/o&w/dye", ["without_then_with"]),
        ("Ct pelvis wo cntrst flwd cntrst", ["without_then_with"]),
        ("ct chest w/wo contrast", ["without_then_with"]),
        ("mra without contrast followed by with contrast, leg", ["without_then_with"]),
        ("Computed tomography of thorax; without contrast material", ["without"]),
        ("Mri knee w/o dye", ["without"]),
        ("non-contrast ct head", ["without"]),
        ("noncontrast ct abdomen", ["without"]),
        ("ct head no contrast", ["without"]),
        ("Computed tomography of abdomen; with contrast material(s)", ["with"]),
        ("Mri knee w/dye", ["with"]),
        ("contrast-enhanced mri of the liver", ["with"]),
        ("ct abdomen with iv contrast", ["with"]),
        ("Angiography of leg w/cont", ["with"]),
        ("mr angiography w or w/o dye", ["with", "without"]),
        ("mr angiography with or without contrast", ["with", "without"]),
    ],
)
def test_contrast(text: str, expected: list[str]) -> None:
    assert values(text, "contrast") == expected


def test_with_and_without_is_not_read_as_without() -> None:
    got = values("ct cervical spine with and without contrast", "contrast")
    assert "without" not in got and "with" not in got


def test_contrast_never_becomes_a_generic_feature() -> None:
    for text in ("ct without contrast", "mri w/dye", "ct w/o & w/dye", "non-contrast ct"):
        assert not any(n.startswith("feature:") for n in names(text)), text


def test_contrast_bath_and_contralateral_are_not_contrast() -> None:
    assert "contrast" not in names("contrast baths, each 15 minutes")
    assert "contrast" not in names("contralateral breast imaging")


# --------------------------------------------------------------------------------------
# generic features
# --------------------------------------------------------------------------------------


def test_feature_without_wheels_in_query() -> None:
    attrs = extract("folding pickup walker without wheels")
    assert [(a.name, a.value, a.text) for a in attrs] == [
        ("feature:wheel", "without", "without wheels")
    ]


def test_feature_from_single_word_list_item() -> None:
    assert values("Walker, folding, wheeled, adjustable or fixed height", "feature:wheel") == [
        "with"
    ]
    # A plain descriptor with no wheel wording states nothing about wheels.
    assert "feature:wheel" not in names("Walker, folding (pickup), adjustable or fixed height")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        (
            "Bed, fixed height, with any type side rails, with mattress",
            "feature:mattress",
            ["with"],
        ),
        (
            "Bed, fixed height, without side rails, without mattress",
            "feature:mattress",
            ["without"],
        ),
        ("Bed, fixed height, without side rails, without mattress", "feature:side", ["without"]),
        ("Brace w/ hinge, custom", "feature:hinge", ["with"]),
        ("Brace w/o hinge", "feature:hinge", ["without"]),
        ("Pouch w filter", "feature:filter", ["with"]),
        ("Ostomy pouch, no filter", "feature:filter", ["without"]),
        ("Catheter, non-coated", "feature:coated", ["without"]),
        ("Catheter, non coated", "feature:coated", ["without"]),
        ("Administration of drug, other than oral", "feature:oral", ["without"]),
        ("Syringe w/wo needle", "feature:needle", ["with", "without"]),
        ("Syringe, with or without needle", "feature:needle", ["with", "without"]),
        ("Gloves, latex-free, per pair", "feature:latex", ["without"]),
        ("Tracheostomy tube, uncuffed", "feature:cuff", ["without"]),
        ("Tracheostomy tube, cuffed", "feature:cuff", ["with"]),
        ("cordless pump", "feature:cord", ["without"]),
    ],
)
def test_generic_features(text: str, name: str, expected: list[str]) -> None:
    assert values(text, name) == expected


def test_feature_word_is_first_content_word_lowercased_and_singular() -> None:
    assert "feature:strap" in names("Wrap WITH THE Straps")
    # "no more than" is a quantity, not a feature named after a number word.
    assert not any(n.startswith("feature:") for n in names("no more than three liters"))


def test_with_within_is_not_with() -> None:
    assert not any(n.startswith("feature:") for n in names("filter removed w/in 3 months"))


# --------------------------------------------------------------------------------------
# numbers with units
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lesion diameter 0.5 cm or less", [(None, 0.5)]),
        ("lesion diameter 1.1 to 2.0 cm", [(1.1, 2.0)]),
        ("excised diameter over 4.0 cm", [(4.0 + EPSILON, None)]),
        ("shave lesion face 2.5 cm", [(2.5, 2.5)]),
        ("Shave skin lesion 1.1-2.0 cm", [(1.1, 2.0)]),
        ("Shave skin les sm 0.5 cm/<", [(None, 0.5)]),
        ("Exc skin les 1.1-2.0cm", [(1.1, 2.0)]),
        ("Rpr wound s/n/trk20.1-30.0cm", [(20.1, 30.0)]),
        ("Rpr wound s/n/trk20.1 30.0cm", [(20.1, 30.0)]),
        ("Exc tumor deep <5 cm", [(None, 5.0 - EPSILON)]),
        ("Exc tumor deep 5 cm/>", [(5.0, None)]),
        ("lesion > 1.25 cm", [(1.25 + EPSILON, None)]),
        ("cyst up to 1.25 cm", [(None, 1.25)]),
        ("wound 25 mm", [(2.5, 2.5)]),
        ("band, width less than three inches", [(None, round((3 - EPSILON) * 2.54, 4))]),
    ],
)
def test_size_cm(text: str, expected: list[tuple[float | None, float | None]]) -> None:
    assert ranges(text, "size_cm") == [
        (None if lo is None else round(lo, 4), None if hi is None else round(hi, 4))
        for lo, hi in expected
    ]


def test_pressure_in_mm_hg_is_not_a_size() -> None:
    assert "size_cm" not in names("systolic bp less than 130 mm hg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("skin substitute, first 25 sq cm or less", [(None, 25.0)]),
        ("skin substitute, each additional 25 sq cm", [(25.0, None)]),
        ("graft 10.1-30 sqcm", [(10.1, 30.0)]),
        ("tissue transfer 30 square centimeters", [(30.0, 30.0)]),
        ("dressing pad 16 sq in or less", [(None, round(16 * 6.4516, 4))]),
        (
            "pad more than 16 sq in but less than or equal to 48 sq in",
            [(round(16 * 6.4516 + EPSILON * 6.4516, 4), round(48 * 6.4516, 4))],
        ),
    ],
)
def test_area_sq_cm(text: str, expected: list[tuple[float | None, float | None]]) -> None:
    assert ranges(text, "area_sq_cm") == expected


def test_area_is_not_also_a_size() -> None:
    assert "size_cm" not in names("first 25 sq cm or less")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("therapeutic exercise, each 15 minutes", [(15.0, None)]),
        ("first 30 minutes", [(30.0, 30.0)]),
        ("counseling 45 minutes", [(45.0, 45.0)]),
        ("Counsel visit 30-44 min", [(30.0, 44.0)]),
        ("Prolonged management service; first hour", [(60.0, 60.0)]),
        (
            "each additional 30 minutes (List separately in addition to code for primary service)",
            [(30.0, None)],
        ),
        ("crisis care 1 hour", [(60.0, 60.0)]),
        ("Office o/p new low 30 min", [(30.0, 30.0)]),
        ("Care addl 30 min", [(30.0, None)]),
        ("Staff svc 1st hr", [(60.0, 60.0)]),
        ("Telehealth visit <10min", [(None, 10.0 - EPSILON)]),
        ("infusion pump, 8 hours or greater", [(480.0, None)]),
        ("visit, 40 minutes must be met or exceeded", [(40.0, None)]),
        ("per 15 min", [(15.0, None)]),
    ],
)
def test_minutes(text: str, expected: list[tuple[float | None, float | None]]) -> None:
    assert ranges(text, "minutes") == [
        (None if lo is None else round(lo, 4), None if hi is None else round(hi, 4))
        for lo, hi in expected
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Radiologic examination, chest; single view", [(1.0, 1.0)]),
        ("X-ray spine 1 view", [(1.0, 1.0)]),
        ("hip x-ray one view", [(1.0, 1.0)]),
        ("abdomen x-ray 2 views", [(2.0, 2.0)]),
        ("X-ray exam hip uni 2-3 views", [(2.0, 3.0)]),
        ("sacroiliac joints; minimum of 3 views", [(3.0, None)]),
        ("si joint x-ray 3 or more views", [(3.0, None)]),
        ("X-ray abdomen 3+ views", [(3.0, None)]),
        ("knee; complete, minimum of 4 views", [(4.0, None)]),
        ("X-ray neck spine 4/5vws", [(4.0, 5.0)]),
        ("Brain imaging < 4 views", [(None, 3.0)]),
        ("chest x-ray two views", [(2.0, 2.0)]),
    ],
)
def test_views(text: str, expected: list[tuple[float | None, float | None]]) -> None:
    assert ranges(text, "views") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("patient age 5 years or older", [(5.0, None)]),
        ("child under 5 years of age", [(None, round(5 - EPSILON, 4))]),
        ("younger than 5", [(None, round(5 - EPSILON, 4))]),
        ("70 years old", [(70.0, 70.0)]),
        ("Patients aged 66 or older", [(66.0, None)]),
        ("drug, 6yr+ w/o congenital disease", [(6.0, None)]),
        ("well visit, age 12-17", [(12.0, 17.0)]),
        ("adult", [(18.0, None)]),
        ("infant", [(0.0, 1.0)]),
        ("pediatric wheelchair", [(0.0, 17.0)]),
        ("anesthesia for patient younger than 1 year", [(None, round(1 - EPSILON, 4))]),
        ("neonate 28 days of age or younger", [(0.0, round(28 / 365, 4)), (None, 0.0767)]),
    ],
)
def test_age_years(text: str, expected: list[tuple[float | None, float | None]]) -> None:
    assert ranges(text, "age_years") == expected


@pytest.mark.parametrize(
    "text",
    [
        "stage 1 tumor",  # "age" inside another word
        "follow-up every 10 years",  # a duration, not an age
        "gestational age 28 weeks",  # weeks, not years of age
        "drainage 2-way catheter",
    ],
)
def test_numbers_without_age_cue_are_not_ages(text: str) -> None:
    assert "age_years" not in names(text)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("gestational age less than 28 weeks", "weeks", [(None, round(28 - EPSILON, 4))]),
        ("supply, per 4 weeks", "weeks", [(4.0, None)]),
        ("birth weight under 1500 grams", "grams", [(None, round(1500 - EPSILON, 4))]),
        ("dressing, 1.5 kg", "grams", [(1500.0, 1500.0)]),
        ("Injection, drug x, 40 mg", "mg", [(40.0, 40.0)]),
        ("Injection, drug y, 500 mcg", "mg", [(0.5, 0.5)]),
        ("Injection, drug z, per 10 mg", "mg", [(10.0, None)]),
        ("contrast agent, per 100 ml", "ml", [(100.0, None)]),
        ("syringe, 20 cc or greater", "ml", [(20.0, None)]),
        ("hydration, more than two liters", "ml", [(2000.0 + EPSILON * 1000, None)]),
        ("factor viii, per 1,000 units", "units", [(1000.0, None)]),
        ("toxin, 100 i.u.", "units", [(100.0, 100.0)]),
        ("arthrodesis, single level", "levels", [(1.0, 1.0)]),
        ("arthrodesis, each additional level", "levels", [(2.0, None)]),
        ("fusion 2 levels", "levels", [(2.0, 2.0)]),
        ("multilevel fusion", "levels", [(2.0, None)]),
        ("destruction, up to 14 lesions", "lesions", [(None, 14.0)]),
        ("destruction, 15 or more lesions", "lesions", [(15.0, None)]),
        ("biopsy, single lesion", "lesions", [(1.0, 1.0)]),
        ("biopsy, each additional lesion", "lesions", [(2.0, None)]),
    ],
)
def test_other_measures(
    text: str, name: str, expected: list[tuple[float | None, float | None]]
) -> None:
    assert ranges(text, name) == [
        (None if lo is None else round(lo, 4), None if hi is None else round(hi, 4))
        for lo, hi in expected
    ]


def test_concentrations_are_not_amounts() -> None:
    assert "mg" not in names("solution 10 mg/ml")


def test_number_words_one_to_twelve() -> None:
    words = "one two three four five six seven eight nine ten eleven twelve".split()
    for n, word in enumerate(words, start=1):
        assert ranges(f"x-ray {word} views", "views") == [(float(n), float(n))]


# --------------------------------------------------------------------------------------
# categorical attributes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Office o/p new low 30 min", ["new"]),
        ("Office o/p est mod 30 min", ["established"]),
        ("office visit for a new patient", ["new"]),
        ("established patient office visit", ["established"]),
        ("Home visit est pt", ["established"]),
        ("Consult new/est low 30", ["new", "established"]),
        ("new or established patient", ["new", "established"]),
    ],
)
def test_patient_status(text: str, expected: list[str]) -> None:
    assert values(text, "patient_status") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prolonged management service; first hour", ["first"]),
        ("initial hospital care", ["first"]),
        ("Staff svc 1st hr", ["first"]),
        ("each additional 30 minutes", ["each_additional"]),
        ("subsequent hospital care", ["each_additional"]),
        ("Critical care addl 30 min", ["each_additional"]),
        ("Infusion add-on", ["each_additional"]),
        (
            "Imaging (List separately in addition to code for primary procedure)",
            ["each_additional"],
        ),
        ("Prolong serv w/o contact add", ["each_additional"]),
    ],
)
def test_sequence(text: str, expected: list[str]) -> None:
    assert values(text, "sequence") == expected


def test_first_as_anatomy_or_degree_is_not_sequence() -> None:
    assert "sequence" not in names("bunionectomy, first metatarsal")
    assert "sequence" not in names("first degree burn")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Radiologic examination, hip, unilateral, with pelvis when performed", ["unilateral"]),
        ("X-ray exam hip uni 2-3 views", ["unilateral"]),
        ("procedure on one side", ["unilateral"]),
        ("right knee x-ray", ["unilateral"]),
        ("hips, bilateral, 2 views", ["bilateral"]),
        ("X-ray exam hips bi 2 views", ["bilateral"]),
        ("Rib x-ray bil 3 views", ["bilateral"]),
        ("hearing aid, both ears", ["bilateral"]),
        ("exam of both eyes", ["bilateral"]),
        ("both knees standing", ["bilateral"]),
        ("both sides", ["bilateral"]),
        ("fracture care uni/bil", ["unilateral", "bilateral"]),
    ],
)
def test_laterality(text: str, expected: list[str]) -> None:
    assert values(text, "laterality") == expected


def test_intrinsic_sides_of_organs_are_not_laterality() -> None:
    assert "laterality" not in names("right heart catheterization")
    assert "laterality" not in names("bilirubin total")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("biopsy, single lesion", ["single"]),
        ("insertion of multiple leads", ["multiple"]),
        ("pump, single or multiple channels", ["single", "multiple"]),
    ],
)
def test_multiplicity(text: str, expected: list[str]) -> None:
    assert values(text, "multiplicity") == expected


def test_single_use_is_not_multiplicity() -> None:
    assert "multiplicity" not in names("single-use endoscope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("low level of medical decision making", ["low"]),
        ("moderate complexity", ["moderate"]),
        ("visit with high MDM", ["high"]),
        ("medical decision making of high complexity", ["high"]),
        ("straightforward medical decision making", ["straightforward"]),
        ("Office o/p new low 30 min", ["low"]),
        ("Office o/p est hi 40 min", ["high"]),
        ("Emergency dept visit mod mdm", ["moderate"]),
        ("Hospital care obs sf/low 40", ["straightforward", "low"]),
        ("dementia care, moderate to high complexity", ["moderate", "high"]),
    ],
)
def test_complexity(text: str, expected: list[str]) -> None:
    assert values(text, "complexity") == expected


def test_low_without_decision_making_context_is_not_complexity() -> None:
    assert "complexity" not in names("low dose ct lung screening")
    assert "complexity" not in names("hospital bed, variable height, hi-lo")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Non-emergency transportation; van", ["non_emergency"]),
        ("Nonemergency transport taxi", ["non_emergency"]),
        ("nonemergent ambulance", ["non_emergency"]),
        ("Transport in non er", ["non_emergency"]),
        ("ambulance, emergency transport", ["emergency"]),
        ("emergent intubation", ["emergency"]),
        ("er visit", ["emergency"]),
    ],
)
def test_urgency(text: str, expected: list[str]) -> None:
    assert values(text, "urgency") == expected


def test_non_emergency_is_not_a_feature() -> None:
    assert not any(n.startswith("feature:") for n in names("non-emergency transport"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gloves, sterile, per pair", ["pair"]),
        ("Electrodes, pair", ["pair"]),
        ("Replacement tip, cane, each", ["each"]),
        ("Lancet device each", ["each"]),
        ("Filter, ea", ["each"]),
    ],
)
def test_unit_basis(text: str, expected: list[str]) -> None:
    assert values(text, "unit_basis") == expected


def test_each_before_a_quantity_is_not_unit_basis() -> None:
    assert "unit_basis" not in names("therapy, each 15 minutes")


# --------------------------------------------------------------------------------------
# whole texts: queries, long descriptors, short descriptors
# --------------------------------------------------------------------------------------


def test_query_prolonged_service_without_direct_contact_first_hour() -> None:
    attrs = extract("prolonged service without direct contact first hour")
    got = {(a.name, a.value, a.low, a.high) for a in attrs}
    assert ("sequence", "first", None, None) in got
    assert ("minutes", None, 60.0, 60.0) in got
    assert ("feature:direct", "without", None, None) in got


def test_long_style_shave_descriptor() -> None:
    text = (
        "Shave removal of epidermal or dermal lesion, single lesion, face, ears, eyelids, "
        "nose, lips; lesion diameter 1.1 to 2.0 cm"
    )
    attrs = extract(text)
    assert ("size_cm", 1.1, 2.0) in {(a.name, a.low, a.high) for a in attrs}
    assert ("lesions", 1.0, 1.0) in {(a.name, a.low, a.high) for a in attrs}


def test_long_style_hip_descriptor() -> None:
    text = "Radiologic examination, hip, unilateral, with pelvis when performed; 2-3 views"
    got = {(a.name, a.value, a.low, a.high) for a in extract(text)}
    assert got == {
        ("laterality", "unilateral", None, None),
        ("feature:pelvis", "with", None, None),
        ("views", None, 2.0, 3.0),
    }


def test_evidence_quotes_the_original_words() -> None:
    attrs = extract("CT Neck  W/O &  W/Dye, 2-3 Views")
    texts = {a.name: a.text for a in attrs}
    assert texts["contrast"] == "W/O &  W/Dye"
    assert texts["views"] == "2-3 Views"


def test_attributes_in_order_of_appearance_without_duplicates() -> None:
    attrs = extract("bilateral exam, both ears, 2 views; bilateral")
    assert [a.name for a in attrs] == ["laterality", "views"]


def test_empty_and_plain_texts() -> None:
    assert extract("") == []
    assert extract("blood glucose test") == []


# --------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------


def test_compare_size_inside_range_agrees() -> None:
    got = agreement("shave lesion face 2.5 cm", "lesion diameter 2.1 to 3.0 cm", "size_cm")
    assert got == Agreement("size_cm", "2.5", "2.1-3.0", True)


def test_compare_size_outside_range_contradicts() -> None:
    got = agreement("shave lesion face 2.5 cm", "lesion diameter 1.1 to 2.0 cm", "size_cm")
    assert got == Agreement("size_cm", "2.5", "1.1-2.0", False)
    assert not agreement(
        "shave lesion face 2.5 cm", "Shave skin lesion 1.1-2.0 cm", "size_cm"
    ).agrees
    assert agreement("lesion 5 cm", "excised diameter over 4.0 cm", "size_cm").agrees
    assert not agreement("lesion 4.0 cm", "excised diameter over 4.0 cm", "size_cm").agrees
    assert agreement("lesion 4.0 cm", "excised diameter 3.1 to 4.0 cm", "size_cm").agrees


def test_compare_views() -> None:
    got = agreement("hip x-ray one view", "X-ray exam hip uni 2-3 views", "views")
    assert got == Agreement("views", "1 view", "2-3 views", False)
    assert agreement("si joint x-ray 3 or more views", "sacroiliac joints; 3 views", "views").agrees
    assert not agreement(
        "si joint x-ray 3 or more views", "sacroiliac; 1 or 2 views", "views"
    ).agrees
    assert agreement("hip x-ray one view", "hip, unilateral, 1 view", "views").agrees


def test_compare_contrast() -> None:
    q = "ct cervical spine with and without contrast"
    got = agreement(q, "Computed tomography of neck spine; without contrast material", "contrast")
    assert got == Agreement("contrast", "with and without", "without", False)
    assert agreement(q, "Ct neck spine w/o & w/dye", "contrast").agrees
    assert agreement(
        q,
        "Computed tomography of neck spine; without contrast material, followed by contrast "
        "material(s) and further sections",
        "contrast",
    ).agrees
    assert not agreement(q, "Ct neck spine w/dye", "contrast").agrees


def test_compare_any_of_several_values_agrees() -> None:
    code = "mr angiography chest, with or without contrast"
    assert agreement("mra chest without contrast", code, "contrast").agrees
    assert agreement("mra chest with contrast", code, "contrast").agrees
    got = agreement("mra chest with contrast", code, "contrast")
    assert got.code == "with or without"


def test_compare_features_walker() -> None:
    q = "folding pickup walker without wheels"
    assert not agreement(
        q, "Walker, folding, wheeled, adjustable or fixed height", "feature:wheel"
    ).agrees
    assert agreement(q, "Walker, heavy duty, without wheels, any type", "feature:wheel").agrees
    # A code silent about wheels gives no verdict on them.
    assert (
        compare(extract(q), extract("Walker, folding (pickup), adjustable or fixed height")) == []
    )


def test_compare_mattress() -> None:
    q = "hospital bed without mattress"
    assert agreement(
        q, "Bed, fixed height, with side rails, without mattress", "feature:mattress"
    ).agrees
    assert not agreement(
        q, "Bed, fixed height, with side rails, with mattress", "feature:mattress"
    ).agrees


def test_compare_time_and_sequence() -> None:
    q = "prolonged service without direct contact first hour"
    first = "Prolonged management service without direct patient contact; first hour"
    addl = "Prolonged management service; each additional 30 minutes"
    assert agreement(q, first, "sequence").agrees
    assert agreement(q, first, "minutes").agrees
    assert not agreement(q, addl, "sequence").agrees
    assert agreement(
        "therapy 30 minutes", "therapeutic exercise, each 15 minutes", "minutes"
    ).agrees
    assert agreement("new patient visit 45 minutes", "Counsel visit 45-59 min", "minutes").agrees
    assert not agreement(
        "new patient visit 45 minutes", "Counsel visit 30-44 min", "minutes"
    ).agrees


def test_compare_age() -> None:
    assert agreement("70 years old", "adult", "age_years").agrees
    assert not agreement("70 years old", "pediatric", "age_years").agrees
    assert not agreement("child 3 years old", "patient age 5 years or older", "age_years").agrees
    assert agreement("child 3 years old", "younger than 5", "age_years").agrees
    assert not agreement("5 years old", "under 5 years of age", "age_years").agrees


def test_compare_categories() -> None:
    assert not agreement(
        "new patient office visit", "Office o/p est low 20 min", "patient_status"
    ).agrees
    assert agreement(
        "new patient office visit", "Office o/p new low 30 min", "patient_status"
    ).agrees
    assert agreement(
        "office visit moderate complexity", "Office o/p est mod 30 min", "complexity"
    ).agrees
    assert not agreement("office visit high mdm", "Office o/p est mod 30 min", "complexity").agrees
    assert not agreement("x-ray both knees", "knee x-ray, unilateral", "laterality").agrees
    assert not agreement(
        "nonemergency ambulance", "ambulance, emergency transport", "urgency"
    ).agrees
    assert agreement("gloves pair", "Gloves, sterile, per pair", "unit_basis").agrees


def test_compare_range_overlap() -> None:
    q = [Attribute("size_cm", None, 1.5, 2.5, "1.5-2.5 cm")]
    assert compare(q, [Attribute("size_cm", None, 2.1, 3.0, "")])[0].agrees
    assert not compare(q, [Attribute("size_cm", None, 2.6, None, "")])[0].agrees
    assert compare(q, [Attribute("size_cm", None, None, 1.5, "")])[0].agrees


def test_compare_ignores_names_on_one_side_and_keeps_query_order() -> None:
    q = extract("hip x-ray one view bilateral")
    c = extract("Radiologic examination, hips, bilateral, 2 views; with contrast")
    got = compare(q, c)
    assert [g.name for g in got] == ["views", "laterality"]
    assert [g.agrees for g in got] == [False, True]
    assert compare(q, c) == got  # deterministic
    assert compare([], c) == [] and compare(q, []) == []


def test_compare_categorical_and_numeric_of_same_name_never_agree() -> None:
    q = [Attribute("x", "with", None, None, "")]
    c = [Attribute("x", None, 1.0, 2.0, "")]
    assert compare(q, c) == [Agreement("x", "with", "1-2", False)]


def test_display_of_open_and_strict_bounds() -> None:
    got = compare(extract("lesion 5 cm"), extract("lesion over 4.0 cm, or up to 9 cm"))
    assert got[0].code == ">4 or <=9"
    got = compare(extract("x-ray 2 views"), extract("x-ray 3 or more views"))
    assert got[0] == Agreement("views", "2 views", "3+ views", False)
    got = compare(extract("age 3"), extract("younger than 5"))
    assert got[0].code == "<5"


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def test_json_round_trip() -> None:
    attrs = extract(
        "Ct neck spine w/o & w/dye, bilateral, 2-3 views, over 4.0 cm, walker without wheels"
    )
    rows = to_json(attrs)
    assert from_json(json.loads(json.dumps(rows))) == attrs
    assert set(rows[0]) == {"name", "value", "low", "high", "text"}


def test_from_json_tolerates_missing_keys() -> None:
    assert from_json([{"name": "views", "low": 2}]) == [Attribute("views", None, 2.0, None, "")]


# --------------------------------------------------------------------------------------
# robustness and speed
# --------------------------------------------------------------------------------------

_FRAGMENTS = [
    "with", "without", "w/o", "w/", "w", "wo", "no", "non-", "non", "other than", "or",
    "and", "&", "/", "-", "+", "<", ">", "<=", ">=", "/<", "/>", "cm", "sq cm", "mm", "min",
    "minutes", "hour", "views", "view", "years", "yr", "of age", "old", "age", "weeks", "g",
    "mg", "ml", "cc", "units", "levels", "lesions", "each", "each additional", "first",
    "1st", "addl", "per", "up to", "or more", "or less", "over", "under", "single",
    "multiple", "bilateral", "uni", "bi", "both", "ears", "new", "est", "pt", "low", "mod",
    "hi", "mdm", "complexity", "emergency", "non-emergency", "pair", "ea", "contrast", "dye",
    "followed by", "1", "2.5", "1.1-2.0", "20.1", "30.0", ".6", "1,000", "one", "twelve",
    "(", ")", ",", ";", ".", "  ", "\u2013", "\u00a0", "\u2264", "\u00b5g", "\u0130", "x-ray",
]  # fmt: skip


def _random_texts(count: int) -> list[str]:
    rng = random.Random(20250101)
    texts = []
    for i in range(count):
        k = rng.randint(1, 25)
        parts = [rng.choice(_FRAGMENTS) for _ in range(k)]
        sep = "" if i % 7 == 0 else " "
        texts.append(sep.join(parts))
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ./-<>+&,;()'"
    for _ in range(200):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300))))
    return texts


def test_extract_never_raises_and_stays_fast_on_varied_strings() -> None:
    texts = _random_texts(1800)
    assert len(texts) >= 2000
    start = time.perf_counter()
    for text in texts:
        attrs = extract(text)
        for a in attrs:
            assert isinstance(a, Attribute)
            assert a.value is not None or a.low is not None or a.high is not None
            if a.low is not None and a.high is not None:
                assert a.low <= a.high + EPSILON, (text, a)
        compare(attrs, attrs)
        assert from_json(to_json(attrs)) == attrs
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, elapsed


@pytest.mark.parametrize(
    "text",
    [
        "1" * 20000,
        "1." * 10000,
        " " * 20000 + "cm",
        "with " * 4000,
        "w/o & w/" * 2000,
        "2-" * 10000 + "cm",
        "age " * 5000 + "5",
        "a" * 20000,
        ", wheeled" * 2000,
        "without contrast " + "x " * 5000 + "followed by contrast",
    ],
)
def test_pathological_inputs_are_linear(text: str) -> None:
    start = time.perf_counter()
    extract(text)
    assert time.perf_counter() - start < 1.0


def test_query_extraction_is_well_under_a_millisecond() -> None:
    query = "ct cervical spine with and without contrast 2 views adult first hour"
    extract(query)
    runs = 300
    start = time.perf_counter()
    for _ in range(runs):
        extract(query)
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.001, per_call
