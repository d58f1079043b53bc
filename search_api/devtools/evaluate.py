"""Recall@k and MRR of the searcher on a query file, per mode and per query kind."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from search_api.engine.errors import BadRequest, SourceError
from search_api.engine.searcher import Searcher

CUTOFFS = (1, 5, 10)


def read_queries(path: Path) -> list[dict[str, Any]]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            gold = [str(c).upper() for c in entry["gold"]]
            queries.append(
                {"query": str(entry["query"]), "gold": gold, "kind": entry.get("kind", "all")}
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(str(path), f"not a query line ({exc})", number) from exc
    return queries


def _metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    out = {f"R@{k}": sum(1 for r in ranks if r is not None and r <= k) / n for k in CUTOFFS}
    out["MRR"] = sum(1.0 / r for r in ranks if r is not None) / n
    return {k: round(v, 4) for k, v in out.items()}


def evaluate_queries(
    searcher: Searcher, queries: list[dict[str, Any]], modes: list[str]
) -> dict[str, Any]:
    report: dict[str, Any] = {"queries": len(queries), "modes": {}}
    for mode in modes:
        ranks: list[int | None] = []
        by_kind: defaultdict[str, list[int | None]] = defaultdict(list)
        misses = []
        for entry in queries:
            try:
                result = searcher.search(entry["query"], limit=10, mode=mode)  # type: ignore[arg-type]
                codes = [h.record.code for h in result.hits]
            except BadRequest:
                codes = []
            rank = next((i for i, c in enumerate(codes, start=1) if c in entry["gold"]), None)
            ranks.append(rank)
            by_kind[entry["kind"]].append(rank)
            if rank != 1:
                misses.append(
                    {"query": entry["query"], "gold": entry["gold"], "rank": rank, "top": codes[:3]}
                )
        report["modes"][mode] = {
            "overall": _metrics(ranks),
            "by_kind": {k: {"n": len(v), **_metrics(v)} for k, v in sorted(by_kind.items())},
            "misses": misses,
        }
    return report


def evaluate_file(searcher: Searcher, path: Path, modes: list[str]) -> dict[str, Any]:
    report = evaluate_queries(searcher, read_queries(path), modes)
    report["file"] = str(path)
    return report


def format_report(report: dict[str, Any], misses: int = 20) -> str:
    lines = [f"{report.get('file', '')}: {report['queries']} queries", ""]
    lines.append(f"{'mode':<10}{'kind':<14}{'n':>5}{'R@1':>8}{'R@5':>8}{'R@10':>8}{'MRR':>8}")
    for mode, data in report["modes"].items():
        o = data["overall"]
        lines.append(
            f"{mode:<10}{'ALL':<14}{report['queries']:>5}{o['R@1']:>8.3f}{o['R@5']:>8.3f}{o['R@10']:>8.3f}{o['MRR']:>8.3f}"
        )
        for kind, m in data["by_kind"].items():
            lines.append(
                f"{'':<10}{kind:<14}{m['n']:>5}{m['R@1']:>8.3f}{m['R@5']:>8.3f}{m['R@10']:>8.3f}{m['MRR']:>8.3f}"
            )
    for mode, data in report["modes"].items():
        if misses and data["misses"]:
            lines += ["", f"{mode} misses (rank of gold, top 3):"]
            for miss in data["misses"][:misses]:
                lines.append(
                    f"  {miss['rank']!s:>4}  {miss['query'][:60]:<60} "
                    f"gold={','.join(miss['gold'])} top={','.join(miss['top'])}"
                )
    return "\n".join(lines)


# ------------------------------------------------------------- figures and floors
# The committed figures of every query set, per mode: docs/quality.md reports them and the
# quality tests fail when a measured MRR or R@1 falls more than TOLERANCE below them.
# `codesearch quality --record` rewrites the file, so raising the bar is one command.
FIGURES_FILE = "figures.json"
TOLERANCE = 0.02
FLOORED = ("R@1", "MRR")
MODES = ("keyword", "semantic", "hybrid")
NOT_QUERY_SETS = {"offtopic"}  # texts no code fits: the confidence model's negatives


def query_sets(eval_dir: Path, corpus_dir: Path) -> dict[str, Path]:
    """Every evaluation query file, by name (its stem): the shared sets, then the project's
    own in ``corpus/eval/``."""
    found: dict[str, Path] = {}
    for folder in (eval_dir, corpus_dir / "eval"):
        for path in sorted(folder.glob("*.jsonl")):
            if path.stem not in NOT_QUERY_SETS:
                found.setdefault(path.stem, path)
    return found


def measure_sets(
    searcher: Searcher, sets: dict[str, Path], modes: tuple[str, ...] = MODES
) -> dict[str, dict[str, Any]]:
    """``{set: {"queries": n, mode: {R@1, R@5, R@10, MRR}}}`` for each query set."""
    measured: dict[str, dict[str, Any]] = {}
    for name, path in sets.items():
        report = evaluate_file(searcher, path, list(modes))
        measured[name] = {"queries": report["queries"]}
        for mode, data in report["modes"].items():
            measured[name][mode] = data["overall"]
    return measured


def read_figures(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def regressions(
    measured: dict[str, dict[str, Any]], figures: dict[str, Any], tolerance: float = TOLERANCE
) -> list[str]:
    """Each floored figure (R@1, MRR) that fell more than ``tolerance`` below the committed
    one, as a readable line; a set or mode with no committed figure is a failure too."""
    committed = figures["sets"]
    failures = []
    for name, by_mode in measured.items():
        if name not in committed:
            failures.append(f"{name}: no committed figures (run `codesearch quality --record`)")
            continue
        for mode, metrics in by_mode.items():
            if mode == "queries":
                continue
            for metric in FLOORED:
                floor = committed[name][mode][metric] - tolerance
                if metrics[metric] < floor:
                    failures.append(
                        f"{name} {mode} {metric} {metrics[metric]:.3f} < "
                        f"{committed[name][mode][metric]:.3f} - {tolerance}"
                    )
    return failures


def format_figures(measured: dict[str, dict[str, Any]]) -> str:
    """A markdown table, one row per set and mode (what docs/quality.md shows)."""
    lines = ["| set | queries | mode | R@1 | R@5 | R@10 | MRR |", "|---|---|---|---|---|---|---|"]
    for name, by_mode in measured.items():
        for mode in MODES:
            if mode in by_mode:
                m = by_mode[mode]
                lines.append(
                    f"| {name} | {by_mode['queries']} | {mode} | {m['R@1']:.3f} | {m['R@5']:.3f}"
                    f" | {m['R@10']:.3f} | {m['MRR']:.3f} |"
                )
    return "\n".join(lines)
