"""``codesearch``: build, search, serve, eval. Heavy imports happen inside each command."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _settings():  # type: ignore[no-untyped-def]
    from indexer.settings import get_settings

    return get_settings()


@app.command()
def build(
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Build the index from the official files and switch it in atomically."""
    from indexer.build import build_index
    from indexer.errors import CodeSearchError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        result = build_index(_settings(), progress=not quiet)
    except CodeSearchError as exc:
        typer.echo(f"build failed: {exc}", err=True)
        raise typer.Exit(2) from exc
    counts = result.manifest["counts"]
    typer.echo(
        f"built {result.build_dir.name} in {result.seconds:.1f}s "
        f"({result.embedded} texts embedded, the rest from cache): {json.dumps(counts)}"
    )


def ensure_index() -> None:
    """Build the index when none is served yet."""
    from indexer.artifact import current_link

    if not current_link(_settings().index_dir).exists():
        typer.echo("no index yet: building it (first run only)", err=True)
        build(quiet=False)


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Free text, a code or a code prefix.")],
    limit: int = 10,
    mode: str = "hybrid",
    system: str | None = None,
    include_terminated: bool = False,
    autocomplete: bool = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
) -> None:
    """Search with the same searcher the API uses."""
    from search_api.api.schemas import autocomplete_response, search_response
    from search_api.engine.searcher import Searcher

    searcher = Searcher.open(_settings())
    if autocomplete:
        payload = autocomplete_response(
            text, searcher.autocomplete(text, limit=limit, system=system)
        )
    else:
        result = searcher.search(
            text,
            limit=limit,
            mode=mode,
            system=system,
            include_terminated=include_terminated,  # type: ignore[arg-type]
        )
        payload = search_response(result)
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    for number, item in enumerate(payload["results"], start=1):
        typer.echo(f"{number:>2}. {item['code']:<6} {item['score']:>9.4f}  {item['display'][:90]}")


def _log_config() -> dict[str, object]:
    """uvicorn's logging, plus the service's own loggers (request log without query text,
    index loads and reloads) on the same handler, in every worker."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["codesearch"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@app.command()
def serve(
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> None:
    """Serve the API (building the index first when there is none)."""
    import uvicorn

    ensure_index()
    settings = _settings()
    uvicorn.run(
        "search_api.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level="info",
        access_log=False,  # access logs carry the raw query string
        log_config=_log_config(),
        timeout_keep_alive=settings.keep_alive_s,
    )


@app.command()
def mcp(
    http: Annotated[bool, typer.Option(help="Streamable HTTP at /mcp instead of stdio.")] = False,
    host: str = "127.0.0.1",
    port: int = 8001,
) -> None:
    """Serve the MCP tools search_codes and lookup_code (stdio, or HTTP with --http)."""
    from search_api.engine.searcher import Searcher
    from search_api.protocols.mcp import build_mcp_server

    # On stdio, stdout is the protocol channel: logs go to stderr.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    server = build_mcp_server(Searcher.open(_settings()))
    if http:
        server.run("streamable-http", host=host, port=port, json_response=True, stateless_http=True)
    else:
        server.run("stdio")


@app.command("eval")
def evaluate(
    queries: Annotated[Path, typer.Argument(help="JSON Lines: {query, gold: [codes], kind}.")],
    mode: str = "all",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    misses: Annotated[int, typer.Option(help="Misses to list per mode.")] = 20,
) -> None:
    """Recall@1/5/10 and MRR per mode and per query kind, with the misses."""
    from search_api.devtools.evaluate import evaluate_file, format_report
    from search_api.engine.searcher import Searcher

    searcher = Searcher.open(_settings())
    modes = ["keyword", "semantic", "hybrid"] if mode == "all" else [mode]
    report = evaluate_file(searcher, queries, modes)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(format_report(report, misses=misses))


@app.command()
def quality(
    record: Annotated[
        bool, typer.Option(help="Write the measured figures as the committed ones.")
    ] = False,
    modes: Annotated[str, typer.Option(help="Comma-separated modes.")] = "keyword,semantic,hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every query set (the shared eval folder and corpus/eval/) in every mode, against the
    committed figures in corpus/eval/figures.json; exit 1 on a drop past the tolerance."""
    from search_api.devtools.calibrate import shipped_rates
    from search_api.devtools.evaluate import (
        FIGURES_FILE,
        format_figures,
        measure_sets,
        query_sets,
        read_figures,
        regressions,
    )
    from search_api.engine.searcher import Searcher

    settings = _settings()
    ensure_index()
    searcher = Searcher.open(settings)
    sets = query_sets(settings.eval_sets_dir, settings.corpus_dir)
    measured = measure_sets(searcher, sets, tuple(m for m in modes.split(",") if m))
    rates = shipped_rates(searcher, sets, settings.corpus_dir / "eval" / "offtopic.jsonl")
    path = settings.corpus_dir / "eval" / FIGURES_FILE
    if as_json:
        typer.echo(json.dumps({"sets": measured, "confidence": rates}, indent=2))
    else:
        typer.echo(format_figures(measured))
        typer.echo(json.dumps(rates))
    if record:
        manifest = searcher.artifact.manifest
        figures = {
            "index": {"releases": manifest["releases"], "model": manifest["model"]["name"]},
            "sets": measured,
            "confidence": rates,
        }
        path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"recorded in {path}", err=True)
        return
    if path.exists():
        failures = regressions(measured, read_figures(path))
        for line in failures:
            typer.echo(f"below the committed figure: {line}", err=True)
        if failures:
            raise typer.Exit(1)


