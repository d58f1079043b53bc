"""Immutable, versioned index artifacts and the atomic switch of the served one.

Layout::

    index_dir/
      builds/<build_id>/   keyword/  postings.npz  vectors.npy  records.jsonl
                           vocabulary.json  attributes.json  history.json  categories.json
                           manifest.json
      current -> builds/<build_id>      (a symbolic link, replaced atomically)
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .errors import IndexUnavailable
from .sources import sha256_of

FORMAT_VERSION = 4  # 2: postings.npz; 3: vocabulary.json; 4: attributes.json
MANIFEST = "manifest.json"


def artifact_files(build_dir: Path) -> dict[str, str]:
    """sha256 of every file of a build except the manifest, by relative path."""
    return {
        str(p.relative_to(build_dir)): sha256_of(p)
        for p in sorted(build_dir.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def current_link(index_dir: Path) -> Path:
    return index_dir / "current"


def switch_current(index_dir: Path, build_dir: Path) -> None:
    """Point ``current`` at ``build_dir`` in one atomic rename."""
    link = current_link(index_dir)
    temporary = index_dir / f".current.{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(build_dir.relative_to(index_dir))
    os.replace(temporary, link)


def prune_builds(index_dir: Path, keep: int = 2) -> None:
    """Remove old builds, never the current one nor the newest ``keep``."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return
    current = current_link(index_dir).resolve() if current_link(index_dir).exists() else None
    finished = sorted(
        (p for p in builds.iterdir() if p.is_dir() and (p / MANIFEST).exists()),
        key=lambda p: p.name,
    )
    for old in finished[:-keep]:
        if current is None or old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
    for partial in builds.iterdir():
        if partial.name.startswith(".tmp-"):
            shutil.rmtree(partial, ignore_errors=True)


@dataclass
class Artifact:
    directory: Path
    manifest: dict[str, Any]


def load_artifact(
    index_dir: Path, *, model: str | None, dimension: int | None, verify: bool = True
) -> Artifact:
    """The served build, checked: manifest present, files intact, same model and dimension
    (``model=None``: the caller checks the model later with :func:`check_model`)."""
    link = current_link(index_dir)
    if not link.exists():
        raise IndexUnavailable(f"no index at {index_dir}: run 'codesearch build' first")
    return check_build(link.resolve(), model=model, dimension=dimension, verify=verify)


def check_build(
    build_dir: Path, *, model: str | None, dimension: int | None, verify: bool = True
) -> Artifact:
    try:
        manifest = json.loads((build_dir / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"index at {build_dir} has no readable manifest ({exc})") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnavailable(
            f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}: rebuild"
        )
    if model is not None:
        check_model(manifest, model, dimension)
    if verify:
        expected = manifest.get("files", {})
        actual = artifact_files(build_dir)
        if expected != actual:
            damaged = sorted(set(expected.items()) ^ set(actual.items()))
            raise IndexUnavailable(
                f"index at {build_dir} does not match its manifest "
                f"({len(damaged)} file entries differ, e.g. {damaged[0][0]}): rebuild"
            )
    return Artifact(build_dir, manifest)


def check_model(manifest: dict[str, Any], model: str, dimension: int | None) -> None:
    """Refuse a build made with another embedding model or dimension than the service's."""
    built_model = manifest.get("model", {})
    if built_model.get("name") != model or built_model.get("dimension") != dimension:
        raise IndexUnavailable(
            f"index was built with {built_model.get('name')} ({built_model.get('dimension')}d), "
            f"the service is configured for {model} ({dimension}d): rebuild"
        )


def package_version() -> str:
    return __version__
