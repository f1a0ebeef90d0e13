"""The screen's line statistics, fed in chunks cut anywhere, agree with splitting the whole
text at once."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpeel.ingest import guard
from openpeel.ingest.guard import _LineStats, screen

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


@settings(max_examples=50, deadline=None)
@given(text=TEXT, chunk=st.integers(min_value=1, max_value=64), gz=st.booleans())
def test_screen_of_a_file_read_in_any_chunk_size_agrees_with_one_split(
    text: bytes, chunk: int, gz: bool
) -> None:
    stored = gzip.compress(text) if gz else text
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        path = Path(folder) / ("f.csv.gz" if gz else "f.csv")
        path.write_bytes(stored)
        patch.setattr(guard, "CHUNK_BYTES", chunk)
        seen = screen(path, path.name, "\n")
    lines, longest, short, nul, ended = _expected(text, b"\n")
    assert (seen.sha256, seen.size) == (hashlib.sha256(stored).hexdigest(), len(stored))
    assert (seen.lines, seen.longest_line, seen.has_short_line) == (lines, longest, short)
    assert (seen.has_nul, seen.ends_with_line_end) == (nul, ended)
