"""``codesearch bench``: latency, throughput, start-up, build time and memory, measured.

The query mix is fixed for a given index: it is drawn deterministically from the served
records (codes, code prefixes, word prefixes, short and long free text) and from the
project's own evaluation queries, so two runs on the same build send the same queries.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.analysis import tokens
from indexer.settings import Settings
from search_api.engine.errors import BadRequest
from search_api.engine.searcher import Searcher

SEED = 20250101
FILLER = [
    "Patient seen today in clinic.",
    "History reviewed with the family.",
    "Plan discussed and questions answered.",
    "Follow up in two weeks.",
    "No known drug allergies.",
    "Vitals stable on arrival.",
]


@dataclass(frozen=True)
class BenchQuery:
    text: str
    kind: str  # code, code_prefix, word_prefix, short, long


def percentiles(samples_ms: Iterable[float]) -> dict[str, float]:
    values = np.asarray(list(samples_ms), dtype=np.float64)
    if values.size == 0:
        return {"n": 0}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "n": int(values.size),
        "mean": round(float(values.mean()), 2),
        "p50": round(float(p50), 2),
        "p95": round(float(p95), 2),
        "p99": round(float(p99), 2),
        "max": round(float(values.max()), 2),
    }


def _eval_texts(corpus_dir: Path) -> list[str]:
    path = corpus_dir / "eval" / "queries.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]


def query_mix(searcher: Searcher, size: int = 600) -> list[BenchQuery]:
    """A fixed mix of at least 500 queries: a sixth codes, a sixth code prefixes, a sixth
    word prefixes (what people type into a widget), a third short free text and a sixth
    long paragraphs (what chatbots send)."""
    rng = random.Random(SEED)
    records = [r for r in searcher.records if r.active and r.system != "MODIFIER"]
    records.sort(key=lambda r: r.code)
    sample = rng.sample(records, min(len(records), size * 2))
    share = size // 6
    mix: list[BenchQuery] = []
    mix += [BenchQuery(r.code, "code") for r in sample[:share]]
    mix += [
        BenchQuery(r.code[: rng.randint(1, 4)].lower(), "code_prefix")
        for r in sample[share : 2 * share]
    ]
    for record in sample[2 * share :]:
        if len([q for q in mix if q.kind == "word_prefix"]) >= share:
            break
        words = [w for w in tokens(record.display) if w.isalpha() and len(w) > 3][:3]
        if len(words) >= 2:
            cut = [w[: rng.randint(3, len(w))] for w in words[: rng.randint(1, len(words))]]
            if len(cut) == 1:
                cut.insert(0, words[0])
            mix.append(BenchQuery(" ".join(cut), "word_prefix"))
    short = _eval_texts(searcher.settings.corpus_dir)
    for record in sample[3 * share :]:
        if len(short) >= 2 * share:
            break
        text = record.plain_language or record.display
        words = text.split()
        short.append(" ".join(words[: rng.randint(2, min(7, max(2, len(words))))]))
    mix += [BenchQuery(t, "short") for t in short[: 2 * share]]
    plain = [r.plain_language for r in records if r.plain_language]
    while len(mix) < size:
        sentences = rng.sample(plain, 2) + rng.sample(FILLER, 2)
        rng.shuffle(sentences)
        mix.append(BenchQuery(" ".join(sentences), "long"))
    return mix


def _time_calls(call: Callable[[str], object], queries: list[BenchQuery]) -> dict[str, Any]:
    overall: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors = 0
    for query in queries:
        started = time.perf_counter()
        try:
            call(query.text)
        except BadRequest:
            errors += 1  # a query with no searchable words: still timed
        elapsed = (time.perf_counter() - started) * 1000
        overall.append(elapsed)
        by_kind[query.kind].append(elapsed)
    return {
        "all": percentiles(overall),
        "by_kind": {k: percentiles(v) for k, v in sorted(by_kind.items())},
        "rejected": errors,
    }


def in_process(searcher: Searcher, mix: list[BenchQuery]) -> dict[str, Any]:
    """Each query once per mode, after a warm-up on other text; the query-embedding cache
    is emptied before every mode, so semantic and hybrid pay for each embedding."""
    warm = [BenchQuery(t, "warm") for t in ("blood test", "knee brace", "e06", "injection")]
    for query in warm:
        searcher.search(query.text)
        searcher.autocomplete(query.text)
    report: dict[str, Any] = {}
    report["autocomplete"] = _time_calls(lambda t: searcher.autocomplete(t, limit=10), mix)
    for mode in ("keyword", "semantic", "hybrid"):
        searcher.semantic.clear_cache()
        report[mode] = _time_calls(
            lambda t, m=mode: searcher.search(t, limit=10, mode=m),
            mix,  # type: ignore[misc]
        )
    searcher.semantic.clear_cache()
    return report


# ------------------------------------------------------------------------ HTTP
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """The real service in a subprocess (``codesearch serve``) on a loopback port."""

    def __init__(self, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0

    def __enter__(self) -> Server:
        import httpx

        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "search_api.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = started + 300
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    self.startup_s = time.perf_counter() - started
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not start within 300 s")

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the server and its worker processes (VmHWM summed)."""
        assert self.process is not None
        pids = [self.process.pid] + _children(self.process.pid)
        total = 0
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            total += int(match.group(1)) if match else 0
        return round(total / 1024, 1)

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = [int(p) for p in text.split()]
    return found + [g for c in found for g in _children(c)]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: dict[str, list[float]]
    statuses: dict[str, int]
    failures: dict[str, int]

    def summary(self) -> dict[str, Any]:
        everything = [x for v in self.latencies.values() for x in v]
        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": self.statuses,
            "failures": self.failures,
            "seconds": round(self.seconds, 1),
            "throughput_rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "all": percentiles(everything),
            "by_endpoint": {k: percentiles(v) for k, v in sorted(self.latencies.items())},
        }


