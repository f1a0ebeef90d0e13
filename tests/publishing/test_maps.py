"""The grade map: every force area drawn in its grade's colour, the legend in the given order,
a text alternative, a small SVG, and a clear error when the boundaries are not loaded."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpeel.errors import OpenPeelError
from openpeel.publishing.maps import (
    BOUNDARIES_FILE,
    GRADE_COLOURS,
    NO_GRADE,
    chart_svg,
    grade_map,
    simplify,
)
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

SVG = "{http://www.w3.org/2000/svg}"
ORDER = ["outstanding", "good", "requires improvement", "inadequate"]
TITLE = "Effectiveness grades, PEEL 2016"
DESCRIPTION = "Map of the 43 force areas of England and Wales & their effectiveness grades in 2016."


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    home = tmp_path_factory.mktemp("maps") / "home"
    with Warehouse(home) as wh:
        load(wh, sample_path())
        yield wh


@pytest.fixture(scope="module")
def grades(wh: Warehouse) -> dict[str, str]:
    """The real 2016 effectiveness grade of every force."""
    rows = wh.rows(
        "SELECT force_code, grade FROM core_hmic__peel_grades "
        "WHERE year = 2016 AND pillar = 'effectiveness' AND is_pillar_grade"
    )
    return {str(code): str(grade) for code, grade in rows}


@pytest.fixture(scope="module")
def names(wh: Warehouse) -> dict[str, str]:
    return {str(c): str(n) for c, n in wh.rows("SELECT force_code, name FROM ref_force")}


def _areas(svg: str) -> list[tuple[str, str]]:
    """(aria-label, fill) of every drawn force area."""
    root = ET.fromstring(svg)
    return [
        (path.attrib["aria-label"], path.attrib["fill"])
        for group in root.iter(f"{SVG}g")
        if "role-mark" in group.attrib.get("class", "").split()
        for path in group.iter(f"{SVG}path")
        if path.attrib.get("aria-roledescription") == "geoshape"
    ]


def _features(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The GeoJSON features given to the chart (inline, or gathered into its datasets)."""
    data = spec["data"]
    features = data["values"] if "values" in data else spec["datasets"][data["name"]]
    assert isinstance(features, list)
    return features


