"""The screen's line statistics, fed in chunks cut anywhere, agree with splitting the whole
text at once."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from openpeel.ingest.guard import _LineStats

#: text made of line ends, NUL bytes and a few other bytes, so that empty, one-character and
#: long lines, and line ends at chunk edges, all come up
TEXT = st.lists(st.sampled_from([b"\n", b"\r", b"\r\n", b"\x00", b"a", b"bb", b"c" * 40])).map(
    b"".join
)


def _expected(text: bytes, sep: bytes) -> tuple[int, int, bool, bool, bool]:
    """(lines, longest line, a line of at most one byte, a NUL byte, ends with a line end)."""
    *ended, last = [len(part) for part in text.split(sep)]
    lines = len(ended) + (1 if last else 0)
    longest = max([*ended, last])
    return lines, longest, min(ended, default=2) <= 1, b"\x00" in text, not last


@given(
    text=TEXT,
    cuts=st.lists(st.integers(min_value=0, max_value=400)),
    sep=st.sampled_from([b"\n", b"\r"]),
)
def test_line_stats_fed_in_any_chunks_agree_with_one_split(
    text: bytes, cuts: list[int], sep: bytes
) -> None:
    stats = _LineStats(sep)
    edges = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    for start, end in itertools.pairwise(edges):
        stats.feed(text[start:end])
    lines, ended = stats.finish()
    assert (lines, stats.longest, stats.short, stats.nul, ended) == _expected(text, sep)
