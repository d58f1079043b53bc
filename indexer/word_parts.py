"""Medical word parts: split Greek and Latin compounds into parts with plain meanings.

Descriptors name procedures with compounds ("cholecystectomy", "myringotomy"); people ask in
plain words ("removal of the gallbladder", "surgical opening of the eardrum"). The table
``corpus/word_parts.tsv`` lists word parts (prefixes, roots, suffixes) with short plain
meanings, and this module works in both directions:

* ``WordParts.decompose`` splits a compound into known parts, and ``WordParts.meanings``
  gives their plain meanings, to index beside the word (subword indexing in the manner of
  MorphoSaurus, by Markó, Schulz and Hahn);
* ``WordParts.parts_for_phrase`` finds the parts' meaning phrases in plain text and answers
  with the parts' names, for the query side.

The table, ``part<TAB>kind<TAB>meaning`` with one part a row:

* ``part`` is lower-case letters, usually a combining form with its connecting vowel
  ("gastro", "laparo"), sometimes a bare stem ("cyst", "append");
* ``kind`` is ``prefix``, ``root`` or ``suffix``;
* ``meaning`` is a few plain words, alternatives separated by `` | ``, the main one first.

Rows of one kind with the same meanings whose names begin alike (the same first three
letters, or one name the start of the other) are spellings of one part: "hemo", "hemato"
(blood); "append", "appendico" (appendix). Both directions answer with the first-listed
spelling, so what ``parts_for_phrase`` finds in a query is what ``decompose`` finds in the
word. Synonyms spelled differently ("phlebo" and "veno", vein) stay separate parts.

How ``decompose`` reads a word. It must be wholly a run of parts:

1. prefixes and roots, at least one root, then suffixes. A prefix is never last; a suffix
   right after a prefix has four letters at least ("hemo" + "dia" + "lysis"); a root of
   three letters or fewer is never last. One exception to "at least one root": prefixes
   and then one final suffix of six letters or more ("para" + "centesis", "hemi" +
   "plegia"), so that "dia" + "lysis", "pro" + "gram" or "dia" + "meter" stay unread;
2. a part ending in "o", "a" or "e" may drop that vowel before a part that starts with a
   vowel ("gastro" + "ectomy" -> gastrectomy) if three letters remain, and where only
   three remain the next part has three letters at least ("colo" + "itis" -> colitis,
   but not "sono" + "al" in "personal");
3. a connecting vowel (o, i, a, e) may join a part ending in a consonant to the next
   ("cyst" o "lith");
4. one letter may serve two parts: an "o" that ends one part and begins the next ("ano" +
   "oscopy" -> anoscopy, "hypo" + "ox" + "ia" -> hypoxia), or the consonant that ends a
   part which dropped its vowel and begins a suffix of five letters or more ("thorac(o)" +
   "centesis" -> thoracentesis);
5. a suffix followed by another suffix has three letters at least and the one after it
   four ("corono" + "oid" + "ectomy"; never "al" + "lysis").

Of all readings the one with the fewest parts wins. On a tie: one with a root; then the
one with fewer joins by rules 3 and 4; then the one whose first part is longest, then
second, and so on. The search is dynamic programming over positions in the word, a few
dozen states a letter, so its time grows linearly with the word's length; answers are
cached per word.

A few ordinary words read as compounds by accident of spelling ("spiral" is not "spiro" +
"al", breathing); ``FALSE_FRIENDS`` lists them, and they never decompose.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KINDS: tuple[str, ...] = ("prefix", "root", "suffix")
HEADER: tuple[str, str, str] = ("part", "kind", "meaning")
MIN_WORD = 6  # shorter words are never read as compounds
MAX_WORD = 60  # nor are longer ones (no descriptor word comes near)
MIN_ELIDED = 3  # letters a part keeps when it drops its final vowel
MIN_ROOTLESS_SUFFIX = 6  # letters of the suffix that may stand for a root (rule 1)
_VOWELS = frozenset("aeiouy")
_CONNECTORS = frozenset("oiae")
_ELIDABLE = frozenset("oae")
_PART = re.compile(r"[a-z]{2,}")
_WORD = re.compile(r"[a-z]+")
# Ordinary words that the rules would read as compounds of unrelated parts.
FALSE_FRIENDS: frozenset[str] = frozenset(
    {"spiral", "temporary", "durometer", "cyclical", "cyclicals"}
)
_PREFIX, _ROOT, _SUFFIX = 0, 1, 2
_KIND_CODE = {"prefix": _PREFIX, "root": _ROOT, "suffix": _SUFFIX}
_DIRECT, _CONNECTOR, _SHARED = 0, 1, 2


@dataclass(frozen=True)
class WordPart:
    """One part: its name (as the table spells it), kind and meanings.

    ``meanings`` holds the alternatives of the ``meaning`` column in order, the main one
    first: ``WordPart("chole", "root", ("gall", "bile"))``.
    """

    part: str
    kind: str  # "prefix" | "root" | "suffix"
    meanings: tuple[str, ...]


@dataclass(frozen=True)
class _Form:
    """A way a part is written inside a word.

    ``text`` is the letters: a row's name, or the name less its final vowel when
    ``elided``. ``part`` is the canonical spelling of the row's part (see the module
    docstring); ``kind`` the kind as a code (_PREFIX, _ROOT, _SUFFIX).
    """

    text: str
    part: WordPart
    kind: int
    elided: bool


# How the rest of a word reads from some state: (parts, 1 if a suffix stands for the root
# else 0, joins by connector or shared letter, the parts' lengths negated, the parts).
# Tuples compare item by item, so min() prefers fewer parts, then a reading with a root,
# then fewer such joins, then a longer first part, second part, ...
_Reading = tuple[int, int, int, tuple[int, ...], tuple[WordPart, ...]]
# A state of the search: (position, in the suffixes, a root seen, previous form, parts so
# far capped at 2).
_State = tuple[int, bool, bool, _Form | None, int]


def _singular(token: str) -> str:
    """A crude singular for matching meaning words: airways -> airway, arteries -> artery."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _words(text: str) -> list[str]:
    """The lower-case letter runs of a text, each made singular."""
    return [_singular(w) for w in _WORD.findall(text.lower())]


