"""Typed attributes read from billing-code texts and from search queries.

Sibling codes (HCPCS Level II and CPT) often differ in one attribute only: lesion size,
contrast, number of views, time, age, first versus each additional unit, one side versus
both, new versus established patient, level of medical decision making. A query usually
states that attribute in its own words. This module reads such attributes from any text
(a long descriptor, a CMS short descriptor in shorthand, plain-language text, a query)
with general rules over wording, so that the search engine can rank codes whose
attributes agree with the query above codes whose attributes contradict it.

Data structures
---------------
``Attribute``
    One stated fact. ``name`` says what kind (``"contrast"``, ``"size_cm"``,
    ``"feature:wheel"`` ...). Categorical facts carry ``value`` (``"with"``,
    ``"bilateral"`` ...) and leave ``low``/``high`` as ``None``. Numeric facts carry an
    inclusive range ``low``..``high`` in the name's unit (``None`` = unbounded on that
    side; ``low == high`` for an exact number) and leave ``value`` as ``None``. A strict
    bound ("over 4.0 cm", "under 5 years") is stored nudged by ``EPSILON`` for measures,
    or by one for counts (views, levels, lesions). ``text`` is the evidence: the words
    of the input the fact was read from. A text may state several values of one name
    ("with or without contrast" gives two attributes).

``Agreement``
    The verdict of ``compare`` for one name stated by both the query and a code, with
    both sides' values formatted for display.

Numeric conventions: "first N" is exactly N unless a qualifier says otherwise ("first
25 sq cm or less" is <= 25); an increment ("each 15 minutes", "each additional 30
minutes", "per 10 mg") means at least N; "each additional level/view/lesion" without a
number means at least 2 of them. Every regular expression here is linear: no nested
quantifiers, and every repeated piece is bounded.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ATTRIBUTES_FILE",
    "Agreement",
    "Attribute",
    "EPSILON",
    "compare",
    "extract",
    "from_json",
    "read_attributes",
    "record_attributes",
    "save_attributes",
    "to_json",
]

EPSILON = 1e-6
"""The nudge that turns a strict bound of a measure ("over 4.0 cm") into an inclusive one."""


@dataclass(frozen=True)
class Attribute:
    """One attribute stated in a text.

    ``name``: the kind of attribute, e.g. ``"contrast"``, ``"size_cm"``, ``"views"``.
    ``value``: a categorical value (``"with"``, ``"bilateral"`` ...), else ``None``.
    ``low``/``high``: an inclusive numeric range; ``None`` is unbounded on that side.
    ``text``: the words of the input it was read from (evidence shown to users).
    """

    name: str
    value: str | None
    low: float | None
    high: float | None
    text: str


@dataclass(frozen=True)
class Agreement:
    """Whether the query and a code agree on one attribute name.

    ``query``/``code``: each side's value(s) as shown to a user ("2.5", "2.1-3.0",
    "with and without", "2-3 views"); several values are joined with " or ".
    """

    name: str
    query: str
    code: str
    agrees: bool


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

_WORD_NUMBERS: dict[str, float] = {
    "a single": 1,
    "single": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

# A number: thousands with commas, a decimal, or a number word. Digits may follow
# letters ("trk20.1-30.0cm" in CMS shorthand) but never other digits.
_NUM = (
    r"(?:(?<![\d.,])(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,9}(?:\.\d{1,6})?|\.\d{1,6})(?!\d)(?!\.\d)"
    r"|(?<![a-z])(?:a single|single|one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve)(?![a-z]))"
)

# Qualifiers before a number, by kind: le/lt = upper bound, ge/gt = lower bound,
# inc = an increment (at least N), first = exact N, eq = exact N.
_PRE_QUALIFIERS: dict[str, str] = {
    "greater than or equal to": "ge",
    "more than or equal to": "ge",
    "equal to or greater than": "ge",
    "equal to or more than": "ge",
    "less than or equal to": "le",
    "equal to or less than": "le",
    "up to and including": "le",
    "not more than": "le",
    "no more than": "le",
    "no greater than": "le",
    "not exceeding": "le",
    "not to exceed": "le",
    "up to": "le",
    "upto": "le",
    "maximum of": "le",
    "max of": "le",
    "maximum": "le",
    "max": "le",
    "at most": "le",
    "to": "le",
    "<=": "le",
    "=<": "le",
    "\u2264": "le",
    "less than": "lt",
    "fewer than": "lt",
    "smaller than": "lt",
    "shorter than": "lt",
    "younger than": "lt",
    "under": "lt",
    "below": "lt",
    "<": "lt",
    "at least": "ge",
    "a minimum of": "ge",
    "minimum of": "ge",
    "min of": "ge",
    "minimum": "ge",
    "min": "ge",
    "no less than": "ge",
    "not less than": "ge",
    "no fewer than": "ge",
    ">=": "ge",
    "=>": "ge",
    "\u2265": "ge",
    "greater than": "gt",
    "more than": "gt",
    "larger than": "gt",
    "longer than": "gt",
    "older than": "gt",
    "in excess of": "gt",
    "exceeding": "gt",
    "over": "gt",
    "above": "gt",
    "beyond": "gt",
    ">": "gt",
    "each additional": "inc",
    "each addl": "inc",
    "each add'l": "inc",
    "ea additional": "inc",
    "ea addl": "inc",
    "ea add'l": "inc",
    "ea add": "inc",
    "each subsequent": "inc",
    "additional": "inc",
    "addtnl": "inc",
    "addl": "inc",
    "add'l": "inc",
    "each": "inc",
    "every": "inc",
    "per": "inc",
    "ea": "inc",
    "first": "first",
    "1st": "first",
    "initial": "first",
    "approximately": "eq",
    "approx": "eq",
    "about": "eq",
}

# Qualifiers after a number or after its unit.
_POST_QUALIFIERS: dict[str, str] = {
    "must be met or exceeded": "ge",
    "met or exceeded": "ge",
    "or exceeded": "ge",
    "or more": "ge",
    "or greater": "ge",
    "or larger": "ge",
    "or longer": "ge",
    "or higher": "ge",
    "or over": "ge",
    "or above": "ge",
    "or older": "ge",
    "and over": "ge",
    "and above": "ge",
    "and older": "ge",
    "and greater": "ge",
    "and more": "ge",
    "and up": "ge",
    "/>": "ge",
    "+": "ge",
    ">": "ge",
    "or less": "le",
    "or fewer": "le",
    "or smaller": "le",
    "or shorter": "le",
    "or lower": "le",
    "or under": "le",
    "or below": "le",
    "or younger": "le",
    "and under": "le",
    "and below": "le",
    "and younger": "le",
    "/<": "le",
    "<": "le",
}


def _alternation(words: list[str] | dict[str, str]) -> str:
    """A regex alternation of literal phrases, longest first so the longest one wins."""
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in ordered)


_PRE = (
    r"(?:(?<![a-z])(?:"
    + _alternation([q for q in _PRE_QUALIFIERS if q[0].isalnum()])
    + r")(?![a-z])|"
    + _alternation([q for q in _PRE_QUALIFIERS if not q[0].isalnum()])
    + r")"
)
# "<" and ">" after a unit close it ("0.5 cm<") unless a number follows (a new bound).
_POST = (
    r"(?:"
    + _alternation([q for q in _POST_QUALIFIERS if q not in ("<", ">")])
    + r"|[<>](?! ?[\d.])"
    + r")(?![a-z])"
)

# Units: the regex alternation, then how to read a matched unit.
_UNITS = (
    r"sq\.? ?cm|sqcm|sq\.? ?centimet(?:er|re)s?|square ?cm|square centimet(?:er|re)s?"
    r"|cm2|cm\^2|cm\u00b2|sq\.? ?in(?:ch|ches)?|square inch(?:es)?"
    r"|cubic cm|cubic centimet(?:er|re)s?"
    r"|cm|centimet(?:er|re)s?|mm|millimet(?:er|re)s?|inch(?:es)?"
    r"|minutes?|mins?|mn|hours?|hrs?"
    r"|views?|vws?"
    r"|weeks?|wks?"
    r"|grams?|gms?|g|kg|kilograms?"
    r"|mg|milligrams?|mcg|micrograms?|\u00b5g|ug"
    r"|ml|milliliters?|millilitres?|cc|liters?|litres?"
    r"|units?|iu|i\.u\.?|international units?"
    r"|levels?|interspaces?"
    r"|lesions?"
)

_COUNT_NAMES = frozenset({"views", "levels", "lesions"})


def _unit_info(unit: str) -> tuple[str, float]:
    """(attribute name, factor to the name's unit) for a unit matched by ``_UNITS``."""
    u = unit.replace(".", "").replace(" ", "")
    if u.startswith(("sqin", "squareinch")):
        return "area_sq_cm", 6.4516
    if u.startswith(("sq", "square")) or u in ("cm2", "cm^2", "cm\u00b2"):
        return "area_sq_cm", 1.0
    if u.startswith("cubic"):
        return "ml", 1.0
    if u.startswith(("cm", "centim")):
        return "size_cm", 1.0
    if u.startswith(("mm", "millim")):
        return "size_cm", 0.1
    if u.startswith("inch"):
        return "size_cm", 2.54
    if u.startswith(("min", "mn")):
        return "minutes", 1.0
    if u.startswith(("hour", "hr")):
        return "minutes", 60.0
    if u.startswith(("view", "vw")):
        return "views", 1.0
    if u.startswith(("week", "wk")):
        return "weeks", 1.0
    if u.startswith(("kg", "kilo")):
        return "grams", 1000.0
    if u.startswith(("mcg", "micro", "\u00b5g", "ug")):
        return "mg", 0.001
    if u.startswith(("mg", "milligram")):
        return "mg", 1.0
    if u.startswith(("g", "gram")):
        return "grams", 1.0
    if u.startswith(("ml", "millil", "cc")):
        return "ml", 1.0
    if u.startswith(("liter", "litre")):
        return "ml", 1000.0
    if u.startswith(("unit", "iu", "international")):
        return "units", 1.0
    if u.startswith(("level", "interspace")):
        return "levels", 1.0
    return "lesions", 1.0


_MEASURE_RE = re.compile(
    r"(?:(?P<pre>" + _PRE + r") ?)?"
    r"(?P<n1>" + _NUM + r")"
    r"(?: ?(?P<sep>-|/|to|through|thru|or|and) ?(?P<n2>" + _NUM + r")"
    r"| (?P<n2b>\d{1,4}\.\d{1,3})(?! ?[-\d]))?"
    r"(?: ?(?P<mid>" + _POST + r"))?"
    r"(?: |-)?(?P<unit>" + _UNITS + r")(?![a-z\d])(?!/(?![<>]))(?! ?hg(?![a-z]))"
    r"(?: ?(?P<post>" + _POST + r"))?"
)

# "first hour", "each additional hour", "half an hour": an hour with no number.
_HOUR_RE = re.compile(
    r"(?<![a-z])(?P<pre>first|1st|initial|each additional|ea addl|each addl|additional|addl"
    r"|add'l|each|per|every|an|half an|half|one half)[ -](?:hours?|hrs?)(?![a-z])"
)

# Count nouns without a number: "each additional level", "multiple lesions", "multilevel".
_COUNT_WORD_RE = re.compile(
    r"(?<![a-z])(?:(?:each additional|each addl|ea addl|additional|addl|add'l|each subsequent"
    r"|subsequent|multiple|several)[ -](?P<noun>views?|levels?|lesions?|interspaces?)"
    r"|multi-?(?P<noun2>level|view|lesion)s?)(?![a-z])"
)

# Age: numbers with an age cue, and named age groups.
_AGE_RE = re.compile(
    r"(?:(?P<pre>" + _PRE + r") ?)?"
    r"(?:(?<![a-z])(?P<kw>ages?|aged|child|children|kids?|infants?|boys?|girls?|patients?"
    r"|adolescents?|teens?)(?: of| aged?)? ?)?"
    r"(?:(?P<pre2>" + _PRE + r") ?)?"
    r"(?P<n1>" + _NUM + r")"
    r"(?: ?(?P<sep>-|to|through|thru|and) ?(?P<n2>" + _NUM + r"))?"
    r"(?: ?(?P<mid>" + _POST + r"))?"
    r"(?:[ -]?(?P<unit>years?|yrs?|y/o|yo|months?|mos?|days?|dys?)(?![a-z])"
    r"(?P<cue>[ -]old| of age| of life)?)?"
    r"(?: ?(?P<post>" + _POST + r"))?"
)
_OTHER_UNIT_AFTER = re.compile(r" ?-?(?:" + _UNITS + r"|%|percent|pounds?|lbs?)(?![a-z])")
_AGE_GROUPS: dict[str, tuple[float | None, float | None]] = {
    "newborn": (0.0, 28 / 365),
    "neonate": (0.0, 28 / 365),
    "neonatal": (0.0, 28 / 365),
    "infant": (0.0, 1.0),
    "infancy": (0.0, 1.0),
    "toddler": (1.0, 3.0),
    "child": (0.0, 17.0),
    "children": (0.0, 17.0),
    "childhood": (0.0, 17.0),
    "pediatric": (0.0, 17.0),
    "paediatric": (0.0, 17.0),
    "peds": (0.0, 17.0),
    "adolescent": (12.0, 17.0),
    "teen": (12.0, 17.0),
    "teenager": (12.0, 17.0),
    "adult": (18.0, None),
    "geriatric": (65.0, None),
    "elderly": (65.0, None),
}
_AGE_GROUP_RE = re.compile(
    r"(?<![a-z])(?P<g>newborns?|neonates?|neonatal|infants?|infancy|toddlers?|children"
    r"|childhood|child|pediatrics?|paediatrics?|peds|adolescents?|teenagers?|teens?"
    r"|adults?|geriatrics?|elderly)(?![a-z])"
)

# Contrast.
_CONTRAST_WORDS = frozenset(
    {"contrast", "contrasts", "dye", "dyes", "cntrst", "cntr", "contr", "cont", "con"}
)
_CONTRAST = r"(?:contrast|dye|cntrst|cntr|contr|cont|con)(?![a-z])"
_CONTRAST_MODIFIERS = frozenset(
    {"iv", "intravenous", "oral", "rectal", "intrathecal", "iodinated", "the", "a", "an"}
)
_CONTRAST_THEN_RE = re.compile(
    r"(?<![a-z])(?:without|w/o|wo|no|non-?)(?: iv| intravenous)? "
    + _CONTRAST
    + r"[^;]{0,60}?(?:followed by|flwd(?: by)?|then) (?:with |w/ ?|w )?(?:iv |intravenous )?"
    + _CONTRAST
    + r"|(?<![a-z])(?:pre-? ?and post-? ?|before and after )(?:iv )?contrast"
)
_CONTRAST_SOLE_RE = re.compile(
    r"(?<![a-z])(?P<neg>noncontrast|unenhanced|non-?enhanced)(?![a-z])"
    r"|(?<![a-z])[12]?(?P<pos>contrast|cntrst)(?:[- ]enhanced)?(?![a-z])"
    r"(?! (?:sensitivity|baths?)(?![a-z]))"
)
_CONTRAST_EXCLUDE_BEFORE = re.compile(r"phase $")

# Generic presence/absence: with X / without X / w/ X / w/o X / no X / non-X / other than X.
_BOTH = "both"
_WTW = "wtw"
_PREP_RE = re.compile(
    r"(?<![a-z/])(?:"
    r"(?P<both>with or without|with and/or without|with/without|w/ ?or w/o|w or w/o"
    r"|without or with|w/wo)"
    r"|(?P<wtw>with and without|without and with|with & without|without & with"
    r"|w/o ?(?:&|and) ?w/?|w/ ?(?:&|and) ?w/o)"
    r"|(?P<neg>with no|with non-|without|w/o(?![a-z])|wo(?= [a-z])|no(?= [a-z])|non-|non "
    r"|other than|excluding)"
    r"|(?P<pos>with|w/(?!in(?![a-z]))|w(?= [a-z]))"
    r")"
)
_TOKEN_RE = re.compile(r"[a-z][a-z0-9'-]{0,40}|\d|[,;:().\[\]]")
_SKIP_WORDS = frozenset(
    {
        "a", "an", "the", "or", "and", "and/or", "any", "all", "of", "use", "using", "its",
        "their", "his", "her", "either", "each", "both", "type", "types", "kind", "one",
        "two", "some", "other", "additional", "more", "less", "than", "also", "only", "such",
        "as", "w", "so", "very", "same", "longer", "greater", "fewer", "further", "or/and",
    }
)  # fmt: skip
_NO_FEATURE_WORDS = frozenset(
    {
        "emergency", "emergent", "er", "respect", "regard", "regards", "when", "which", "who",
        "whom", "whose", "what", "where", "while", "that", "this", "these", "those", "may",
        "in", "out", "to", "be", "is", "are", "was", "it", "exception", "for", "from", "by",
        "on", "at", "if", "without", "with", "not", "charge", "contra",
    }
)  # fmt: skip

# "Walker, folding, wheeled": a single-word list item ending in -ed states a feature.
_ED_ITEM_RE = re.compile(r"(?:(?<=[,;(])|^) ?(?P<w>[a-z]{3,20}ed)\.? ?(?=[,;)]|$)")
_UN_ED_RE = re.compile(r"(?<![a-z])un(?P<w>[a-z]{3,20})ed(?![a-z-])")
_FREE_LESS_RE = re.compile(
    r"(?<![a-z])(?P<f>[a-z]{3,20})(?:-| )free(?![a-z])|(?<![a-z])(?P<l>[a-z]{4,20})less(?![a-z])"
)
_ED_EXCLUDE = frozenset(
    {
        "used", "performed", "included", "specified", "unspecified", "listed", "unlisted",
        "classified", "unclassified", "limited", "detailed", "required", "related",
        "combined", "extended", "based", "indicated", "provided", "described", "dispensed",
        "billed", "reported", "supplied", "noted", "needed", "attended", "scheduled",
        "fixed", "prefabricated", "customized", "molded", "assisted", "guided", "tested",
        "treated", "expected", "documented", "identified", "completed", "controlled",
        "diagnosed", "covered", "paid", "ordered", "furnished", "accompanied", "timed",
    }
)  # fmt: skip
_LESS_EXCLUDE = frozenset({"unless", "regardless", "nevertheless", "bless", "doubt"})

_LATERALITY_RE = re.compile(
    r"(?<![a-z])(?:"
    r"(?P<both>uni(?:lat)?/bi(?:l|lat)?|bi(?:l|lat)?/uni(?:lat)?|unilateral or bilateral"
    r"|bilateral or unilateral|unilateral/bilateral|bilateral/unilateral)"
    r"|(?P<uni>unilateral(?:ly)?|unilat|uni(?![-/][a-z])|one[- ]sided|one side|single side"
    r"|(?:right|left) or (?:right|left)"
    r"|(?:one|single|(?:right|left)(?:[- ]sided)?) (?:upper |lower )?(?P<part1>[a-z]{3,13}))"
    r"|(?P<bi>bilateral(?:ly)?|bilat|bil|bi(?![-/][a-z])|both sides|two sides"
    r"|(?:right and left|left and right|both|two) (?:the )?(?:upper |lower )?"
    r"(?P<part2>[a-z]{3,13}))"
    r")(?![a-z])"
)
_PAIRED_PARTS = frozenset(
    {
        "ear", "ears", "eye", "eyes", "knee", "knees", "hip", "hips", "leg", "legs", "arm",
        "arms", "hand", "hands", "foot", "feet", "breast", "breasts", "lung", "lungs",
        "kidney", "kidneys", "side", "sides", "extremity", "extremities", "shoulder",
        "shoulders", "ankle", "ankles", "wrist", "wrists", "elbow", "elbows", "ovary",
        "ovaries", "testis", "testes", "testicle", "testicles", "thigh", "thighs", "calf",
        "calves", "heel", "heels", "forearm", "forearms", "limb", "limbs", "eyelid",
        "eyelids", "nostril", "nostrils", "orbit", "orbits", "femur", "tibia", "humerus",
        "clavicle", "scapula", "groin", "axilla", "sacroiliac", "fingers", "toes",
        "tympanic", "carotid", "femoral", "inguinal", "hemithorax", "adrenal", "adrenals",
    }
)  # fmt: skip

_PATIENT_RE = re.compile(
    r"(?<![a-z])(?:"
    r"(?P<a>new|nw|established|estab|est)(?P<alt>(?: or |/)(?:new|established|est))?"
    r" (?:pt|pts|patients?|outpatient|o/p|office|visit|home|clinic|dyad|pt-cg)"
    r"|(?:o/p|office|visit|outpatient|home visit|clinic|consult|consltj|cnsltj) "
    r"(?P<b>new|nw|est|estab|established)(?P<balt>(?: or |/)(?:new|established|est))?"
    r")(?![a-z])"
)

_LEVELS = r"straightforward|straight forward|sf|low|lo|moderate|mod|high|hig|hi"
_LEVEL_VALUES: dict[str, str] = {
    "straightforward": "straightforward",
    "straight forward": "straightforward",
    "sf": "straightforward",
    "low": "low",
    "lo": "low",
    "moderate": "moderate",
    "mod": "moderate",
    "high": "high",
    "hig": "high",
    "hi": "high",
}
_MDM = r"medical decision[- ]making|decision[- ]making|mdm|complexity|cmplxty|cmplx"
_COMPLEXITY_RE = re.compile(
    r"(?<![a-z])(?:"
    r"(?P<a>" + _LEVELS + r")(?:(?:/|-| to | or )(?P<a2>" + _LEVELS + r"))?"
    r"(?: level of| level| degree of)? (?:" + _MDM + r")"
    r"|(?:" + _MDM + r")(?: of| is| that is| was|:)? (?:a |an )?(?P<b>" + _LEVELS + r")"
    r"(?:(?:/|-| to | or )(?P<b2>" + _LEVELS + r"))?"
    r"|(?:new|nw|est|estab|established|new/est|est/new|obs|date|visit|consult) (?:pt )?"
    r"(?P<c>" + _LEVELS + r")(?:(?:/|-)(?P<c2>" + _LEVELS + r"))?(?= \d|$)"
    r"|(?P<d>straightforward)"
    r")(?![a-z])"
)

_URGENCY_RE = re.compile(
    r"(?<![a-z])(?:(?P<non>non[- ]?(?:emergen(?:cy|cies|t|tly)|er|urgent)|noner)"
    r"|(?P<em>emergen(?:cy|cies|t|tly)|er(?= (?:visit|dept|department|room|physician))))"
    r"(?![a-z])"
)

_SEQUENCE_RE = re.compile(
    r"(?<![a-z])(?:"
    r"(?P<first>first|1st|initial|initially|init)(?![a-z])"
    r"(?![- ](?:degree|rib|ribs|metatarsal|metacarpal|toe|ray|web|dorsal|digit|trimester|cmc"
    r"|mtp|carpometacarpal|line|aid|and|or|through|to|order|name|class)(?![a-z]))"
    r"|(?P<add>each additional|each addl|ea addl|ea add'l|ea add|each add|each subsequent"
    r"|additional|addtnl|addl|add'l|add-on|add on|addon|subsequent|sbsq|subsq|subseq"
    r"|list(?:ed)? separately in addition|add$)(?![a-z])"
    r")"
)

_MULTIPLICITY_RE = re.compile(
    r"(?<![a-z])(?:(?P<both>single or multiple|single/multiple|one or more)"
    r"|(?P<single>single|solitary)(?![- ](?:use|photon|patient use)(?![a-z]))"
    r"|(?P<multiple>multiple|multi|mult|several))(?![a-z])"
)

_UNIT_BASIS_RE = re.compile(
    r"(?<![a-z])(?:(?P<pair>per pair|pairs?)(?![a-z])|(?P<each>each|ea)(?= ?(?:[,;.)]|$)))"
)

_COLLAPSE_TABLE = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\t": " ",
        "\n": " ",
        "\r": " ",
        "\f": " ",
        "\v": " ",
    }
)


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


