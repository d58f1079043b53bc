"""Fit and measure the confidence model of :mod:`search_api.engine.confidence`.

Positives are labelled queries (``{query, gold}``): a hit is correct when its code is a gold
code. Negatives are off-topic texts (``{text}``): no hit is correct. Every text is also
sent wrapped in chatbot-style sentences, as a chatbot backend would forward it.
``codesearch calibrate`` prints the fitted coefficients to paste into ``confidence.py``
and the figures measured on the query set held out of each fit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search_api.devtools.evaluate import read_queries
from search_api.engine.confidence import (
    FEATURES,
    content_terms,
    hit_confidences,
    hit_features,
    no_confident_match,
)
from search_api.engine.errors import BadRequest
from search_api.engine.searcher import Searcher

# How chatbot users phrase things around the part that matters.
WRAPPERS = (
    "{text}",
    "Hi, I need some help with billing. {text}. Which code should I use for this?",
    "From today's visit note: {text}. Thanks in advance for looking this up!",
)
DEPTH = 10  # hits scored per text


@dataclass
class Sample:
    text: str  # as sent, maybe wrapped
    original: str  # as written in the file
    source: str  # which file it came from
    gold: list[str]  # empty for off-topic texts
    rows: list[dict[str, float]]  # features per text hit
    labels: list[int]  # 1 when that hit's code is gold
    codes: list[str]
    wrapped: bool


def read_offtopic(path: Path) -> list[str]:
    return [
        json.loads(line)["text"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def collect(
    searcher: Searcher, positives: dict[str, list[dict[str, Any]]], negatives: list[str]
) -> list[Sample]:
    """Search every text (plain and wrapped) and record each hit's features and label."""
    items = [(name, q["query"], q["gold"]) for name, qs in positives.items() for q in qs]
    items += [("offtopic", text, []) for text in negatives]
    samples = []
    for source, text, gold in items:
        for number, wrapper in enumerate(WRAPPERS):
            wrapped = wrapper.format(text=text.rstrip("."))
            try:
                result = searcher.search(wrapped, limit=DEPTH)
            except BadRequest:
                continue
            terms = content_terms(result.query)
            top = max((h.similarity for h in result.hits if h.similarity is not None), default=0.0)
            text_hits = [h for h in result.hits if h.channel != "code"]
            samples.append(
                Sample(
                    text=wrapped,
                    original=text,
                    source=source,
                    gold=gold,
                    rows=[hit_features(terms, h, top) for h in text_hits],
                    labels=[int(h.record.code in gold) for h in text_hits],
                    codes=[h.record.code for h in result.hits],
                    wrapped=number > 0,
                )
            )
    return samples