def _same_stem(a: str, b: str) -> bool:
    """Whether two part names look like spellings of one part (see the module docstring)."""
    return a.startswith(b) or b.startswith(a) or (len(a) >= 3 and a[:3] == b[:3])


class WordParts:
    """The word-part table and the two lookups over it.

    Data structures:

    * ``parts``: every row of the table as a ``WordPart``, in file order.
    * ``_forms``: letters -> the ``_Form`` objects written so (a part's name, and its name
      less a final o, a or e); the decomposer looks up each slice of a word of up to
      ``_longest`` letters here.
    * ``_phrases``: a meaning phrase, as a tuple of singular words -> the canonical parts
      for which it is the best-placed meaning (its position among the part's alternatives
      is lowest), in file order. ``_phrase_words`` holds every word of every phrase, and
      ``_longest_phrase`` the most words in a phrase.
    * ``_cache``: word -> its decomposition or None, filled as words are asked for.
    """

    def __init__(self, parts: list[WordPart]) -> None:
        self.parts: tuple[WordPart, ...] = tuple(parts)
        canonical: list[WordPart] = []
        self._forms: dict[str, list[_Form]] = {}
        for row in parts:
            main = next(
                (
                    earlier
                    for earlier in canonical
                    if earlier.kind == row.kind
                    and set(earlier.meanings) == set(row.meanings)
                    and _same_stem(earlier.part, row.part)
                ),
                row,
            )
            if main is row:
                canonical.append(row)
            kind = _KIND_CODE[row.kind]
            self._add_form(_Form(row.part, main, kind, elided=False))
            if row.part[-1] in _ELIDABLE and len(row.part) - 1 >= MIN_ELIDED:
                self._add_form(_Form(row.part[:-1], main, kind, elided=True))
        self._longest = max((len(text) for text in self._forms), default=0)
        placed: dict[tuple[str, ...], dict[WordPart, int]] = {}
        for main in canonical:
            for position, meaning in enumerate(main.meanings):
                phrase = tuple(_words(meaning))
                if phrase:
                    placed.setdefault(phrase, {}).setdefault(main, position)
        self._phrases: dict[tuple[str, ...], list[WordPart]] = {}
        for phrase, positions in placed.items():
            best = min(positions.values())
            self._phrases[phrase] = [p for p, at in positions.items() if at == best]
        self._phrase_words = frozenset(word for phrase in self._phrases for word in phrase)
        self._longest_phrase = max((len(p) for p in self._phrases), default=0)
        self._cache: dict[str, list[WordPart] | None] = {}

    def _add_form(self, form: _Form) -> None:
        forms = self._forms.setdefault(form.text, [])
        if not any(f.part == form.part and f.elided == form.elided for f in forms):
            forms.append(form)

    @classmethod
    def load(cls, path: Path) -> WordParts:
        """The table in a TSV file; a missing file gives an empty table.

        Raises ValueError naming the file and the row for a wrong header, a row without
        three columns, a part that is not lower-case letters (two at least), an unknown
        kind, an empty meaning, or a part listed twice with one kind.
        """
        if not path.exists():
            return cls([])
        parts: list[WordPart] = []
        seen: set[tuple[str, str]] = set()
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, None)
            if header is None or tuple(header) != HEADER:
                raise ValueError(f"{path}, row 1: header must be part<TAB>kind<TAB>meaning")
            for number, row in enumerate(reader, start=2):
                if not row or not "".join(row).strip():
                    continue
                if len(row) != 3:
                    raise ValueError(f"{path}, row {number}: expected 3 columns, got {len(row)}")
                part, kind, meaning = (cell.strip() for cell in row)
                if not _PART.fullmatch(part):
                    raise ValueError(
                        f"{path}, row {number}: part {part!r} is not lower-case letters (2+)"
                    )
                if kind not in KINDS:
                    raise ValueError(
                        f"{path}, row {number}: kind {kind!r} is not one of {', '.join(KINDS)}"
                    )
                meanings = tuple(m.strip() for m in meaning.split("|"))
                if not all(meanings):
                    raise ValueError(f"{path}, row {number}: empty meaning in {meaning!r}")
                if (part, kind) in seen:
                    raise ValueError(f"{path}, row {number}: {kind} {part!r} is listed twice")
                seen.add((part, kind))
                parts.append(WordPart(part, kind, meanings))
        return cls(parts)

    def __len__(self) -> int:
        return len(self.parts)

    def decompose(self, word: str) -> list[WordPart] | None:
        """The parts a medical compound is made of, in order, or None when the word is not
        (wholly) made of known parts.

        'cholecystectomy' -> [chole, cyst, ectomy]; 'myringotomy' -> [myringo, otomy];
        'colonoscopy' -> [colo (written "colon"), oscopy]. At least two parts, one of them
        a root; words under six letters give None. A plural that does not decompose is
        tried as a singular ("biopsies" -> "biopsy", "stenoses" -> "stenosis").
        """
        word = word.lower()
        if word not in self._cache:
            found = None
            if (
                MIN_WORD <= len(word) <= MAX_WORD
                and word.isascii()
                and word.isalpha()
                and word not in FALSE_FRIENDS
            ):
                for spelling in self._spellings(word):
                    found = self._read(spelling)
                    if found is not None:
                        break
            self._cache[word] = found
        found = self._cache[word]
        return list(found) if found is not None else None

    @staticmethod
    def _spellings(word: str) -> Iterator[str]:
        """The word, then its singular where it looks like a plural."""
        yield word
        if word.endswith("ies"):
            yield word[:-3] + "y"
        elif word.endswith("ses"):
            yield word[:-3] + "sis"
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            yield word[:-1]

    def _read(self, word: str) -> list[WordPart] | None:
        """The best reading of the whole word (dynamic programming over _State)."""
        memo: dict[_State, _Reading | None] = {}

        def best(state: _State) -> _Reading | None:
            if state in memo:
                return memo[state]
            start, in_suffixes, rooted, previous, count = state
            result: _Reading | None = None
            if start == len(word):
                if previous is not None and rooted and count >= 2 and _may_end(previous):
                    result = (0, 0, 0, (), ())
                memo[state] = result
                return result
            for begin, join, form in self._next_forms(word, start, previous):
                stands_for_root = False
                if form.kind == _SUFFIX:
                    if previous is None:
                        continue
                    if not rooted:
                        # rule 1's exception: prefixes, then one long suffix, then the end
                        if len(form.text) < MIN_ROOTLESS_SUFFIX or form.elided:
                            continue
                        if begin + len(form.text) != len(word):
                            continue
                        stands_for_root = True
                    if previous.kind == _PREFIX and len(form.text) < 4:
                        continue
                    if in_suffixes and (len(previous.text) < 3 or len(form.text) < 4):
                        continue
                elif in_suffixes:
                    continue
                rest = best(
                    (
                        begin + len(form.text),
                        form.kind == _SUFFIX,
                        rooted or form.kind == _ROOT or stands_for_root,
                        form,
                        min(count + 1, 2),
                    )
                )
                if rest is not None:
                    reading: _Reading = (
                        rest[0] + 1,
                        rest[1] + stands_for_root,
                        rest[2] + (join != _DIRECT),
                        (-len(form.text), *rest[3]),
                        (form.part, *rest[4]),
                    )
                    if result is None or reading[:4] < result[:4]:
                        result = reading
            memo[state] = result
            return result

        reading = best((0, False, False, None, 0))
        return list(reading[4]) if reading is not None else None

    def _next_forms(
        self, word: str, start: int, previous: _Form | None
    ) -> Iterator[tuple[int, int, _Form]]:
        """(where it begins, how it joins, form) for each form that may follow ``previous``
        from ``start``: directly, after a connecting vowel, or sharing a letter."""
        begins = [(start, _DIRECT)]
        if previous is not None:
            last = previous.text[-1]
            if not previous.elided and last not in _VOWELS and word[start] in _CONNECTORS:
                begins.append((start + 1, _CONNECTOR))
            if (last == "o" and not previous.elided) or (previous.elided and last not in _VOWELS):
                begins.append((start - 1, _SHARED))
        for begin, join in begins:
            for size in range(2, min(self._longest, len(word) - begin) + 1):
                for form in self._forms.get(word[begin : begin + size], ()):
                    if _may_follow(previous, join, form):
                        yield begin, join, form

    def meanings(self, word: str) -> list[str]:
        """The plain meanings of the word's parts (every alternative, in part order), for
        indexing; [] when the word does not decompose."""
        found = self.decompose(word)
        return [m for part in found for m in part.meanings] if found is not None else []

    def parts_for_phrase(self, text: str) -> list[str]:
        """The reverse direction, for queries: the names of the parts whose meaning phrases
        occur in the text, in text order, each name once.

        'examination of the large bowel using an endoscope' -> ['colo', 'oscopy']. Phrases
        match whole words (a plural as its singular); longer phrases are taken first and a
        word of the text serves one phrase only. A phrase names the parts for which it is
        the best-placed meaning: "eardrum" names "myringo" (eardrum) and not "tympano"
        (middle ear | eardrum); "vein" names both "phlebo" and "veno". A closed compound the
        table does not know is read as two meaning words when it splits into two
        ("gallbladder" -> "gall" "bladder").
        """
        words = [piece for word in _words(text) for piece in self._split_compound(word)]
        taken = [False] * len(words)
        found: list[tuple[int, int, str]] = []
        for size in range(min(self._longest_phrase, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start : start + size]):
                    continue
                parts = self._phrases.get(tuple(words[start : start + size]))
                if parts:
                    taken[start : start + size] = [True] * size
                    found.extend((start, rank, part.part) for rank, part in enumerate(parts))
        names: list[str] = []
        for _start, _rank, name in sorted(found):
            if name not in names:
                names.append(name)
        return names

    def _split_compound(self, word: str) -> list[str]:
        """The word, or the two one-word meanings it is made of when it is none itself."""
        if word in self._phrase_words:
            return [word]
        for cut in range(len(word) - 3, 2, -1):
            head, tail = word[:cut], word[cut:]
            if (head,) in self._phrases and (tail,) in self._phrases:
                return [head, tail]
        return [word]


def _may_follow(previous: _Form | None, join: int, form: _Form) -> bool:
    """Whether ``form`` may come after ``previous`` joined as ``join`` (rules 2 and 4)."""
    if previous is None:
        return True
    if join == _SHARED:
        if previous.elided:
            return form.kind == _SUFFIX and len(form.text) >= 5
        return form.text[0] == "o"
    if previous.elided:
        if form.text[0] not in _VOWELS:
            return False
        if len(previous.text) <= MIN_ELIDED and len(form.text) < 3:
            return False
    return True


def _may_end(last: _Form) -> bool:
    """Whether a word may end with ``last`` (rule 1)."""
    if last.elided or last.kind == _PREFIX:
        return False
    return not (last.kind == _ROOT and len(last.text) <= 3)
