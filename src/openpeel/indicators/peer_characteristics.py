"""The force-area characteristics that OpenPEEL's peer groups are computed from, as data.

Each :class:`Characteristic` says what it measures, how it is computed (the SQL over the core
views, plus a Python step where SQL cannot do it), which views and data year it uses, why it is
relevant and its weight. ``openpeel.indicators.peers`` standardises and combines them; the
method and the choice of characteristics are explained in ``docs/peer-groups.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpeel.errors import OpenPeelError

__all__ = [
    "CHARACTERISTICS",
    "DENSE_LSOA_PERSONS_PER_HECTARE",
    "LSOA_FORCE_SQL",
    "POPULATION_YEAR",
    "Characteristic",
    "PeerGroupError",
    "area_km2",
]

POPULATION_YEAR = 2020
DENSE_LSOA_PERSONS_PER_HECTARE = 40.0

#: WGS84 ellipsoid: semi-major axis (m), flattening, first eccentricity squared
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)


class PeerGroupError(OpenPeelError):
    """The peer groups cannot be computed (missing or unusable input data)."""


@dataclass(frozen=True)
class Characteristic:
    """A force-area characteristic used to measure how similar two forces are.

    ``sql`` returns one row per force: ``force_code`` then the inputs ``compute`` turns into the
    value (without ``compute`` the query's second column is the value). ``transform`` is applied
    before standardising ("log": natural logarithm; "none"). ``weight`` multiplies the squared
    difference of the two forces' z-scores in the distance (1.0 = equal weight).
    """

    id: str
    description: str
    computation: str
    source_views: tuple[str, ...]
    vintage: str
    relevance: str
    sql: str
    compute: Callable[[tuple[Any, ...]], float] | None = None
    transform: str = "none"
    weight: float = 1.0

    def feature(self, value: float) -> float:
        return math.log(value) if self.transform == "log" else value


def _authalic_q(latitude: float) -> float:
    s = math.sin(math.radians(latitude))
    return (1 - _E2) * (s / (1 - _E2 * s * s) - math.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))


def _ring_area_m2(ring: Sequence[Sequence[float]]) -> float:
    # Lambert cylindrical equal-area projection of the ellipsoid (x = a.lon, y = a.q/2): areas
    # in the plane equal areas on the ellipsoid, so the shoelace formula gives the ring's area
    pts = [(_A * math.radians(lon), _A * _authalic_q(lat) / 2) for lon, lat, *_ in ring]
    twice = sum(
        x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True)
    )
    return abs(twice) / 2


def area_km2(geometry: Mapping[str, Any]) -> float:
    """Area of a GeoJSON Polygon or MultiPolygon (WGS84 lon/lat) on the WGS84 ellipsoid, km².

    Exact for the polygon whose edges are straight in the equal-area projection; the boundary
    vertices are close together, so this differs negligibly from the geodesic polygon. Holes
    are subtracted whatever their orientation.
    """
    kind = geometry["type"]
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise PeerGroupError(f"cannot measure the area of a {kind} geometry")
    total = 0.0
    for rings in polygons:
        total += _ring_area_m2(rings[0]) - sum(_ring_area_m2(hole) for hole in rings[1:])
    return total / 1e6


def _density(row: tuple[Any, ...]) -> float:
    population, geometry = row
    return float(population) / area_km2(json.loads(geometry))


#: every 2011 LSOA with its force: the LSOA's 2011 local authority through the ONS December
#: 2016 LAD -> PFA lookup (England and Wales). Six 2011 LA codes were replaced after 2011
#: (Northumberland, Gateshead and four Hertfordshire districts); those match the lookup by name.
LSOA_FORCE_SQL = """
    WITH lad AS (SELECT DISTINCT lad_code, force_code, norm_code(lad_name) AS lad_name
                 FROM core_ons__lad_to_pfa)
    SELECT l.*, coalesce(c.force_code, n.force_code) AS force_code
    FROM core_ons__census2011_lsoa_population l
    LEFT JOIN lad c ON c.lad_code = l.la_code
    LEFT JOIN lad n ON c.lad_code IS NULL
        AND n.lad_name = norm_code(regexp_replace(trim(l.la_name), ' UA$', ''))
"""

CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic(
        id="log_population_density",
        description="Residents per km² of the force area (natural log)",
        computation=(
            "ONS mid-2020 population of the force area / area of its December 2020 boundary, "
            "computed in Python on the WGS84 ellipsoid (equal-area projection); then ln"
        ),
        source_views=("core_ons__population_pfa", "core_ons__pfa_boundaries"),
        vintage="mid-2020",
        relevance=(
            "Population density is one of HMIC's MSG variables. Log scale: densities run from "
            "about 50 (Dyfed-Powys) to over 5,000 per km² (Metropolitan Police)."
        ),
        sql=f"""
            SELECT b.force_code, p.population, CAST(b.geometry AS VARCHAR)
            FROM core_ons__pfa_boundaries b
            JOIN core_ons__population_pfa p
              ON p.force_code = b.force_code AND p.year = {POPULATION_YEAR}
        """,
        compute=_density,
        transform="log",
    ),
    Characteristic(
        id="dense_lsoa_share",
        description=(
            f"Share of residents living in LSOAs of at least {DENSE_LSOA_PERSONS_PER_HECTARE:g} "
            "persons per hectare"
        ),
        computation=(
            "2011 Census usual residents of LSOAs whose persons / hectares is at least 40, over "
            "all usual residents of the force area (LSOA -> force via its local authority)"
        ),
        source_views=("core_ons__census2011_lsoa_population", "core_ons__lad_to_pfa"),
        vintage="Census 2011",
        relevance=(
            "How much of the population lives in dense, mostly terraced and flatted, urban "
            "neighbourhoods: a stand-in for HMIC's % terraced housing that whole-area density "
            "misses in forces with large rural hinterlands."
        ),
        sql=f"""
            SELECT force_code,
                   sum(persons) FILTER (WHERE persons / hectares
                                        >= {DENSE_LSOA_PERSONS_PER_HECTARE}) / sum(persons)
            FROM ({LSOA_FORCE_SQL}) GROUP BY force_code
        """,
    ),
    Characteristic(
        id="persons_per_household",
        description="Usual residents in households per household",
        computation="2011 Census household residents / households, summed over the force's LSOAs",
        source_views=("core_ons__census2011_lsoa_population", "core_ons__lad_to_pfa"),
        vintage="Census 2011",
        relevance=(
            "Household composition (families, single people, sharers); the nearest our data "
            "come to HMIC's % single-parent households, which is not in our data."
        ),
        sql=f"""
            SELECT force_code, sum(persons_in_households) / sum(households)
            FROM ({LSOA_FORCE_SQL}) GROUP BY force_code
        """,
    ),
    Characteristic(
        id="share_not_white_british",
        description="Share of residents not of White British ethnicity",
        computation=(
            "1 - usual residents 'White: English/Welsh/Scottish/Northern Irish/British' / all "
            "usual residents, 2011 Census by police force area"
        ),
        source_views=("core_ons__census2011_pfa_ethnicity",),
        vintage="Census 2011",
        relevance=(
            "Ethnic diversity of the resident population, which shapes demand (e.g. hate "
            "crime, stop and search) and community engagement; not an HMIC MSG variable."
        ),
        sql="""
            SELECT force_code,
                   1 - sum(persons) FILTER (WHERE ethnic_group LIKE 'White: English/%')
                       / sum(persons) FILTER (WHERE level = 'total')
            FROM core_ons__census2011_pfa_ethnicity GROUP BY force_code
        """,
    ),
)
