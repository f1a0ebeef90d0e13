"""One normaliser for every spelling lookup: reference.normalise in Python and the norm_code
macro in SQL give the same key, and a published spelling that differs from a stored one only in
whitespace or case is found, not refused."""

from __future__ import annotations

import csv
import gzip
import io
import random
import sys
from pathlib import Path

import duckdb

from openpeel.reference import WHITESPACE_RANGES, crime_types, normalise
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import MACROS
from tests.conftest import load

#: what generated spellings are made of: letters (with Welsh and other accented ones), digits,
#: the punctuation publishers use, and whitespace of every kind str.split() knows
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789âêîôûŵŷÂÊÎÔÛŴŶéÉèüÜ"
PUNCTUATION = "&-'’(),./;:"
SPACES = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u202f\u205f\u3000"


def spellings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 6)):
            kind = rng.random()
            if kind < 0.6:
                parts.append("".join(rng.choices(LETTERS, k=rng.randint(1, 8))))
            elif kind < 0.75:
                parts.append(rng.choice(PUNCTUATION))
            else:
                parts.append("".join(rng.choices(SPACES, k=rng.randint(1, 3))))
            if rng.random() < 0.7:
                parts.append(" " * rng.randint(1, 2))
        out.append("".join(parts))
    return out


def sql_keys(values: list[str]) -> list[str]:
    con = duckdb.connect()
    for statement in MACROS:
        con.execute(statement)
    con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
    return [str(k) for (k,) in con.execute("SELECT norm_code(x) FROM v ORDER BY i").fetchall()]


def test_the_whitespace_ranges_are_what_str_split_splits_on() -> None:
    declared = {c for a, b in WHITESPACE_RANGES for c in range(a, b + 1)}
    assert declared == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_python_and_sql_normalise_generated_spellings_alike() -> None:
    values = spellings(2000, seed=20)
    # the generator reaches every path of the macro: plain ASCII, double spaces, other whitespace
    assert sum("  " in v for v in values) > 100
    assert sum(any(c in v for c in SPACES[1:]) for v in values) > 100
    assert sum(v.isascii() and v.isprintable() and "  " not in v for v in values) > 100
    assert sql_keys(values) == [normalise(v) for v in values]


def test_normalise_collapses_trims_and_lower_cases() -> None:
    assert normalise("  Avon \t and\u00a0 SOMERSET ") == "avon and somerset"
    assert normalise(normalise("Dyfed-Powys  Police")) == normalise("Dyfed-Powys  Police")


def test_a_published_spelling_with_a_double_space_is_found(home: Path, tmp_path: Path) -> None:
    """A street file whose crime type has a double space loads and maps to its canonical type."""
    source = next(sample_path().glob("police_uk/*/*-street.csv.gz"))
    with gzip.open(source, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("Crime type")
    published = rows[1][column]
    assert " " in published.strip(), "the first row's crime type should have two words"
    spaced = published.replace(" ", "  ", 1)
    rows[1][column] = spaced
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    edited = tmp_path / source.parent.name / source.name
    edited.parent.mkdir()
    edited.write_bytes(gzip.compress(text.getvalue().encode("utf-8")))

    expected = crime_types().resolve(published)
    with Warehouse(home) as wh:
        [result] = load(wh, edited)
        assert result.status == "loaded", result
        published_rows = wh.scalar(
            "SELECT count(*) FROM raw_policeuk__street WHERE crime_type IN (?, ?)",
            [published, spaced],
        )
        canonical = wh.rows(
            "SELECT crime_type, count(*) FROM core_policeuk__street WHERE crime_type = ? "
            "OR crime_type IS NULL GROUP BY ALL",
            [expected],
        )
    assert canonical == [(expected, published_rows)]
