"""The layout's rules, checked on the source: imports point one way."""

from __future__ import annotations

import ast
from pathlib import Path

import search_api

PACKAGE = Path(search_api.__file__).resolve().parent
WEB_FRAMEWORKS = ("fastapi", "starlette", "uvicorn", "mcp")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_under(folder: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(PACKAGE)): imported_modules(path)
        for path in sorted((PACKAGE / folder).rglob("*.py"))
    }


def test_the_engine_has_no_web_framework_and_no_upper_layer() -> None:
    for module, imports in modules_under("engine").items():
        for name in imports:
            assert not name.startswith(WEB_FRAMEWORKS), (module, name)
            assert not name.startswith(("search_api.api", "search_api.protocols")), (module, name)
            assert not name.startswith("search_api.devtools"), (module, name)


def test_the_api_and_protocols_do_not_import_developer_tools() -> None:
    for folder in ("api", "protocols"):
        for module, imports in modules_under(folder).items():
            assert not any(n.startswith("search_api.devtools") for n in imports), module


def test_protocols_do_not_rank() -> None:
    """Adapters translate: they call the searcher, never a channel or the fusion."""
    for module, imports in modules_under("protocols").items():
        for name in imports:
            assert not name.startswith(
                (
                    "search_api.engine.channels",
                    "search_api.engine.fusion",
                    "search_api.engine.ranking",
                )
            ), (module, name)
