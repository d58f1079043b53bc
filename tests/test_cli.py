"""The ``codesearch`` command as a user runs it, in subprocesses over the fixture corpus:
build, search, eval, and serve (start, health, requests on every route, stop) with the
server's real log output checked for user-typed text."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from indexer.settings import Settings
from search_api.api.app import create_app
from tests.helpers import environment, free_port

# What a clinician might type: a name, a social security number, a diagnosis.
MARKER = "Zelda Quokka 078-05-1120 melanoma"
MARKER_PARTS = ("Zelda", "Quokka", "078-05-1120", "melanoma")


def codesearch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "search_api", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_env(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An index of its own, built by ``codesearch build``."""
    index_dir = tmp_path_factory.mktemp("cli-index")
    env = environment(settings, index_dir)
    built = codesearch(env, "build", "--quiet")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built ") and '"total":' in built.stdout
    assert (index_dir / "current").resolve().joinpath("manifest.json").exists()
    return env


def test_build_failure_is_one_line_and_exit_2(settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data)  # type: ignore[arg-type]
    for rvu in data.rglob("PPRRVU*"):
        rvu.write_text("not,a,fee,schedule\n")
    env = {**environment(settings, tmp_path / "index"), "CODESEARCH_DATA_DIR": str(data)}
    failed = codesearch(env, "build", "--quiet")
    assert failed.returncode == 2
    assert "build failed:" in failed.stderr and "Traceback" not in failed.stderr
    assert not (tmp_path / "index" / "current").exists()


def test_search_prints_ranked_codes_and_json(cli_env: dict[str, str]) -> None:
    found = codesearch(cli_env, "search", "toradol shot", "--limit", "3")
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[0].split()[1] == "J1885"
    as_json = json.loads(codesearch(cli_env, "search", "j1885", "--json").stdout)
    assert as_json["results"][0]["code"] == "J1885"
    completed = codesearch(cli_env, "search", "wheelch", "--autocomplete", "--json")
    assert json.loads(completed.stdout)["results"]


def test_eval_reports_the_metrics(cli_env: dict[str, str], tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    lines = [
        {"query": "toradol shot", "gold": ["J1885"], "kind": "brand"},
        {"query": "no such thing here", "gold": ["A0428"], "kind": "lay"},
    ]
    queries.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    report = codesearch(cli_env, "eval", str(queries), "--mode", "keyword", "--json")
    assert report.returncode == 0, report.stderr
    overall = json.loads(report.stdout)["modes"]["keyword"]["overall"]
    assert overall["R@1"] == 0.5 and overall["MRR"] == 0.5


def test_serve_answers_then_stops_and_logs_no_user_text(
    cli_env: dict[str, str], settings: Settings
) -> None:
    """The real server (``codesearch serve``): health answers, every route gets the marker
    in its path, query and body, SIGTERM stops it, and its log output — which does show
    the requests — holds no part of the marker."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "search_api", "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "the server exited during start-up"
            assert time.monotonic() < deadline, "no /health answer within 120 s"
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        sent = send_marker_everywhere(base, settings)
        assert sent > 40
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    log = output.decode("utf-8", "replace")
    # uvicorn shuts down gracefully, then re-raises the signal it was stopped with
    assert server.returncode in (0, -signal.SIGTERM), log[-2000:]
    assert "Application shutdown complete" in log
    assert log.count("status=") >= sent, "the request log must show each request"
    leaked = [part for part in MARKER_PARTS if part.lower() in log.lower()]
    assert not leaked, [line for line in log.splitlines() if "Zelda" in line][:5]


def send_marker_everywhere(base: str, settings: Settings) -> int:
    """The marker through each route's path parameters, query parameters and body."""
    app = create_app(settings)
    encoded = quote(MARKER, safe="")
    params = {
        name: MARKER
        for name in ("q", "terms", "filter", "code", "text", "since", "url", "system", "df")
    }
    sent = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        for template, operations in app.openapi()["paths"].items():
            path = re.sub(r"\{[^}]+\}", encoded, template)
            for method in operations:
                if method == "get":
                    client.get(path, params=params)
                    client.get(path, params={"q": MARKER})
                else:
                    client.request(method, path, params={"q": MARKER}, json={"text": MARKER})
                    client.request(method, path, content=MARKER.encode())
                sent += 2
        client.get(f"/{encoded}")
        client.get(f"/codes/{encoded}%0Aforged%00")
        sent += 2
    return sent
