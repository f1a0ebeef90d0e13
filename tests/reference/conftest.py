"""Fixtures for the reference-table tests: the real data folder and one scan of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference.reference_helpers import POLICEUK_FILE, PoliceUkScan, read_str_csv


@pytest.fixture(scope="session")
def policeuk_scan(shared_data: Path) -> PoliceUkScan:
    scan = PoliceUkScan()
    files = sorted((shared_data / "police_uk").rglob("*.csv.gz"))
    assert files, "no data.police.uk files found"
    for path in files:
        match = POLICEUK_FILE.fullmatch(path.name)
        assert match, path.name
        slug, kind = match["slug"], match["kind"]
        scan.force_spellings.add(("data.police.uk file slug", slug))
        if kind == "stop-and-search":
            continue
        outcome_col = "Last outcome category" if kind == "street" else "Outcome type"
        cols = ["Reported by", "Falls within", outcome_col]
        if kind == "street":
            cols.append("Crime type")
        df = read_str_csv(path, cols)
        for col in ("Reported by", "Falls within"):
            for value in df[col].unique():
                scan.force_spellings.add((f"{path.name} {col}", str(value)))
        scan.slug_reported_by[slug].update(str(v) for v in df["Reported by"].unique())
        scan.outcomes.update(str(v) for v in df[outcome_col].unique())
        if kind == "street":
            scan.crime_types.update(str(v) for v in df["Crime type"].unique())
    return scan
