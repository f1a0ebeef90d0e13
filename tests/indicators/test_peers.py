"""Peer groups (most similar groups) computed from the bundled sample of real data."""

from __future__ import annotations

import csv
import json
import math
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openpeel.errors import UnknownCodeError
from openpeel.indicators import peers
from openpeel.indicators.peer_characteristics import CHARACTERISTICS, LSOA_FORCE_SQL, area_km2
from openpeel.reference import forces
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "src" / "openpeel" / "reference" / "data" / "peer_groups.csv"
MSG_FILE = "reference/police_most_similar_groups.csv"
#: the sample files the peer groups read
INPUTS = (
    "reference/police_force_areas_dec2020_ew.geojson",
    "population/ons_mye_lad2021_population_2001_2020.csv.gz",
    "reference/lad16_csp16_pfa16_lookup_england_wales.csv",
    "population/census2011_lsoa_population_households.csv.gz",
    "population/census2011_pfa_ethnic_groups_resistancelab.csv",
    MSG_FILE,
)
HAMPSHIRE, SURREY, CITY = "E23000030", "E23000031", "E23000034"
WELSH = ("W15000001", "W15000002", "W15000003", "W15000004")


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path_factory.mktemp("peers") / "home")
    results = load(warehouse, *(sample_path() / f for f in INPUTS))
    assert {r.status for r in results} == {"loaded"}, results
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def rows(wh: Warehouse) -> list[peers.PeerRow]:
    return peers.compute_peer_groups(wh)


def test_every_territorial_force_gets_seven_territorial_members_never_itself(
    rows: list[peers.PeerRow],
) -> None:
    territorial = {f.code for f in forces().territorial()}
    computed = [r for r in rows if r.kind == "computed"]
    assert {r.force_code for r in computed} == territorial
    for code in territorial:
        group = sorted((r for r in computed if r.force_code == code), key=lambda r: r.rank or 0)
        members = [r.member_code for r in group]
        assert len(members) == len(set(members)) == peers.K == 7, code
        assert code not in members
        assert set(members) <= territorial
        assert [r.rank for r in group] == list(range(1, 8))
        distances = [r.distance or 0.0 for r in group]
        assert distances == sorted(distances)
        assert all(r.method == peers.METHOD for r in group)


def test_characteristics_have_a_value_for_every_force(wh: Warehouse) -> None:
    values = peers.characteristic_values(wh)
    territorial = {f.code for f in forces().territorial()}
    assert set(values) == {c.id for c in CHARACTERISTICS}
    for cid, by_force in values.items():
        assert set(by_force) == territorial, cid
        assert all(math.isfinite(v) and v > 0 for v in by_force.values()), cid
    # Wales is covered by the census LSOA table too (its rows have a blank region)
    for code in WELSH:
        assert 0 < values["dense_lsoa_share"][code] < 1
        assert 2 < values["persons_per_household"][code] < 3


def test_every_lsoa_maps_to_a_force_and_the_census_totals_agree(wh: Warehouse) -> None:
    unmatched = wh.rows(f"SELECT count(*) FROM ({LSOA_FORCE_SQL}) WHERE force_code IS NULL")
    assert unmatched == [(0,)]
    differ = wh.rows(
        f"""SELECT l.force_code, l.persons, t.persons
            FROM (SELECT force_code, sum(persons) AS persons FROM ({LSOA_FORCE_SQL})
                  GROUP BY force_code) l
            FULL JOIN (SELECT force_code, persons FROM core_ons__census2011_pfa_ethnicity
                       WHERE level = 'total') t ON t.force_code = l.force_code
            WHERE l.persons IS DISTINCT FROM t.persons"""
    )
    assert differ == []


def test_force_area_matches_the_census_hectares(wh: Warehouse) -> None:
    polygons = {
        code: area_km2(json.loads(geometry))
        for code, geometry in wh.rows(
            "SELECT force_code, CAST(geometry AS VARCHAR) FROM core_ons__pfa_boundaries"
        )
    }
    hectares = dict(
        wh.rows(f"SELECT force_code, sum(hectares) / 100 FROM ({LSOA_FORCE_SQL}) GROUP BY 1")
    )
    assert len(polygons) == 43
    for code, km2 in polygons.items():
        # generalised December 2020 boundaries against 2011 LSOA areas: within 2%, except the
        # tiny City of London (2.9 km²), where generalisation shows
        assert km2 / hectares[code] == pytest.approx(1, abs=0.1 if code == CITY else 0.02), code


def test_area_of_a_hemisphere_is_half_the_wgs84_surface() -> None:
    north = {"type": "Polygon", "coordinates": [[[-180, 0], [180, 0], [180, 90], [-180, 90]]]}
    assert area_km2(north) == pytest.approx(510_065_621.7 / 2, rel=1e-9)
    holed = {
        "type": "MultiPolygon",
        "coordinates": [[[[0, 0], [2, 0], [2, 2], [0, 2]], [[0.5, 0.5], [1.5, 0.5], [1.5, 1.5]]]],
    }
    outer = area_km2({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2]]]})
    hole = area_km2({"type": "Polygon", "coordinates": [[[0.5, 0.5], [1.5, 0.5], [1.5, 1.5]]]})
    assert area_km2(holed) == pytest.approx(outer - hole)