@app.command()
def bench(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    queries: Annotated[int, typer.Option(help="Size of the fixed query mix (>= 500).")] = 600,
    clients: Annotated[
        str, typer.Option(help="Concurrent HTTP clients, comma-separated.")
    ] = "1,10,50",
    seconds: Annotated[float, typer.Option(help="Seconds of HTTP load per level and kind.")] = 10.0,
    workers: Annotated[int, typer.Option(help="uvicorn workers of the server under test.")] = 1,
    think: Annotated[
        float, typer.Option(help="Pause between keystrokes (s) in typing load.")
    ] = 0.15,
    http: Annotated[bool, typer.Option(help="Measure over HTTP against a real server.")] = True,
    builds: Annotated[bool, typer.Option(help="Time a cold and a warm build (minutes).")] = True,
    tantivy: Annotated[bool, typer.Option(help="Compare the keyword path with tantivy.")] = True,
    output: Annotated[Path | None, typer.Option(help="Also write the JSON report here.")] = None,
) -> None:
    """Latency per mode in-process, HTTP load at several concurrencies, start-up, builds, RSS."""
    import resource

    from search_api.devtools import bench as b
    from search_api.engine.searcher import Searcher

    settings = _settings()
    ensure_index()
    report: dict[str, object] = {"machine": b.machine()}
    started = time.perf_counter()
    searcher = Searcher.open(settings)
    report["open_s"] = round(time.perf_counter() - started, 2)
    report["build_id"] = searcher.build_dir.name
    mix = b.query_mix(searcher, size=max(500, queries))
    report["queries"] = {"total": len(mix), **dict(Counter(q.kind for q in mix))}
    typer.echo(f"in-process over {len(mix)} queries ...", err=True)
    report["in_process"] = b.in_process(searcher, mix)
    if tantivy:
        typer.echo("tantivy reference ...", err=True)
        report["tantivy"] = b.tantivy_reference(searcher, mix)
    report["bench_process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    searcher.close()
    del searcher
    if http:
        levels = [int(c) for c in clients.split(",") if c.strip()]
        typer.echo(f"HTTP at {levels} clients, {seconds:.0f}s each ...", err=True)
        report["http"] = b.http_bench(settings, mix, levels, seconds, workers, think)
    if builds:
        typer.echo("cold and warm builds ...", err=True)
        report["builds"] = b.build_times(settings)
    text = json.dumps(report, indent=2)
    if output:
        output.write_text(text + "\n")
    if as_json:
        typer.echo(text)
    else:
        typer.echo(b.format_report(report))


@app.command()
def load(
    clients: Annotated[int, typer.Option(help="Concurrent clients.")] = 50,
    seconds: Annotated[float, typer.Option(help="How long to keep the load on.")] = 60.0,
    url: Annotated[str | None, typer.Option(help="A running server; default: start one.")] = None,
    workers: Annotated[int, typer.Option(help="uvicorn workers of the started server.")] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    output: Annotated[Path | None, typer.Option(help="Also write the JSON report here.")] = None,
) -> None:
    """Load test: many clients, mixed endpoints and protocols, some bad requests; reports
    errors (5xx, dropped connections, timeouts; must be 0) and latency percentiles."""
    from contextlib import nullcontext

    from search_api.devtools import bench as b
    from search_api.engine.searcher import Searcher

    settings = _settings()
    ensure_index()
    searcher = Searcher.open(settings)
    mix = b.query_mix(searcher)
    del searcher
    server = b.Server(workers=workers) if url is None else nullcontext()
    with server as running:
        target = url or running.url  # type: ignore[union-attr]
        typer.echo(f"{clients} clients for {seconds:.0f}s against {target} ...", err=True)
        result = b.run_load(target, b.service_requests(mix), clients, duration_s=seconds)
        report: dict[str, object] = {
            "machine": b.machine(),
            "clients": clients,
            "workers": workers,
            **result.summary(),
        }
        if url is None:
            report["server_peak_rss_mb"] = running.peak_rss_mb()  # type: ignore[union-attr]
            report["startup_s"] = round(running.startup_s, 2)  # type: ignore[union-attr]
    text = json.dumps(report, indent=2)
    if output:
        output.write_text(text + "\n")
    typer.echo(text if as_json else b.format_load(report))
    if result.errors:
        raise typer.Exit(1)


@app.command()
def calibrate(
    queries: Annotated[list[Path], typer.Argument(help="Labelled query files (JSON Lines).")],
    offtopic: Annotated[Path, typer.Option(help="Off-topic texts (JSON Lines: {text}).")] = Path(
        "corpus/eval/offtopic.jsonl"
    ),
    threshold: Annotated[float | None, typer.Option(help="Default: confidence.THRESHOLD.")] = None,
) -> None:
    """Refit the confidence model of POST /search and print coefficients and figures."""
    from search_api.devtools.calibrate import calibrate as run_calibration
    from search_api.engine.confidence import THRESHOLD
    from search_api.engine.searcher import Searcher

    searcher = Searcher.open(_settings())
    chosen = THRESHOLD if threshold is None else threshold
    report = run_calibration(searcher, queries, offtopic, chosen)
    typer.echo(json.dumps(report, indent=2))


@app.command()
def coverage(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Enrichment coverage of the served index: codes with plain language and synonyms,
    readable descriptors, and the short-descriptor words the shorthand table expands."""
    from indexer.artifact import current_link
    from indexer.coverage import build_vocabulary, enrichment_coverage
    from indexer.records import RECORDS_FILE, read_records

    settings = _settings()
    link = current_link(settings.index_dir)
    if not link.exists():
        raise typer.BadParameter(f"no index at {settings.index_dir}: run 'codesearch build'")
    records = read_records(link.resolve() / RECORDS_FILE)
    report = enrichment_coverage(records, build_vocabulary(records, settings.corpus_dir))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    active = report["active_codes"]
    words = report["short_descriptor_words"]
    lines = [
        f"active codes (HCPCS and CPT): {active}",
        f"  with plain language: {report['with_plain_language']}",
        f"  with synonyms: {report['with_synonyms']}",
        f"  with a readable descriptor: {report['readable_descriptor']}",
    ]
    for system, figures in report["by_system"].items():
        lines.append(
            f"  {system}: {figures['active']} active, {figures['with_plain_language']} with "
            f"plain language, {figures['with_synonyms']} with synonyms"
        )
    table = report["shorthand_table"]
    lines += [
        f"shorthand table: {table['curated']} curated rows + {table['mined']} mined",
        f"short-descriptor words of active codes: {words}",
        f"  expanded by the shorthand table: {report['expanded']} ({report['expanded_share']:.1%})",
        f"  neither expanded nor a word of any long descriptor or plain language: "
        f"{report['unresolved']} ({report['unresolved_share']:.1%})",
        "  most frequent of those: "
        + ", ".join(f"{word} {count}" for word, count in report["most_frequent_unresolved"]),
    ]
    typer.echo("\n".join(lines))


if __name__ == "__main__":
    app()
