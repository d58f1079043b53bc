"""The whoosh keyword index: build and open. Querying lives in ``search_api.keyword``."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema

from .documents import keyword_fields
from .records import CodeRecord

TOKEN_PATTERN = r"w/o|w/|[a-z0-9]+(?:[.'][a-z0-9]+)*"
TEXT_FIELDS = ("descriptor", "short", "synonyms", "plain")


def schema() -> Schema:
    stemmed = StemmingAnalyzer(expression=TOKEN_PATTERN, minsize=1)
    plain_words = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter()
    return Schema(
        key=ID(stored=True, unique=True),
        system=ID,
        active=ID,
        descriptor=TEXT(analyzer=stemmed),
        short=TEXT(analyzer=stemmed),
        synonyms=TEXT(analyzer=stemmed),
        plain=TEXT(analyzer=stemmed),
        ac=TEXT(analyzer=plain_words),
    )


def record_key(record: CodeRecord) -> str:
    return f"MOD:{record.code}" if record.system == "MODIFIER" else record.code


def build_keyword_index(records: list[CodeRecord], directory: Path) -> None:
    """Write a fresh whoosh index of the records into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    created = whoosh_index.create_in(str(directory), schema())
    writer = created.writer(limitmb=256)
    for record in records:
        fields = keyword_fields(record)
        writer.add_document(
            key=record_key(record),
            system=record.system,
            active="1" if record.active else "0",
            **{name: fields[name] for name in (*TEXT_FIELDS, "ac")},
        )
    writer.commit(optimize=True)


def open_keyword_index(directory: Path) -> whoosh_index.Index:
    return whoosh_index.open_dir(str(directory))
