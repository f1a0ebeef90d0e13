"""Build the bundled sample (src/openpeel/sample/data) from the real data in ../shared/data.

The sample is a small slice of real published data: whole files copied byte for byte, and, for
two long multi-year Home Office tables, the header and the rows of recent years kept verbatim
(no value is changed; the row filter is stated below and in the sample's README). Run:

    .venv/bin/python scripts/make_sample.py [--shared ../shared/data]

It is deterministic: the same input gives byte-identical output.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from openpeel.csvsafe import SafeWriter

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "openpeel" / "sample" / "data"

#: whole files, copied as they are
WHOLE = (
    # data.police.uk: Hampshire and neighbours in January 2019, Hampshire also in February
    # (so the other forces show as missing force-months), City of London's street, outcomes
    # and stop-and-search files for three months (repeated Crime IDs in outcomes), and British
    # Transport Police (blank Crime IDs on every row).
    "police_uk/2019-01/2019-01-hampshire-street.csv.gz",
    "police_uk/2019-01/2019-01-dorset-street.csv.gz",
    "police_uk/2019-01/2019-01-surrey-street.csv.gz",
    "police_uk/2019-01/2019-01-wiltshire-street.csv.gz",
    "police_uk/2019-01/2019-01-btp-street.csv.gz",
    "police_uk/2019-02/2019-02-hampshire-street.csv.gz",
    *(
        f"police_uk/2016-{m:02d}/2016-{m:02d}-city-of-london-{kind}.csv.gz"
        for m in (1, 2, 3)
        for kind in ("street", "outcomes", "stop-and-search")
    ),
    # data.police.uk aggregates: every force, monthly 2015-2018 and yearly outcomes 2012-2016
    "police_uk_aggregates/alrababah_marble_policeuk_street_counts_by_force_crime_type_month_2015_2018.csv.gz",
    "police_uk_aggregates/bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz",
    # Home Office: outcomes (both layouts), recorded crime, workforce, ethnicity facts
    "home_office/prc_outcomes_open_data_2017_18_tidy.csv.gz",
    "home_office/prc_outcomes_open_data_2018_19_tidy.csv.gz",
    "home_office/prc_pfa_2017_18_with_policeuk_category.csv.gz",
    # Home Office rolling-year recorded crime by force area, 2003-2018: the long series
    "home_office/rec-crime-pfa.csv.gz",
    "home_office/eff_stop_search_rate_by_ethnicity_and_pfa.csv",
    "home_office/eff_stop_search_rate_by_ethnicity_england_wales.csv",
    "workforce/police_workforce_open_data_2007_2022_tidy.csv.gz",
    # ONS and reference
    "ons/crime_severity_score_region_pfa_2003_2022_tidy.csv.gz",
    "population/ons_mye_lad2021_population_2001_2020.csv.gz",
    "population/census2011_pfa_ethnic_groups_resistancelab.csv",
    "population/census2011_pfa_police_defined_ethnicity_resistancelab.csv",
    "population/census2011_la_ethnic_groups.csv",
    # 2011 Census population, area and households by LSOA (E&W): the peer-group characteristics
    "population/census2011_lsoa_population_households.csv.gz",
    "reference/police_force_areas_dec2020_ew.geojson",
    "reference/lad16_csp16_pfa16_lookup_england_wales.csv",
    "reference/home_office_offence_code_to_policeuk_category.csv",
    "reference/police_most_similar_groups.csv",
    "hmic/peel_grades.csv",
)


@dataclass(frozen=True)
class Cut:
    """A multi-year table cut to recent years: the header and rows whose field starts so."""

    path: str
    column: str
    keep_prefixes: tuple[str, ...]
    why: str


CUTS = (
    Cut(
        "home_office/arrests_open_data_2006_07_to_2017_18_tidy.csv.gz",
        "financial_year",
        ("2014/15", "2015/16", "2016/17", "2017/18"),
        "financial years 2014/15 to 2017/18 only",
    ),
    Cut(
        "home_office/stop_search_open_data_2006_07_to_2018_19_tidy.csv.gz",
        "year_ending",
        ("2015-03", "2016-03", "2017-03", "2018-03", "2019-03"),
        "years ending March 2015 to March 2019 only",
    ),
)


def _write_gzip(data: bytes, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        out.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=9) as gz,
    ):
        gz.write(data)


def cut(source: Path, spec: Cut, out: Path) -> tuple[int, int]:
    """Keep the header and the lines whose ``spec.column`` starts with a kept prefix."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    header = lines[0].decode("utf-8").rstrip("\r\n").split(",")
    index = header.index(spec.column)
    kept = [lines[0]]
    for line in lines[1:]:
        # these tidy files quote no field before the filtered column: split is exact here
        field = line.decode("utf-8").split(",")[index]
        if field.startswith(spec.keep_prefixes):
            kept.append(line)
    _write_gzip(b"".join(kept), out)
    return len(lines) - 1, len(kept) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    shared: Path = args.shared
    if TARGET.exists():
        for child in TARGET.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    TARGET.mkdir(parents=True, exist_ok=True)
    manifest = [("path", "bytes", "sha256", "note")]
    for rel in WHOLE:
        out = TARGET / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, out)
        manifest.append((rel, str(out.stat().st_size), _sha(out), "whole file"))
    for spec in CUTS:
        out = TARGET / spec.path
        total, kept = cut(shared / spec.path, spec, out)
        manifest.append(
            (spec.path, str(out.stat().st_size), _sha(out), f"{spec.why}: {kept} of {total} rows")
        )
    with (TARGET / "MANIFEST.csv").open("w", encoding="utf-8", newline="") as fh:
        SafeWriter(fh).writerows(manifest)
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"wrote {len(WHOLE) + len(CUTS)} files, {size / 1e6:.1f} MB, to {TARGET}")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    main()