def fit(samples: list[Sample]) -> tuple[float, dict[str, float]]:
    """Logistic regression on every hit of the samples; returns (intercept, coefficients)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[row[f] for f in FEATURES] for s in samples for row in s.rows])
    y = np.array([label for s in samples for label in s.labels])
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)
    coefficients = {f: round(float(c), 4) for f, c in zip(FEATURES, model.coef_[0], strict=True)}
    return round(float(model.intercept_[0]), 4), coefficients


def measure(samples: list[Sample], threshold: float) -> dict[str, Any]:
    """Figures at the threshold with the coefficients currently in ``confidence.py``."""
    from search_api.engine import confidence

    off = [s for s in samples if not s.gold]
    real = [s for s in samples if s.gold]

    def top_confidence(sample: Sample) -> float:
        return max((confidence.probability(r) for r in sample.rows), default=0.0)

    flagged_off = sum(1 for s in off if no_confident_match([top_confidence(s)], threshold))
    correct = [s for s in real if s.codes[:1] and s.codes[0] in s.gold]
    kept = [s for s in real if not no_confident_match([top_confidence(s)], threshold)]
    correct_kept = [s for s in correct if not no_confident_match([top_confidence(s)], threshold)]
    wrong_kept = [s for s in kept if s not in correct]
    n_real = len(real) or 1
    return {
        "threshold": threshold,
        "offtopic_texts": len(off),
        "offtopic_flagged": round(flagged_off / (len(off) or 1), 4),
        "real_texts": len(real),
        "real_top1_correct": round(len(correct) / n_real, 4),
        "real_top1_correct_and_not_flagged": round(len(correct_kept) / n_real, 4),
        "real_flagged": round(1 - len(kept) / n_real, 4),
        "real_not_flagged_but_top1_wrong": round(len(wrong_kept) / n_real, 4),
        "offtopic_not_flagged": [
            s.text for s in off if not no_confident_match([top_confidence(s)], threshold)
        ],
    }


def calibrate(
    searcher: Searcher, query_files: list[Path], offtopic: Path, threshold: float
) -> dict[str, Any]:
    """Fit on all data, and measure each query file when it is held out of the fit
    (with every other off-topic text held out alongside)."""
    from search_api.engine import confidence

    positives = {path.name: read_queries(path) for path in query_files}
    negatives = read_offtopic(offtopic)
    samples = collect(searcher, positives, negatives)
    saved = confidence.INTERCEPT, dict(confidence.COEFFICIENTS)
    report: dict[str, Any] = {"held_out": {}}
    try:
        for number, name in enumerate(positives):
            half = set(negatives[number % 2 :: 2])
            train = [s for s in samples if s.source != name and s.original not in half]
            test = [s for s in samples if s.source == name or s.original in half]
            confidence.INTERCEPT, coefficients = fit(train)
            confidence.COEFFICIENTS.update(coefficients)
            report["held_out"][name] = measure(test, threshold)
        confidence.INTERCEPT, coefficients = fit(samples)
        confidence.COEFFICIENTS.update(coefficients)
        report["fitted"] = {"intercept": confidence.INTERCEPT, "coefficients": coefficients}
        report["all_data_in_sample"] = measure(samples, threshold)
    finally:
        confidence.INTERCEPT, confidence.COEFFICIENTS = saved[0], saved[1]
    return report


def shipped_rates(
    searcher: Searcher, query_files: dict[str, Path], offtopic: Path
) -> dict[str, dict[str, float]]:
    """What the shipped model does, text by text as POST /search sees it (unwrapped): the
    share of off-topic texts flagged ``no_confident_match``, and per query set the share of
    texts whose top hit is correct that are *not* flagged (kept). The quality tests hold
    these near the committed figures."""
    negatives = read_offtopic(offtopic)
    samples = collect_plain(searcher, {name: read_queries(p) for name, p in query_files.items()})
    rates: dict[str, dict[str, float]] = {}
    flagged = sum(1 for text in negatives if _answer(searcher, text)[1])
    rates["offtopic"] = {"texts": len(negatives), "flagged": round(flagged / len(negatives), 4)}
    for name, (correct, kept) in samples.items():
        rates[name] = {"correct_top1": correct, "kept": round(kept / (correct or 1), 4)}
    return rates


def _answer(searcher: Searcher, text: str) -> tuple[str | None, bool]:
    """The top code POST /search would return for the text (None: no hit, or not a
    searchable text), and whether the answer says ``no_confident_match``."""
    try:
        result = searcher.search(text, limit=DEPTH)
    except BadRequest:
        return None, True
    top = result.hits[0].record.code if result.hits else None
    return top, no_confident_match(hit_confidences(result))


def collect_plain(
    searcher: Searcher, positives: dict[str, list[dict[str, Any]]]
) -> dict[str, tuple[int, int]]:
    """Per query set: (texts whose top hit is a gold code, those of them not flagged)."""
    found: dict[str, tuple[int, int]] = {}
    for name, queries in positives.items():
        answers = [(_answer(searcher, q["query"]), q["gold"]) for q in queries]
        correct = [flagged for (top, flagged), gold in answers if top in gold]
        found[name] = (len(correct), correct.count(False))
    return found


__all__ = ["Sample", "calibrate", "collect", "fit", "hit_confidences", "measure", "shipped_rates"]
