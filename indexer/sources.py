"""Find the official files wherever they are: a folder, a zip, or URLs with sha256.

Files are recognised by CMS's own naming (``*ANWEB*`` for HCPCS Level II releases,
``PPRRVU*`` for the fee schedule RVU file), so a later quarterly release dropped into
the folder is picked up without code changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import SourceError

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_YEAR_MONTH = re.compile(r"(20\d\d)[_\- ]?" + _MONTH)
_MONTH_YEAR = re.compile(_MONTH + r"[_\- ]?(20\d\d)")
_RVU_YEAR_MONTH = re.compile(r"rvu(\d\d)[_\- ]?" + _MONTH)
_RVU_LETTER = re.compile(r"rvu(\d\d)([a-d])\b")


def release_from_name(name: str) -> str | None:
    """'HCPC2025_OCT_ANWEB_v3.xlsx' -> '2025-10'; 'PPRRVU25_JAN.csv' -> '2025-01'."""
    lowered = name.lower()
    if m := _YEAR_MONTH.search(lowered):
        return f"{m.group(1)}-{MONTHS[m.group(2)]:02d}"
    if m := _MONTH_YEAR.search(lowered):
        return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}"
    if m := _RVU_YEAR_MONTH.search(lowered):
        return f"20{m.group(1)}-{MONTHS[m.group(2)]:02d}"
    if m := _RVU_LETTER.search(lowered):
        return f"20{m.group(1)}-{'abcd'.index(m.group(2)) * 3 + 1:02d}"
    return None


@dataclass(frozen=True)
class SourceFile:
    """One official file: a path on disk, or a member inside a zip on disk."""

    kind: str  # hcpcs | rvu | abbreviations
    path: Path
    member: str | None
    release: str | None

    @property
    def name(self) -> str:
        return PurePosixPath(self.member).name if self.member else self.path.name

    @property
    def label(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def read_bytes(self) -> bytes:
        try:
            if self.member is None:
                return self.path.read_bytes()
            with zipfile.ZipFile(self.path) as archive:
                return archive.read(self.member)
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            raise SourceError(self.label, f"cannot be read ({exc})") from exc


_SKIP_WORDS = ("correction", "transaction", "noc", "proc_note", "recordlayout", "layout")


def classify(name: str) -> str | None:
    lowered = PurePosixPath(name).name.lower()
    suffix = PurePosixPath(lowered).suffix
    if lowered.startswith("pprrvu") and suffix == ".csv":
        return "rvu"
    if "anweb" in lowered and suffix in (".txt", ".xlsx"):
        if not any(w in lowered for w in _SKIP_WORDS):
            return "hcpcs"
    if lowered == "medical_abbreviations.csv":
        return "abbreviations"
    return None


def decode_text(data: bytes, source: str) -> str:
    """CMS text files are UTF-8 or Windows-1252; anything else is a bad file."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        at = head.find(b"\x00") if b"\x00" in head else 0
        raise SourceError(
            source,
            "text has a UTF-16 byte-order mark or NUL bytes: expected UTF-8 or Windows-1252",
            head.count(b"\n", 0, at) + 1,
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(source, "text is neither UTF-8 nor Windows-1252")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(location: Path) -> list[SourceFile]:
    """Every recognised official file in a folder (recursively) or zip, one per release.

    Where a release comes both as fixed-width text and as a workbook (the annual zip
    carries both), the text file is used.
    """
    if not location.exists():
        raise SourceError(str(location), "data location does not exist")
    candidates: list[SourceFile] = []
    paths = (
        [location] if location.is_file() else sorted(p for p in location.rglob("*") if p.is_file())
    )
    for path in paths:
        if path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    members = archive.namelist()
            except (zipfile.BadZipFile, OSError) as exc:
                raise SourceError(str(path), f"not a readable zip ({exc})") from exc
            for member in members:
                if kind := classify(member):
                    candidates.append(
                        SourceFile(
                            kind,
                            path,
                            member,
                            release_from_name(member) or release_from_name(path.name),
                        )
                    )
        elif kind := classify(path.name):
            candidates.append(
                SourceFile(
                    kind,
                    path,
                    None,
                    release_from_name(path.name) or release_from_name(str(path.parent)),
                )
            )
    chosen: dict[tuple[str, str | None], SourceFile] = {}
    for source in candidates:
        key = (source.kind, source.release)
        previous = chosen.get(key)
        if previous is None or (
            source.name.lower().endswith(".txt") and not previous.name.lower().endswith(".txt")
        ):
            chosen[key] = source
    found = sorted(chosen.values(), key=lambda s: (s.kind, s.release or "", s.label))
    if not any(s.kind == "hcpcs" for s in found):
        raise SourceError(
            str(location), "no HCPCS Level II release file (*ANWEB*.txt or .xlsx) found"
        )
    return found


def fetch_manifest(manifest: Path, cache_dir: Path) -> Path:
    """Download the files listed in the source manifest into the cache, checking sha256.

    Returns the folder holding them, ready for :func:`discover`.
    """
    import httpx

    try:
        entries = json.loads(manifest.read_text())["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(str(manifest), f"unreadable source manifest ({exc})") from exc
    target = cache_dir / "sources"
    for number, entry in enumerate(entries, start=1):
        url, expected, name = entry["url"], entry["sha256"].lower(), entry["name"]
        destination = target / expected[:16] / name
        if destination.exists() and sha256_of(destination) == expected:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_suffix(destination.suffix + ".part")
        try:
            if url.startswith("file://"):
                partial.write_bytes(Path(url[len("file://") :]).read_bytes())
            else:
                with httpx.stream("GET", url, follow_redirects=True, timeout=60) as response:
                    response.raise_for_status()
                    with partial.open("wb") as handle:
                        for chunk in response.iter_bytes():
                            handle.write(chunk)
        except (OSError, httpx.HTTPError) as exc:
            raise SourceError(str(manifest), f"cannot fetch {url} ({exc})", number) from exc
        actual = sha256_of(partial)
        if actual != expected:
            partial.unlink(missing_ok=True)
            raise SourceError(
                str(manifest), f"{url}: sha256 {actual} is not the listed {expected}", number
            )
        partial.replace(destination)
    return target