def _legend(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [
        "".join(text.itertext())
        for group in root.iter(f"{SVG}g")
        if "role-legend-label" in group.attrib.get("class", "").split()
        for text in group.iter(f"{SVG}text")
    ]


def test_the_sample_has_a_2016_grade_for_each_of_the_43_forces(grades: dict[str, str]) -> None:
    assert len(grades) == 43
    assert set(grades.values()) == set(ORDER)


def test_the_map_draws_every_force_area_in_its_grade_colour(
    wh: Warehouse, grades: dict[str, str], names: dict[str, str]
) -> None:
    svg = chart_svg(grade_map(wh, grades, ORDER, TITLE, DESCRIPTION))
    areas = _areas(svg)
    assert len(areas) == 43
    assert sorted(label for label, _ in areas) == sorted(
        f"{names[code]}: {grade}" for code, grade in grades.items()
    )
    for label, fill in areas:
        assert fill == GRADE_COLOURS[label.rsplit(": ", 1)[1]], label
    assert len(svg.encode("utf-8")) < 400_000


def test_the_svg_carries_the_title_and_description_as_its_text_alternative(
    wh: Warehouse, grades: dict[str, str]
) -> None:
    svg = chart_svg(grade_map(wh, grades, ORDER, TITLE, DESCRIPTION))
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == TITLE
    assert root.findtext(f"{SVG}desc") == DESCRIPTION
    assert "<desc>Map of the 43 force areas of England and Wales &amp; their" in svg


def test_the_chart_passes_each_force_once_with_its_grade_and_name(
    wh: Warehouse, grades: dict[str, str], names: dict[str, str]
) -> None:
    spec = grade_map(wh, grades, ORDER, TITLE, DESCRIPTION).to_dict()
    features = _features(spec)
    codes = [f["properties"]["force_code"] for f in features]
    assert sorted(codes) == sorted(grades)
    for feature in features:
        props = feature["properties"]
        assert props["grade"] == grades[props["force_code"]]
        assert props["name"] == names[props["force_code"]]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert spec["description"] == DESCRIPTION
    assert spec["title"]["text"] == TITLE
    assert spec["mark"]["type"] == "geoshape"
    assert spec["width"] == 420
    assert spec["height"] == 520


def test_coordinates_are_rounded_to_three_decimals(wh: Warehouse, grades: dict[str, str]) -> None:
    spec = grade_map(wh, grades, ORDER, TITLE, DESCRIPTION).to_dict()
    points = [
        point
        for feature in _features(spec)
        for polygon in (
            [feature["geometry"]["coordinates"]]
            if feature["geometry"]["type"] == "Polygon"
            else feature["geometry"]["coordinates"]
        )
        for ring in polygon
        for point in ring
    ]
    assert len(points) > 1000
    assert all(round(x, 3) == x and round(y, 3) == y for x, y in points)
    assert all(-7 < x < 2.5 and 49 < y < 56 for x, y in points)


@pytest.mark.parametrize("order", [ORDER, list(reversed(ORDER))])
def test_the_legend_lists_the_grades_in_the_given_order(
    wh: Warehouse, grades: dict[str, str], order: list[str]
) -> None:
    svg = chart_svg(grade_map(wh, grades, order, TITLE, DESCRIPTION))
    assert _legend(svg) == order


def test_forces_without_a_grade_are_grey_and_listed_last(
    wh: Warehouse, grades: dict[str, str], names: dict[str, str]
) -> None:
    some = {code: grade for code, grade in grades.items() if code not in ("E23000001", "W15000002")}
    svg = chart_svg(grade_map(wh, some, ORDER, TITLE, DESCRIPTION))
    grey = sorted(label for label, fill in _areas(svg) if fill == GRADE_COLOURS[NO_GRADE])
    assert grey == sorted(f"{names[c]}: {NO_GRADE}" for c in ("E23000001", "W15000002"))
    assert len(_areas(svg)) == 43
    assert _legend(svg) == [*ORDER, NO_GRADE]


def test_a_grade_missing_from_the_order_is_refused(wh: Warehouse, grades: dict[str, str]) -> None:
    with pytest.raises(OpenPeelError, match="'inadequate'"):
        grade_map(wh, grades, ORDER[:3], TITLE, DESCRIPTION)


def test_a_warehouse_without_boundaries_names_the_file_to_ingest(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "empty") as empty, pytest.raises(OpenPeelError) as caught:
        grade_map(empty, {}, ORDER, TITLE, DESCRIPTION)
    assert "boundaries are not in the warehouse" in caught.value.message
    assert caught.value.hint is not None
    assert BOUNDARIES_FILE in caught.value.hint
    assert "police_force_areas_dec2020_ew.geojson" in str(caught.value)


def test_a_warehouse_without_the_boundaries_view_is_told_the_same(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "bare") as bare:
        kind = bare.scalar(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_name = 'core_ons__pfa_boundaries'"
        )
        bare.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} core_ons__pfa_boundaries")
        with pytest.raises(OpenPeelError, match=r"police_force_areas_dec2020_ew\.geojson"):
            grade_map(bare, {}, ORDER, TITLE, DESCRIPTION)


def test_simplify_rounds_drops_repeats_and_winds_exteriors_clockwise() -> None:
    anticlockwise = [[0.0, 0.0], [1.00001, 0.0], [1.0, 0.00004], [1.0, 1.0], [0.0, 1.0], [0, 0]]
    hole_clockwise = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.4, 0.2], [0.2, 0.2]]
    result = simplify({"type": "Polygon", "coordinates": [anticlockwise, hole_clockwise]})
    assert result == {
        "type": "Polygon",
        "coordinates": [
            [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]],
            [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4], [0.2, 0.2]],
        ],
    }


def test_simplify_drops_parts_that_collapse_when_rounded() -> None:
    speck = [[3.0, 3.0], [3.0001, 3.0], [3.0, 3.0001], [3.0, 3.0]]
    square = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    assert simplify({"type": "MultiPolygon", "coordinates": [[square], [speck]]}) == {
        "type": "Polygon",
        "coordinates": [square],
    }
    assert simplify({"type": "Polygon", "coordinates": [speck]}) is None
    with pytest.raises(OpenPeelError, match="LineString"):
        simplify({"type": "LineString", "coordinates": square})
