"""The keyword index: a whoosh index, plus its postings exported for vectorised BM25F.

whoosh analyses and stores the documents, and answers spelling and fuzzy-term questions.
Scoring a query term by term in pure Python costs about 20 microseconds per matching
document, which made common words slow (a paragraph took over a second). So each build
also exports the whoosh segment's postings (term, documents, term frequencies, and
whoosh's own stored field lengths) into ``postings.npz``; ``KeywordPostings`` scores with
numpy using the same BM25F formula and statistics as ``whoosh.scoring.BM25F``, so its
scores equal whoosh's (a test compares them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema

from .analysis import TOKEN_PATTERN
from .documents import keyword_fields
from .records import CodeRecord, record_key

TEXT_FIELDS = ("descriptor", "short", "synonyms", "plain")
POSTINGS_FILE = "postings.npz"


def schema() -> Schema:
    stemmed = StemmingAnalyzer(expression=TOKEN_PATTERN, minsize=1)
    plain_words = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
    return Schema(
        key=ID(stored=True, unique=True),
        system=ID,
        active=ID,
        descriptor=TEXT(analyzer=stemmed),
        short=TEXT(analyzer=stemmed),
        synonyms=TEXT(analyzer=stemmed),
        plain=TEXT(analyzer=stemmed),
        ac=TEXT(analyzer=plain_words),
    )


def build_keyword_index(records: list[CodeRecord], directory: Path) -> None:
    """Write a fresh whoosh index of the records into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    created = whoosh_index.create_in(str(directory), schema())
    writer = created.writer(limitmb=256)
    for record in records:
        fields = keyword_fields(record)
        writer.add_document(
            key=record_key(record),
            system=record.system,
            active="1" if record.active else "0",
            **{name: fields[name] for name in (*TEXT_FIELDS, "ac")},
        )
    writer.commit(optimize=True)


def open_keyword_index(directory: Path) -> whoosh_index.Index:
    return whoosh_index.open_dir(str(directory))


def export_postings(index_directory: Path, target: Path) -> None:
    """Write the postings of every text field of a built whoosh index to ``target`` (.npz)."""
    arrays: dict[str, np.ndarray] = {}
    with open_keyword_index(index_directory).reader() as reader:
        documents = reader.doc_count_all()
        arrays["doc_count"] = np.array([documents], dtype=np.int64)
        for name in TEXT_FIELDS:
            terms: list[str] = []
            offsets = [0]
            ids: list[int] = []
            frequencies: list[float] = []
            for raw, _info in reader.iter_field(name):
                text = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                matcher = reader.postings(name, text)
                while matcher.is_active():
                    ids.append(matcher.id())
                    frequencies.append(matcher.weight())
                    matcher.next()
                terms.append(text)
                offsets.append(len(ids))
            lengths = [reader.doc_field_length(d, name) or 0 for d in range(documents)]
            arrays[f"{name}.terms"] = np.array(terms, dtype=str)
            arrays[f"{name}.offsets"] = np.array(offsets, dtype=np.int64)
            arrays[f"{name}.ids"] = np.array(ids, dtype=np.int32)
            arrays[f"{name}.tf"] = np.array(frequencies, dtype=np.float32)
            arrays[f"{name}.lengths"] = np.array(lengths, dtype=np.float32)
            arrays[f"{name}.total_length"] = np.array([reader.field_length(name)], dtype=np.int64)
    with target.open("wb") as handle:
        np.savez(handle, **arrays)


class FieldPostings:
    def __init__(self, arrays: dict[str, np.ndarray], name: str, documents: int) -> None:
        terms = arrays[f"{name}.terms"].tolist()
        self.number = {term: i for i, term in enumerate(terms)}
        self.offsets = arrays[f"{name}.offsets"]
        self.ids = arrays[f"{name}.ids"]
        self.tf = arrays[f"{name}.tf"]
        self.lengths = arrays[f"{name}.lengths"]
        self.average_length = float(arrays[f"{name}.total_length"][0]) / documents or 1.0
        frequency = np.diff(self.offsets).astype(np.float64)
        self.idf = (np.log(documents / (frequency + 1)) + 1).astype(np.float32)

    def __contains__(self, term: str) -> bool:
        return term in self.number

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray, float] | None:
        i = self.number.get(term)
        if i is None:
            return None
        start, end = self.offsets[i], self.offsets[i + 1]
        return self.ids[start:end], self.tf[start:end], float(self.idf[i])


class KeywordPostings:
    """BM25F over exported postings: a weighted sum of per-field BM25, as whoosh scores an
    OR of boosted terms."""

    def __init__(self, path: Path, b: float, k1: float) -> None:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        self.documents = int(arrays["doc_count"][0])
        self.fields = {name: FieldPostings(arrays, name, self.documents) for name in TEXT_FIELDS}
        self.b, self.k1 = b, k1

    def __contains__(self, item: tuple[str, str]) -> bool:
        field_name, term = item
        return term in self.fields[field_name]

    def doc_frequency(self, field_name: str, term: str) -> int:
        found = self.fields[field_name].postings(term)
        return 0 if found is None else int(found[0].size)

    def score(self, clauses: list[tuple[str, str, float]]) -> np.ndarray:
        """Scores of every document for ``(field, term, boost)`` clauses (summed)."""
        scores = np.zeros(self.documents, dtype=np.float32)
        b, k1 = self.b, self.k1
        for field_name, term, boost in clauses:
            postings = self.fields[field_name]
            found = postings.postings(term)
            if found is None:
                continue
            ids, tf, idf = found
            norm = k1 * ((1 - b) + b * postings.lengths[ids] / postings.average_length)
            scores[ids] += boost * idf * (tf * (k1 + 1)) / (tf + norm)
        return scores

    def coverage(
        self, clauses: list[tuple[str, str, float]], words: list[int], count: int
    ) -> np.ndarray:
        """Share of the query's ``count`` words each document matches: clause ``i`` stands
        for query word ``words[i]`` (-1: for none)."""
        held = np.zeros((max(count, 1), self.documents), dtype=bool)
        for (field_name, term, _boost), word in zip(clauses, words, strict=True):
            found = self.fields[field_name].postings(term) if word >= 0 else None
            if found is not None:
                held[word, found[0]] = True
        return held.sum(axis=0, dtype=np.float32) / max(count, 1)

    def matched(
        self, clauses: list[tuple[str, str, float]], documents: np.ndarray
    ) -> list[dict[str, list[str]]]:
        """For each document, the clauses' terms it holds, by field."""
        out: list[dict[str, list[str]]] = [{} for _ in range(len(documents))]
        seen: set[tuple[str, str]] = set()
        for field_name, term, _boost in clauses:
            if (field_name, term) in seen:
                continue
            seen.add((field_name, term))
            found = self.fields[field_name].postings(term)
            if found is None:
                continue
            ids = found[0]  # ascending document numbers, as whoosh stores them
            at = np.minimum(np.searchsorted(ids, documents), ids.size - 1)
            for row in np.flatnonzero(ids[at] == documents):
                out[row].setdefault(field_name, []).append(term)
        return out