def test_z_scores_are_standardised_across_the_43_forces(wh: Warehouse) -> None:
    z = peers.standardise(peers.characteristic_values(wh), CHARACTERISTICS)
    assert len(z) == 43
    for i in range(len(CHARACTERISTICS)):
        column = [vector[i] for vector in z.values()]
        assert statistics.fmean(column) == pytest.approx(0, abs=1e-12)
        assert statistics.pstdev(column) == pytest.approx(1)


def test_a_distance_by_hand(wh: Warehouse, rows: list[peers.PeerRow]) -> None:
    values = peers.characteristic_values(wh)
    first = next(r for r in rows if r.force_code == HAMPSHIRE and r.rank == 1)

    def zvec(code: str) -> list[float]:
        out = []
        for c in CHARACTERISTICS:
            xs = [c.feature(v) for v in values[c.id].values()]
            out.append(
                (c.feature(values[c.id][code]) - statistics.fmean(xs)) / statistics.pstdev(xs)
            )
        return out

    expected = math.dist(zvec(HAMPSHIRE), zvec(first.member_code))
    assert all(c.weight == 1.0 for c in CHARACTERISTICS)
    assert first.distance == pytest.approx(expected, rel=1e-12)
    # and in the file, to six decimal places
    packaged = next(
        r
        for r in peers.read_peer_groups()
        if (r.force_code, r.rank, r.kind) == (HAMPSHIRE, 1, "computed")
    )
    assert packaged.member_code == first.member_code
    assert packaged.distance == pytest.approx(expected, abs=5e-7)


def test_build_is_deterministic_and_the_packaged_file_is_current(
    wh: Warehouse, rows: list[peers.PeerRow]
) -> None:
    again = peers.format_peer_groups(peers.compute_peer_groups(wh))
    assert again == peers.format_peer_groups(rows)
    assert again == PACKAGED.read_text(encoding="utf-8"), (
        "peer_groups.csv is out of date: run scripts/build_peer_groups.py"
    )


@pytest.mark.slow
def test_the_script_rewrites_the_identical_file(tmp_path: Path) -> None:
    out = tmp_path / "peer_groups.csv"
    script = ROOT / "scripts" / "build_peer_groups.py"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True, cwd=ROOT)
    assert out.read_bytes() == PACKAGED.read_bytes()


def test_published_rows_are_present_unchanged() -> None:
    registry = forces()
    with (sample_path() / MSG_FILE).open(encoding="utf-8", newline="") as fh:
        published = {
            (
                row["vintage"],
                registry.resolve(row["force"]).code,
                registry.resolve(row["msg_member"]).code,
                row["rank"],
                row["source"],
            )
            for row in csv.DictReader(fh)
        }
    assert len(published) == 16
    with PACKAGED.open(encoding="utf-8", newline="") as fh:
        in_file = {
            (r["vintage"], r["force_code"], r["member_code"], r["rank"], r["source"])
            for r in csv.DictReader(fh)
            if r["kind"] == "published"
        }
    assert in_file == published
    methods = {(r.vintage, r.method) for r in peers.read_peer_groups() if r.kind == "published"}
    assert methods == {
        ("2001/02", "home-office-msg"),
        ("2010/11", "hmic-vfm-msg"),
        ("2023/24", "iopc-msf"),
    }


def test_city_of_london_group_carries_the_caveat(rows: list[peers.PeerRow]) -> None:
    computed = [r for r in rows if r.kind == "computed"]
    assert {r.force_code for r in computed if r.caveat} == {CITY}
    assert all("no most similar group" in r.caveat for r in computed if r.force_code == CITY)


def test_peer_group_accessor_reads_the_computed_groups() -> None:
    group = peers.peer_group(HAMPSHIRE)
    expected = [
        r.member_code
        for r in sorted(peers.read_peer_groups(), key=lambda r: r.rank or 0)
        if r.force_code == HAMPSHIRE and r.kind == "computed"
    ]
    assert group == expected
    assert len(group) == 7
    assert peers.peer_group(HAMPSHIRE, include_self=True) == [HAMPSHIRE, *group]
    with pytest.raises(peers.PeerGroupError, match="no peer group"):
        peers.peer_group("BTP")
    with pytest.raises(UnknownCodeError):
        peers.peer_group("E23999999")


def test_comparison_with_published_lists(rows: list[peers.PeerRow]) -> None:
    overlaps = {(o.force_code, o.vintage): o for o in peers.compare_with_published(rows)}
    assert set(overlaps) == {(HAMPSHIRE, "2001/02"), (HAMPSHIRE, "2010/11"), (SURREY, "2023/24")}
    for o in overlaps.values():
        assert len(o.computed) == 7
        assert o.jaccard == len(o.common) / len(set(o.published) | set(o.computed))