def run_load(
    url: str,
    requests_for: Callable[[int, int], tuple[str, str, dict[str, Any]]],
    clients: int,
    *,
    duration_s: float | None = None,
    per_client: int | None = None,
    think_s: float = 0.0,
) -> LoadResult:
    """``clients`` concurrent loops over ``requests_for(client, n) -> (endpoint, method,
    params)``, for a duration or a number of requests each. A non-2xx/4xx-expected answer,
    a timeout or a dropped connection counts as an error."""
    import httpx

    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    failures: dict[str, int] = defaultdict(int)
    counts = {"requests": 0, "errors": 0}

    async def client_loop(number: int, client: httpx.AsyncClient, stop_at: float) -> None:
        # People do not type in step: each client pauses a random 0.5-1.5x the think time
        # (seeded per client), and starts at a random point of its first pause.
        pace = random.Random(SEED + number)
        if think_s:
            await asyncio.sleep(think_s * pace.random())
        n = 0
        while True:
            if per_client is not None and n >= per_client:
                return
            if duration_s is not None and time.perf_counter() >= stop_at:
                return
            endpoint, method, params = requests_for(number, n)
            n += 1
            started = time.perf_counter()
            try:
                if method == "POST":
                    response = await client.post(endpoint, json=params)
                else:
                    response = await client.get(endpoint, params=params)
                status = str(response.status_code)
                ok = response.status_code < 500 and response.headers.get(
                    "content-type", ""
                ).startswith(("application/json", "application/fhir+json", "text/html"))
            except httpx.HTTPError as exc:
                status, ok = type(exc).__name__, False
            label = re.sub(r"^/codes/[^/]+", "/codes/{code}", endpoint.split("?")[0])
            latencies[label].append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            counts["requests"] += 1
            if not ok:
                counts["errors"] += 1
                failures[f"{method} {label} {status}"] += 1
            if think_s:
                await asyncio.sleep(think_s * pace.uniform(0.5, 1.5))

    async def main() -> float:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            started = time.perf_counter()
            stop_at = started + (duration_s or 0)
            await asyncio.gather(*(client_loop(i, client, stop_at) for i in range(clients)))
            return time.perf_counter() - started

    seconds = asyncio.run(main())
    return LoadResult(
        counts["requests"],
        counts["errors"],
        seconds,
        dict(latencies),
        dict(statuses),
        dict(failures),
    )