class _Reader:
    """One text being read: its normalised form and the attributes found, with spans.

    ``norm`` is the text lower-cased, with dashes, quotes and white space unified and
    runs of spaces collapsed to one, so that every regex can use a single optional
    space. ``_where[i]`` is the index in the original text of ``norm[i]`` (when the
    lengths allow it), so that evidence quotes the original words. ``found`` holds
    (start, end, Attribute) in ``norm`` coordinates; ``consumed`` holds spans that a
    more specific rule has already read (contrast phrases).
    """

    def __init__(self, text: str) -> None:
        lowered = text.lower().translate(_COLLAPSE_TABLE)
        self._original = text if len(lowered) == len(text) else lowered
        if "  " in lowered:
            keep = [i for i, ch in enumerate(lowered) if ch != " " or lowered[i - 1 : i] != " "]
            self.norm = "".join(lowered[i] for i in keep)
            self._where: list[int] | None = keep
        else:
            self.norm = lowered
            self._where = None
        self.found: list[tuple[int, int, Attribute]] = []
        self.consumed: list[tuple[int, int]] = []

    def evidence(self, start: int, end: int) -> str:
        """The original words behind ``norm[start:end]``."""
        if end <= start:
            return ""
        if self._where is None:
            return self._original[start:end].strip()
        return self._original[self._where[start] : self._where[end - 1] + 1].strip()

    def add(
        self,
        start: int,
        end: int,
        name: str,
        value: str | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> None:
        """Record one attribute read from ``norm[start:end]``."""
        if low is not None and high is not None and low > high:
            low, high = high, low
        self.found.append(
            (start, end, Attribute(name, value, low, high, self.evidence(start, end)))
        )

    def consume(self, start: int, end: int) -> None:
        """Mark ``norm[start:end]`` as read by a specific rule (kept sorted)."""
        bisect.insort(self.consumed, (start, end))

    def overlaps_consumed(self, start: int, end: int) -> bool:
        """Whether ``norm[start:end]`` overlaps a span a specific rule already read.

        Consumed spans do not overlap one another, so only the last span starting
        before ``end`` (and the one before it) can overlap.
        """
        i = bisect.bisect_left(self.consumed, (end, -1))
        return any(self.consumed[j][1] > start for j in range(max(0, i - 2), i))


def _number(token: str) -> float:
    """The value of a number matched by ``_NUM``."""
    word = _WORD_NUMBERS.get(token)
    if word is not None:
        return float(word)
    return float(token.replace(",", ""))


_LOWER_KINDS = frozenset({"ge", "gt", "inc"})
_UPPER_KINDS = frozenset({"le", "lt"})


def _qualified_range(
    m: re.Match[str], count: bool, pre_kind: str | None
) -> tuple[float | None, float | None]:
    """The range stated by a measure or age match: its number(s) and qualifiers.

    A lower-bound qualifier ("over", "or more", "each additional") opens the top of the
    range, an upper-bound one ("up to", "or less", "under") opens the bottom; a strict
    one ("over", "under") moves the bound by one step (one for counts, EPSILON else).
    """
    n1 = _number(m.group("n1"))
    n2_text = m.group("n2") or (m.groupdict().get("n2b") or None)
    low = high = n1
    if n2_text is not None:
        n2 = _number(n2_text)
        if m.groupdict().get("n2b") and "." not in m.group("n1"):
            low = high = n2  # "30 20.1cm": only the glued decimal belongs to the unit
        elif m.group("sep") == "/" and not count:
            low = high = n1 / n2 if n2 else n2  # "1/2 inch": a fraction
        elif n2 < n1 and m.group("sep") not in ("or", "and"):
            low = high = n2  # a stray number before the one next to the unit
        else:
            low, high = min(n1, n2), max(n1, n2)
    kinds = {pre_kind} | {_POST_QUALIFIERS[q] for q in (m.group("mid"), m.group("post")) if q}
    lower = kinds & _LOWER_KINDS
    upper = kinds & _UPPER_KINDS
    step = 1.0 if count else EPSILON
    if lower and not upper:
        return (low + step if lower == {"gt"} else low), None
    if upper and not lower:
        return None, (high - step if upper == {"lt"} else high)
    return low, high


def _read_measures(r: _Reader) -> None:
    """Numbers with units: sizes, areas, times, views, weights, volumes, counts."""
    norm = r.norm
    for m in _MEASURE_RE.finditer(norm):
        name, factor = _unit_info(m.group("unit"))
        pre = m.group("pre")
        pre_kind = _PRE_QUALIFIERS[pre] if pre else None
        count = name in _COUNT_NAMES
        rng = _qualified_range(m, count, pre_kind)
        low, high = (None if x is None else round(x * factor, 9) for x in rng)
        if count and pre_kind == "inc" and high is None and low == 1:
            low = 2.0  # "each additional 1 level": at least two in all
        r.add(m.start(), m.end(), name, None, low, high)
    for m in _HOUR_RE.finditer(norm):
        pre = m.group("pre")
        if pre.startswith(("half", "one half")):
            r.add(m.start(), m.end(), "minutes", None, 30.0, 30.0)
        elif pre in ("first", "1st", "initial", "an"):
            r.add(m.start(), m.end(), "minutes", None, 60.0, 60.0)
        else:
            r.add(m.start(), m.end(), "minutes", None, 60.0, None)
    for m in _COUNT_WORD_RE.finditer(norm):
        noun = m.group("noun") or m.group("noun2") or ""
        name, _ = _unit_info(noun)
        r.add(m.start(), m.end(), name, None, 2.0, None)


def _read_ages(r: _Reader) -> None:
    """Ages stated as numbers with an age cue, and named age groups."""
    norm = r.norm
    numeric_spans: list[tuple[int, int]] = []
    for m in _AGE_RE.finditer(norm):
        unit = m.group("unit") or ""
        pre = m.group("pre2") or m.group("pre")
        pre_kind = _PRE_QUALIFIERS[pre] if pre else None
        if pre_kind in ("inc", "first"):
            continue
        quals = " ".join(q for q in (pre, m.group("mid"), m.group("post")) if q)
        cue = bool(m.group("kw") or m.group("cue") or unit in ("y/o", "yo"))
        cue = cue or "older" in quals or "younger" in quals
        cue = cue or (bool(unit) and ("+" in quals))
        if not cue:
            continue
        if not unit and _OTHER_UNIT_AFTER.match(norm, m.end()):
            continue  # "gestational age 28 weeks" is a number of weeks, not an age
        if unit.startswith(("mo", "month")):
            factor = 1 / 12
        elif unit.startswith(("day", "dy")):
            factor = 1 / 365
        else:
            factor = 1.0
        rng = _qualified_range(m, False, pre_kind)
        low, high = (None if x is None else round(x * factor, 9) for x in rng)
        r.add(m.start(), m.end(), "age_years", None, low, high)
        numeric_spans.append((m.start(), m.end()))
    for m in _AGE_GROUP_RE.finditer(norm):
        if any(m.start() < e and s < m.end() for s, e in numeric_spans):
            continue  # "child 3 years old": the number says more than the group
        word = m.group("g")
        key = word if word in _AGE_GROUPS else word[:-1]
        if key in _AGE_GROUPS:
            low, high = _AGE_GROUPS[key]
            r.add(m.start(), m.end(), "age_years", None, low, high)


def _singular(word: str) -> str:
    """Crude singular: strip one trailing "s" (not from -ss/-is/-us, nor short words)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


def _read_presence(r: _Reader) -> None:
    """Contrast and the generic with/without features."""
    norm = r.norm
    for m in _CONTRAST_THEN_RE.finditer(norm):
        r.add(m.start(), m.end(), "contrast", "without_then_with")
        r.consume(m.start(), m.end())
    for m in _PREP_RE.finditer(norm):
        if r.overlaps_consumed(m.start(), m.end()):
            continue
        if m.group("both"):
            kind = _BOTH
        elif m.group("wtw"):
            kind = _WTW
        elif m.group("neg"):
            kind = "without"
        else:
            kind = "with"
        content, end, is_contrast = _content_after(norm, m.end())
        if content is None:
            continue
        if is_contrast:
            r.consume(m.start(), end)
            if kind == _WTW or (kind == _BOTH and m.group("both") == "w/wo"):
                r.add(m.start(), end, "contrast", "without_then_with")
            elif kind == _BOTH:
                r.add(m.start(), end, "contrast", "with")
                r.add(m.start(), end, "contrast", "without")
            else:
                r.add(m.start(), end, "contrast", kind)
            continue
        if content in _NO_FEATURE_WORDS:
            continue
        name = "feature:" + _singular(content)
        if kind in (_BOTH, _WTW):
            r.add(m.start(), end, name, "with")
            r.add(m.start(), end, name, "without")
        else:
            r.add(m.start(), end, name, kind)
    for m in _CONTRAST_SOLE_RE.finditer(norm):
        if r.overlaps_consumed(m.start(), m.end()):
            continue
        if m.group("neg"):
            r.add(m.start(), m.end(), "contrast", "without")
        elif not _CONTRAST_EXCLUDE_BEFORE.search(norm, max(0, m.start() - 6), m.start()):
            r.add(m.start(), m.end(), "contrast", "with")
    for m in _ED_ITEM_RE.finditer(norm):
        word = m.group("w")
        if word in _ED_EXCLUDE or word.startswith(("un", "non")):
            continue
        r.add(m.start("w"), m.end("w"), "feature:" + _ed_stem(word), "with")
    for m in _UN_ED_RE.finditer(norm):
        word = m.group("w") + "ed"
        if "un" + word in _ED_EXCLUDE or word in _ED_EXCLUDE:
            continue
        r.add(m.start(), m.end(), "feature:" + _ed_stem(word), "without")
    for m in _FREE_LESS_RE.finditer(norm):
        word = m.group("f") or m.group("l")
        if word in _SKIP_WORDS or word in _NO_FEATURE_WORDS or word in _LESS_EXCLUDE:
            continue
        if word in ("duty", "tax", "charge", "cost", "hands", "standing", "form", "flowing"):
            continue
        r.add(m.start(), m.end(), "feature:" + _singular(word), "without")


def _ed_stem(word: str) -> str:
    """ "wheeled" -> "wheel", "padded" -> "pad": a crude stem of an -ed adjective."""
    stem = word[:-2]
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] in "bdgmnprt":
        stem = stem[:-1]
    return _singular(stem)


def _content_after(norm: str, pos: int) -> tuple[str | None, int, bool]:
    """The first content word after a preposition: (word, end, is it contrast?).

    Skips articles and similar words; stops at punctuation or a number. Contrast is
    recognised up to three words on ("with iv contrast").
    """
    seen = 0
    candidate: tuple[str, int] | None = None
    for t in _TOKEN_RE.finditer(norm, pos, min(len(norm), pos + 120)):
        tok = t.group()
        seen += 1
        if seen > 6 or not tok[0].isalpha() or tok in _WORD_NUMBERS:
            break
        if tok in _CONTRAST_WORDS or tok.startswith(("contrast-", "contrast(")):
            if seen <= 3 and (candidate is None or candidate[0] in _CONTRAST_MODIFIERS):
                return "contrast", t.end(), True
        if tok in _SKIP_WORDS or (len(tok) > 5 and tok.endswith("ly")):
            continue  # articles, quantifiers, adverbs ("with medically necessary pads")
        word = tok.strip("'-")
        if len(word) < 2:
            break
        if candidate is None:
            candidate = (word, t.end())
        if word not in _CONTRAST_MODIFIERS:
            break
    if candidate is None:
        return None, pos, False
    return candidate[0], candidate[1], False


def _read_categories(r: _Reader) -> None:
    """Laterality, patient status, complexity, urgency, sequence, multiplicity, unit basis."""
    norm = r.norm
    for m in _LATERALITY_RE.finditer(norm):
        if m.group("both"):
            r.add(m.start(), m.end(), "laterality", "unilateral")
            r.add(m.start(), m.end(), "laterality", "bilateral")
            continue
        part = m.group("part1") or m.group("part2")
        if part is not None and part not in _PAIRED_PARTS:
            continue
        value = "unilateral" if m.group("uni") else "bilateral"
        r.add(m.start(), m.end(), "laterality", value)
    for m in _PATIENT_RE.finditer(norm):
        words = [m.group("a") or m.group("b")]
        alt = m.group("alt") or m.group("balt")
        if alt:
            words.append(alt.replace(" or ", "").strip("/"))
        for w in words:
            value = "new" if w in ("new", "nw") else "established"
            r.add(m.start(), m.end(), "patient_status", value)
    for m in _COMPLEXITY_RE.finditer(norm):
        for g in ("a", "a2", "b", "b2", "c", "c2", "d"):
            word = m.group(g)
            if word:
                r.add(m.start(), m.end(), "complexity", _LEVEL_VALUES[word])
    for m in _URGENCY_RE.finditer(norm):
        value = "non_emergency" if m.group("non") else "emergency"
        r.add(m.start(), m.end(), "urgency", value)
    for m in _SEQUENCE_RE.finditer(norm):
        value = "first" if m.group("first") else "each_additional"
        r.add(m.start(), m.end(), "sequence", value)
    for m in _MULTIPLICITY_RE.finditer(norm):
        if m.group("both"):
            r.add(m.start(), m.end(), "multiplicity", "single")
            r.add(m.start(), m.end(), "multiplicity", "multiple")
        else:
            value = "single" if m.group("single") else "multiple"
            r.add(m.start(), m.end(), "multiplicity", value)
    for m in _UNIT_BASIS_RE.finditer(norm):
        r.add(m.start(), m.end(), "unit_basis", "pair" if m.group("pair") else "each")


_GAP_RE = re.compile(r"[ ,]{0,3}(?:but|and)?[ ,]{0,3}")


def _merge_bounds(r: _Reader) -> list[tuple[int, int, Attribute]]:
    """Join "more than 16 sq in but less than or equal to 48 sq in" into one range."""
    merged: list[tuple[int, int, Attribute]] = []
    for start, end, attr in r.found:
        if merged:
            ps, pe, prev = merged[-1]
            if (
                prev.name == attr.name
                and prev.value is None
                and attr.value is None
                and prev.low is not None
                and prev.high is None
                and attr.low is None
                and attr.high is not None
                and prev.low <= attr.high
                and pe <= start
                and _GAP_RE.fullmatch(r.norm, pe, start)
            ):
                joined = Attribute(attr.name, None, prev.low, attr.high, r.evidence(ps, end))
                merged[-1] = (ps, end, joined)
                continue
        merged.append((start, end, attr))
    return merged


def extract(text: str) -> list[Attribute]:
    """All attributes stated in a text (a query, a long descriptor, a short descriptor,
    plain language), in the order they appear, without duplicates."""
    if not text:
        return []
    r = _Reader(text)
    _read_presence(r)
    _read_measures(r)
    _read_ages(r)
    _read_categories(r)
    r.found.sort(key=lambda f: (f[0], f[1]))
    out: list[Attribute] = []
    seen: set[tuple[str, str | None, float | None, float | None]] = set()
    for _, _, attr in _merge_bounds(r):
        key = (attr.name, attr.value, attr.low, attr.high)
        if key not in seen:
            seen.add(key)
            out.append(attr)
    return out


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------

_VALUE_LABELS: dict[str, str] = {
    "without_then_with": "with and without",
    "each_additional": "each additional",
    "non_emergency": "non-emergency",
}
_COUNT_NOUNS: dict[str, tuple[str, str]] = {
    "views": ("view", "views"),
    "levels": ("level", "levels"),
    "lesions": ("lesion", "lesions"),
}


def _is_strict(x: float) -> bool:
    """Whether a stored bound carries the strict-bound nudge."""
    return abs(x - round(x, 4)) > EPSILON / 10


def _decimals(x: float) -> int:
    """Decimals needed to show a bound (after removing any strict-bound nudge)."""
    text = f"{round(x, 4):.4f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _display(attr: Attribute) -> str:
    """An attribute's value as shown to a user: "with and without", "2.1-3.0", "3+ views"."""
    if attr.value is not None:
        return _VALUE_LABELS.get(attr.value, attr.value.replace("_", " "))
    bounds = [x for x in (attr.low, attr.high) if x is not None]
    if not bounds:
        return "any"
    places = max(_decimals(x) for x in bounds)

    def fmt(x: float) -> str:
        return f"{round(x, 4):.{places}f}"

    low, high = attr.low, attr.high
    if low is not None and high is not None:
        if abs(low - high) <= EPSILON / 10:
            text, plural = fmt(low), abs(low - 1) > EPSILON
        else:
            text, plural = f"{fmt(low)}-{fmt(high)}", True
    elif low is not None:
        text = f">{fmt(low)}" if _is_strict(low) else f"{fmt(low)}+"
        plural = True
    else:
        assert high is not None
        text = f"<{fmt(high)}" if _is_strict(high) else f"<={fmt(high)}"
        plural = True
    nouns = _COUNT_NOUNS.get(attr.name)
    if nouns is not None:
        return f"{text} {nouns[1] if plural else nouns[0]}"
    return text


def _agree(q: Attribute, c: Attribute) -> bool:
    """Whether one query value agrees with one code value."""
    q_numeric = q.value is None
    c_numeric = c.value is None
    if q_numeric != c_numeric:
        return False
    if not q_numeric:
        return q.value == c.value
    lo = max(x for x in (q.low, c.low, float("-inf")) if x is not None)
    hi = min(x for x in (q.high, c.high, float("inf")) if x is not None)
    return lo <= hi + EPSILON / 10


def _by_name(attributes: list[Attribute]) -> dict[str, list[Attribute]]:
    """Attributes grouped by name, names in order of first appearance."""
    groups: dict[str, list[Attribute]] = {}
    for a in attributes:
        groups.setdefault(a.name, []).append(a)
    return groups


def _joined(attributes: list[Attribute]) -> str:
    """Distinct display values joined with " or ", in order."""
    shown: list[str] = []
    for a in attributes:
        d = _display(a)
        if d not in shown:
            shown.append(d)
    return " or ".join(shown)


def compare(query: list[Attribute], code: list[Attribute]) -> list[Agreement]:
    """One Agreement per attribute name stated by BOTH sides; names stated by one side
    only are ignored. Any agreeing pair of values makes the name agree. Names come in the
    query's order."""
    code_groups = _by_name(code)
    out: list[Agreement] = []
    for name, qs in _by_name(query).items():
        cs = code_groups.get(name)
        if not cs:
            continue
        agrees = any(_agree(q, c) for q in qs for c in cs)
        out.append(Agreement(name, _joined(qs), _joined(cs), agrees))
    return out


def to_json(attributes: list[Attribute]) -> list[dict[str, Any]]:
    """Plain dicts for a build artifact (JSON-serialisable)."""
    return [
        {"name": a.name, "value": a.value, "low": a.low, "high": a.high, "text": a.text}
        for a in attributes
    ]


def from_json(rows: list[dict[str, Any]]) -> list[Attribute]:
    """The inverse of ``to_json``; missing keys read as None (text as "")."""
    out: list[Attribute] = []
    for row in rows:
        low, high = row.get("low"), row.get("high")
        out.append(
            Attribute(
                name=str(row["name"]),
                value=None if row.get("value") is None else str(row["value"]),
                low=None if low is None else float(low),
                high=None if high is None else float(high),
                text=str(row.get("text") or ""),
            )
        )
    return out


ATTRIBUTES_FILE = "attributes.json"  # each record's attributes, by record position


def record_attributes(texts: list[str | None]) -> list[Attribute]:
    """The attributes a code's texts state (long descriptor, short descriptor as written,
    its expansion, plain language), each once."""
    found: dict[tuple[str, str | None, float | None, float | None], Attribute] = {}
    for text in texts:
        for attribute in extract(text or ""):
            key = (attribute.name, attribute.value, attribute.low, attribute.high)
            found.setdefault(key, attribute)
    return list(found.values())


def save_attributes(per_record: list[list[Attribute]], path: Path) -> None:
    path.write_text(json.dumps([to_json(a) for a in per_record]), encoding="utf-8")


def read_attributes(path: Path) -> list[list[Attribute]]:
    return [from_json(rows) for rows in json.loads(path.read_text(encoding="utf-8"))]
