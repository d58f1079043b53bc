"""Helpers the tests (and scripts/screenshot.py) share: a real uvicorn server in a thread,
a free loopback port, how to start Debian's headless chromium here, and the API's one
error shape."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from indexer.settings import Settings
from search_api.devtools.bench import free_port

# How the browser test and the screenshot script start Debian's chromium here: headless, as
# root, with no background connections (the machine's network is closed).
HEADLESS_CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ThreadedServer:
    """An app served by uvicorn in a thread of this process, on a free loopback port (for
    tests and scripts that drive it over real HTTP)."""

    def __init__(self, app: Any, timeout_s: float = 60) -> None:
        import uvicorn

        self.port = free_port()
        self.timeout_s = timeout_s
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + self.timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def assert_error_shape(body: dict[str, Any], status: int) -> None:
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["type"], str)


def environment(settings: Settings, index_dir: Path) -> dict[str, str]:
    """The environment a ``codesearch`` subprocess needs to serve the fixture corpus from
    ``index_dir`` with the hashing encoder."""
    return {
        **os.environ,
        "CODESEARCH_DATA_DIR": str(settings.data_dir),
        "CODESEARCH_CORPUS_DIR": str(settings.corpus_dir),
        "CODESEARCH_INDEX_DIR": str(index_dir),
        "CODESEARCH_CACHE_DIR": str(settings.cache_dir),
        "CODESEARCH_ENCODER": "hashing",
        "PYTHONUNBUFFERED": "1",
    }
