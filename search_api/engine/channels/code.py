"""The code channel: a query that is a code or a code prefix, and codes named in text.

A code has no meaning to embed or words to match: ``j1100``, ``G96``, ``E06`` and ``0001U``
are looked up, case-insensitively, in code order, and listed before any text match.
"""

from __future__ import annotations

import bisect

import numpy as np

from indexer.records import CodeRecord, code_key, record_key


class CodeChannel:
    """Record positions by key and by code, in code order."""

    def __init__(self, records: list[CodeRecord]) -> None:
        self.position = {record_key(r): i for i, r in enumerate(records)}
        # (code, position) of every code-system record, sorted: a prefix is one bisection.
        self._sorted = sorted((r.code, i) for i, r in enumerate(records) if r.system != "MODIFIER")
        self.code_order = np.empty(len(records), dtype=np.int32)
        by_code = sorted(range(len(records)), key=lambda i: records[i].code)
        self.code_order[by_code] = np.arange(len(records), dtype=np.int32)

    def find(self, code: str) -> int | None:
        """The position of a code (or else a modifier) written any case, or None."""
        cleaned = code.strip().upper()
        for key in (code_key(cleaned), code_key(cleaned, modifier=True)):
            if key in self.position:
                return self.position[key]
        return None

    def exact(self, code: str) -> int | None:
        """The position of a code of a code system (not a modifier), as written."""
        return self.position.get(code_key(code))

    def prefixed(self, prefix: str, allowed: np.ndarray, limit: int) -> list[int]:
        """Codes starting with the prefix, exact code first, in code order; a
        two-character prefix that is a modifier (LT, 25) lists the modifier first."""
        start = bisect.bisect_left(self._sorted, (prefix, -1))
        found: list[int] = []
        for code, index in self._sorted[start:]:
            if not code.startswith(prefix) or len(found) >= limit:
                break
            if allowed[index]:
                found.append(index)
        if len(prefix) == 2:
            modifier = self.position.get(code_key(prefix, modifier=True))
            if modifier is not None and allowed[modifier]:
                found.insert(0, modifier)
        return found
