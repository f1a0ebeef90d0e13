"""Helpers for the reference-table tests: where the real data is, and how to read it."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
POLICEUK_FILE = re.compile(
    r"\d{4}-\d{2}-(?P<slug>.+)-(?P<kind>street|outcomes|stop-and-search)\.csv\.gz"
)


def read_str_csv(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A CSV read with every value as a string and blanks kept as ''."""
    return pd.read_csv(
        path, usecols=columns, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def read_bbc(path: Path) -> list[dict[str, str]]:
    """The BBC aggregates file has CR-only line endings: read with the csv module."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass
class PoliceUkScan:
    """What every data.police.uk monthly file here says about forces, crime types, outcomes."""

    # (source label, spelling) pairs
    force_spellings: set[tuple[str, str]] = field(default_factory=set)
    # file slug -> the Reported by values of that file
    slug_reported_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    crime_types: set[str] = field(default_factory=set)
    outcomes: set[str] = field(default_factory=set)


def geojson_names(path: Path) -> list[tuple[str, str]]:
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return [(f["properties"]["PFA20CD"], f["properties"]["PFA20NM"]) for f in features]