def mixed_requests(mix: list[BenchQuery]) -> Callable[[int, int], tuple[str, str, dict[str, Any]]]:
    """Autocomplete for prefixes, search for the rest, with some lookups and health checks."""
    codes = [q.text for q in mix if q.kind == "code"]

    def pick(client: int, n: int) -> tuple[str, str, dict[str, Any]]:
        query = mix[(client * 7919 + n) % len(mix)]
        if n % 20 == 19:
            return "/codes/" + codes[(client + n) % len(codes)], "GET", {}
        if n % 50 == 49:
            return "/health", "GET", {}
        if query.kind in ("word_prefix", "code_prefix"):
            return "/autocomplete", "GET", {"q": query.text}
        return "/search", "GET", {"q": query.text}

    return pick


def service_requests(
    mix: list[BenchQuery],
) -> Callable[[int, int], tuple[str, str, dict[str, Any]]]:
    """Every protocol the service speaks, for the load test: search (GET and modes),
    autocomplete, code detail and history, FHIR, NLM, health; a tenth are bad requests,
    which must come back as 4xx, never as errors."""
    base = mixed_requests(mix)
    codes = [q.text for q in mix if q.kind == "code"]
    hcpcs_vs = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets?fhir_vs"

    def pick(client: int, n: int) -> tuple[str, str, dict[str, Any]]:
        query = mix[(client * 104729 + n) % len(mix)]
        code = codes[(client + n) % len(codes)]
        slot = n % 20
        if slot == 1:
            return (
                "/fhir/ValueSet/$expand",
                "GET",
                {"url": hcpcs_vs, "filter": query.text[:40], "count": 10},
            )
        if slot == 2:
            system = (
                "http://www.ama-assn.org/go/cpt"
                if code[0].isdigit()
                else "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
            )
            return "/fhir/CodeSystem/$lookup", "GET", {"system": system, "code": code}
        if slot == 3:
            return "/api/hcpcs/v3/search", "GET", {"terms": query.text[:40], "maxList": 7}
        if slot == 4:
            return f"/codes/{code}/history", "GET", {}
        if slot == 5:
            return "/search", "GET", {"q": query.text, "mode": "keyword"}
        if slot == 6:
            return "/search", "GET", {"q": query.text, "mode": "semantic"}
        if slot == 7:  # bad input: must be a 4xx in the error shape
            return "/search", "GET", {"q": "( * : )", "limit": n % 3 * 500}
        if slot == 8:
            return "/codes/ZZZZZ", "GET", {}
        return base(client, n)

    return pick


def autocomplete_requests(
    mix: list[BenchQuery],
) -> Callable[[int, int], tuple[str, str, dict[str, Any]]]:
    """Keystroke by keystroke: each client types its query one character at a time."""
    typed = [q.text for q in mix if q.kind in ("word_prefix", "short", "code_prefix")]

    def pick(client: int, n: int) -> tuple[str, str, dict[str, Any]]:
        text = typed[(client * 31 + n // 8) % len(typed)]
        cut = max(2, min(len(text), 2 + n % 8 * max(1, len(text) // 8)))
        prefix = text[:cut].strip() or text
        return "/autocomplete", "GET", {"q": prefix}

    return pick


def http_bench(
    settings: Settings,
    mix: list[BenchQuery],
    clients: list[int],
    seconds: float,
    workers: int,
    think_s: float,
) -> dict[str, Any]:
    report: dict[str, Any] = {"workers": workers, "levels": {}}
    with Server(workers=workers) as server:
        report["startup_s"] = round(server.startup_s, 2)
        for level in clients:
            entry: dict[str, Any] = {}
            entry["search_mix"] = run_load(
                server.url, mixed_requests(mix), level, duration_s=seconds
            ).summary()
            entry["autocomplete_typing"] = run_load(
                server.url, autocomplete_requests(mix), level, duration_s=seconds, think_s=think_s
            ).summary()
            entry["autocomplete_saturated"] = run_load(
                server.url, autocomplete_requests(mix), level, duration_s=seconds
            ).summary()
            report["levels"][str(level)] = entry
        report["server_peak_rss_mb"] = server.peak_rss_mb()
    return report


# ---------------------------------------------------------------------- builds
def build_times(settings: Settings) -> dict[str, Any]:
    """Cold (empty embedding cache) and warm (cache filled by the cold one) builds into a
    scratch folder; the served index is not touched."""
    from indexer.build import build_index

    scratch = Path(tempfile.mkdtemp(prefix="codesearch-bench-"))
    try:
        local = settings.model_copy(
            update={"index_dir": scratch / "index", "cache_dir": scratch / "cache"}
        )
        cold = build_index(local, progress=False)
        warm = build_index(local, progress=False)
        return {
            "cold_s": round(cold.seconds, 1),
            "cold_embedded": cold.embedded,
            "warm_s": round(warm.seconds, 1),
            "warm_embedded": warm.embedded,
            "records": warm.manifest["counts"]["total"],
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --------------------------------------------------------------------- tantivy
def tantivy_reference(searcher: Searcher, mix: list[BenchQuery]) -> dict[str, Any]:
    """The keyword path beside a tantivy index of the same documents and the same terms.

    Both sides get the analysed words and vocabulary expansions of each query as one OR
    query over the same four text fields with the same boosts; whoosh's time includes
    building the query and collecting matched terms, as the service does."""
    try:
        import tantivy
    except ImportError:
        return {"skipped": "tantivy is not installed (pip install -e '.[bench]')"}
    from indexer.documents import keyword_fields
    from indexer.keyword_index import TEXT_FIELDS
    from indexer.records import record_key
    from search_api.engine.query import analyse

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name="en_stem")
    schema = builder.build()
    folder = Path(tempfile.mkdtemp(prefix="codesearch-tantivy-"))
    try:
        started = time.perf_counter()
        index = tantivy.Index(schema, path=str(folder))
        writer = index.writer(heap_size=128_000_000, num_threads=1)
        for record in searcher.records:
            fields = keyword_fields(record)
            writer.add_document(
                tantivy.Document(
                    key=record_key(record), **{n: fields.get(n, "") for n in TEXT_FIELDS}
                )
            )
        writer.commit()
        index.reload()
        build_s = time.perf_counter() - started
        tsearcher = index.searcher()
        texts = [q for q in mix if q.kind in ("short", "long", "word_prefix")]
        analysed = [analyse(q.text, searcher.vocabulary, searcher.repair) for q in texts]
        allowed = searcher.allowed(None, False)
        whoosh_ms, tantivy_ms = [], []
        for query in analysed:
            words = " ".join(query.words + [e.replacement for e in query.expansions])
            words = re.sub(r"[^a-z0-9 ]", " ", words.lower())
            if not words.strip():
                continue
            started = time.perf_counter()
            searcher.keyword.rank(query, allowed, 100, searcher.ranking)
            whoosh_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            parsed = index.parse_query(
                words, list(TEXT_FIELDS), field_boosts=dict(searcher.ranking.field_boosts)
            )
            tsearcher.search(parsed, 300)
            tantivy_ms.append((time.perf_counter() - started) * 1000)
        whoosh_p, tantivy_p = percentiles(whoosh_ms), percentiles(tantivy_ms)
        return {
            "tantivy_version": getattr(tantivy, "__version__", "unknown"),
            "queries": len(whoosh_ms),
            "tantivy_build_s": round(build_s, 2),
            "whoosh": whoosh_p,
            "tantivy": tantivy_p,
            "ratio_p50": round(whoosh_p["p50"] / max(tantivy_p["p50"], 1e-6), 1),
            "ratio_p95": round(whoosh_p["p95"] / max(tantivy_p["p95"], 1e-6), 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0]
        info["memory_gb"] = round(int(re.findall(r"\d+", mem)[0]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info


def format_report(report: dict[str, Any]) -> str:
    """The report as Markdown tables (what docs/performance.md quotes)."""
    lines = [f"machine: {json.dumps(report.get('machine', {}))}"]
    lines.append(
        f"index {report.get('build_id')} opened in {report.get('open_s')} s; "
        f"queries: {json.dumps(report.get('queries'))}"
    )
    lines += ["", "| in-process (ms) | n | p50 | p95 | p99 | max |", "|---|---|---|---|---|---|"]
    for name, entry in report.get("in_process", {}).items():
        p = entry["all"]
        lines.append(f"| {name} | {p['n']} | {p['p50']} | {p['p95']} | {p['p99']} | {p['max']} |")
    tantivy = report.get("tantivy")
    if tantivy and "whoosh" in tantivy:
        lines += [
            "",
            f"keyword path vs tantivy {tantivy['tantivy_version']} over "
            f"{tantivy['queries']} queries: whoosh p50 {tantivy['whoosh']['p50']} ms / p95 "
            f"{tantivy['whoosh']['p95']} ms, tantivy p50 {tantivy['tantivy']['p50']} ms / p95 "
            f"{tantivy['tantivy']['p95']} ms (ratio p50 {tantivy['ratio_p50']}x, "
            f"p95 {tantivy['ratio_p95']}x)",
        ]
    elif tantivy:
        lines += ["", f"tantivy: {tantivy.get('skipped')}"]
    http = report.get("http")
    if http:
        lines += [
            "",
            f"HTTP: {http['workers']} worker(s), start-up {http['startup_s']} s, "
            f"server peak RSS {http['server_peak_rss_mb']} MB",
            "",
            "| clients | load | requests | errors | req/s | p50 | p95 | p99 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for level, entry in http["levels"].items():
            for kind, summary in entry.items():
                p = summary["all"]
                lines.append(
                    f"| {level} | {kind} | {summary['requests']} | {summary['errors']} | "
                    f"{summary['throughput_rps']} | {p.get('p50')} | {p.get('p95')} | "
                    f"{p.get('p99')} |"
                )
    builds = report.get("builds")
    if builds:
        lines += [
            "",
            f"builds: cold {builds['cold_s']} s ({builds['cold_embedded']} embedded), "
            f"warm {builds['warm_s']} s ({builds['warm_embedded']} embedded), "
            f"{builds['records']} records",
        ]
    lines.append(f"bench process peak RSS {report.get('bench_process_peak_rss_mb')} MB")
    return "\n".join(lines)


def format_load(report: dict[str, Any]) -> str:
    lines = [
        f"{report['clients']} clients, {report['seconds']} s, {report['workers']} worker(s): "
        f"{report['requests']} requests, {report['errors']} errors, "
        f"{report['throughput_rps']} req/s; statuses {json.dumps(report['statuses'])}",
        "",
        "| endpoint | n | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, p in {"ALL": report["all"], **report["by_endpoint"]}.items():
        lines.append(f"| {name} | {p['n']} | {p['p50']} | {p['p95']} | {p['p99']} | {p['max']} |")
    if "server_peak_rss_mb" in report:
        lines.append(
            f"\nserver start-up {report['startup_s']} s, peak RSS {report['server_peak_rss_mb']} MB"
        )
    return "\n".join(lines)
