"""Issue 18 point 4, the charts: the funnel is drawn around the comparator chosen, the force
page's spine is centred on it, the trend draws its series, and the force page has a form to
choose it. Every expected number is worked out here from the stored rows: the comparator's
value pooled (or averaged) over its forces, the funnel's over-dispersion with
``indicators/funnel.py``'s estimator and its limits by the random-effects formula on the
square-root scale (Spiegelhalter 2005b), the spine's positions by its geometry's rule."""

from __future__ import annotations

import math
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped, unused-ignore]
from tests.web.conftest import Site
from tests.web.test_comparators import HAMPSHIRE, INDICATOR, KENT, SURREY, _all_stored, _benchmark

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.comparison import wording
from openpeel.indicators.funnel import overdispersion
from openpeel.indicators.peers import peer_group
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

HTML = {"Accept": "text/html"}
CHOSEN = {"compare": "forces", "forces": "kent,surrey"}


def _layers(spec: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each layer of a chart's spec with the rows of its data."""
    datasets = spec.get("datasets", {})
    return [
        (
            layer,
            datasets.get(layer.get("data", {}).get("name"), layer.get("data", {}).get("values")),
        )
        for layer in spec["layer"]
    ]


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return str(mark["type"] if isinstance(mark, dict) else mark)


def _rows(home: Any, period: str) -> list[dict[str, Any]]:
    with Warehouse(home, read_only=True) as wh:
        return wh.records(
            "SELECT force_code, value, numerator, denominator, is_suppressed, ew_value "
            "FROM out_indicator_values WHERE indicator_id = ? AND period = ? "
            "AND breakdown = 'all'",
            [INDICATOR, period],
        )


def test_the_funnel_is_drawn_around_the_forces_chosen(shared_site: Site) -> None:
    twin = shared_site.client.get(
        f"/api/indicators/{INDICATOR}", params={"force": "hampshire"} | CHOSEN
    ).json()
    funnel = next(c for c in twin["charts"] if c["heading"].startswith("Funnel plot"))
    assert funnel["heading"] == "Funnel plot around Kent and Surrey"
    rows = _rows(shared_site.home, twin["period"])
    by_code = {r["force_code"]: r for r in rows}
    pooled = (
        1000.0
        * (by_code[KENT]["numerator"] + by_code[SURREY]["numerator"])
        / (by_code[KENT]["denominator"] + by_code[SURREY]["denominator"])
    )
    # the forces compared (a rule leaves City of London out of a rate per resident)
    left_out = load_catalogue().left_out(load_catalogue().indicator(INDICATOR))
    shown = [
        r
        for r in rows
        if not r["is_suppressed"] and r["value"] is not None and r["force_code"] not in left_out
    ]
    layers = _layers(funnel["spec"])
    centre = [d for layer, d in layers if _mark(layer) == "rule"]
    assert centre[0][0]["value"] == pytest.approx(pooled, rel=1e-12)
    # the spread between forces is estimated among all of them around England and Wales
    count = np.array([float(r["numerator"]) for r in shown])
    exposure = np.array([float(r["denominator"]) for r in shown])
    ew = float(shown[0]["ew_value"]) / 1000.0
    od = overdispersion(count / exposure, exposure, ew, "rate")
    assert od.is_overdispersed  # so the limits are the random-effects ones below
    lines = next(d for layer, d in layers if _mark(layer) == "line")
    assert lines
    for point in lines[:: len(lines) // 20]:
        z = stats.norm.ppf(0.975 if point["limit"] == "95% limits" else 0.999)
        sd = math.sqrt(1.0 / (4.0 * point["denominator"]) + od.tau2)
        root = math.sqrt(pooled / 1000.0) + (z * sd if point["side"] == "upper" else -z * sd)
        assert point["value"] == pytest.approx(1000.0 * max(root, 0.0) ** 2, rel=1e-9)
    # each force is coloured by its comparison in the table; Kent and Surrey are its members
    points = next(d for layer, d in layers if _mark(layer) == "point")
    comparisons = {r["code"]: r["comparison"] for r in twin["forces"]}
    assert {p["force_code"]: p["comparison"] for p in points} == {
        r["force_code"]: comparisons[r["force_code"]] for r in shown
    }
    assert {p["force_code"] for p in points if p["member"] == "Kent and Surrey"} == {KENT, SURREY}
    subtitle = funnel["spec"]["title"]["subtitle"]
    assert "around Kent and Surrey" in " ".join(
        [subtitle] if isinstance(subtitle, str) else subtitle
    )
    # the data table places each force against these limits
    words = wording()["across_forces_short"]
    placed = {r[0]: r[5] for r in funnel["table"]["rows"]}
    for r in shown:
        n, value = float(r["denominator"]), float(r["value"])
        z95, z998 = stats.norm.ppf(0.975), stats.norm.ppf(0.999)
        sd = math.sqrt(1.0 / (4.0 * n) + od.tau2)
        root = math.sqrt(pooled / 1000.0)
        limit = {k: 1000.0 * max(root + k * sd, 0.0) ** 2 for k in (-z998, -z95, z95, z998)}
        expected = (
            "far_above"
            if value > limit[z998]
            else "above"
            if value > limit[z95]
            else "far_below"
            if value < limit[-z998]
            else "below"
            if value < limit[-z95]
            else "within"
        )
        assert placed[forces().get(r["force_code"]).short_name] == words[expected]
    assert any("Kent and Surrey's value" in n for n in funnel["table"]["notes"])


def test_the_funnel_around_england_and_wales_is_coloured_as_the_table(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    funnel = twin["charts"][1]
    assert funnel["heading"] == "Funnel plot around England and Wales"
    layers = _layers(funnel["spec"])
    centre = [d for layer, d in layers if _mark(layer) == "rule"]
    assert centre[0][0]["value"] == pytest.approx(twin["ew_value"], rel=1e-12)
    points = next(d for layer, d in layers if _mark(layer) == "point")
    comparisons = {r["code"]: r["comparison"] for r in twin["forces"]}
    assert all(p["comparison"] == comparisons[p["force_code"]] for p in points)
    assert not any("shape" in layer.get("encoding", {}) for layer, _ in layers)


def _series(home: Any, period_type: str, members: list[str], pooled: bool) -> dict[str, float]:
    """The comparator's value by period, from the stored rows."""
    with Warehouse(home, read_only=True) as wh:
        stored = wh.rows(
            "SELECT period, force_code, value, lower, upper, numerator, denominator, "
            "is_suppressed FROM out_indicator_values WHERE indicator_id = ? AND period_type = ? "
            "AND breakdown = 'all'",
            [INDICATOR, period_type],
        )
    by_period: dict[str, list[tuple[Any, ...]]] = {}
    for r in stored:
        if r[1] in members:
            by_period.setdefault(str(r[0]), []).append(tuple(r[2:]))
    unit = load_catalogue().indicator(INDICATOR).unit
    out = {p: _benchmark(rows, unit, pooled) for p, rows in by_period.items()}
    return {p: v for p, v in out.items() if v is not None}


def test_the_trend_draws_the_forces_chosen_beside_england_and_wales(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}", params=CHOSEN).json()
    expected = _series(shared_site.home, twin["period_type"], [KENT, SURREY], pooled=True)
    series = twin["comparator"]["series"]
    assert len(series) == len(expected) >= 2
    for point in series:
        assert point["value"] == pytest.approx(expected[point["period"]], rel=1e-12)
    trend = twin["charts"][3]
    assert trend["heading"] == "Trend, with Kent and Surrey"
    drawn = trend["spec"]["datasets"][trend["spec"]["data"]["name"]]
    lines = {(d["series"], d["period"]): d["value"] for d in drawn}
    for period, value in expected.items():
        assert lines[("Kent and Surrey", period)] == pytest.approx(value, rel=1e-12)
    assert any(s == "England and Wales" for s, _ in lines)
    assert trend["table"]["columns"][-1] == "Kent and Surrey"
    # England and Wales alone: its trend, no comparator line, its own series in the twin
    alone = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    assert alone["charts"][3]["heading"] == "Trend"
    assert {p["period"] for p in alone["comparator"]["series"]} == {
        r[0] for r in alone["charts"][3]["table"]["rows"]
    }


def test_the_forces_trend_draws_its_most_similar_group(shared_site: Site) -> None:
    twin = shared_site.client.get(
        f"/api/indicators/{INDICATOR}", params={"force": "hampshire", "compare": "msg"}
    ).json()
    group = peer_group(HAMPSHIRE, include_self=True)
    expected = _series(shared_site.home, twin["period_type"], group, pooled=False)
    label = "Hampshire's most similar group"
    trend = twin["charts"][3]
    assert trend["heading"] == f"Trend, with {label}"
    drawn = [
        d
        for layer, data in _layers(trend["spec"])
        if _mark(layer) == "line"
        for d in data
        if d["series"] == label
    ]
    assert drawn
    for d in drawn:
        assert d["value"] == pytest.approx(expected[d["period"]], rel=1e-12)
    assert trend["table"]["columns"][-1] == label


@pytest.mark.parametrize("compare", ["region", "forces"])
def test_the_spine_is_centred_on_the_comparator(shared_site: Site, compare: str) -> None:
    params = {"compare": compare} | ({"forces": "kent,surrey"} if compare == "forces" else {})
    twin = shared_site.client.get("/api/forces/hampshire", params=params).json()
    label = twin["comparator"]["label"]
    if compare == "forces":
        members = [KENT, SURREY]
    else:
        region = forces().get(HAMPSHIRE).region
        members = [f.code for f in forces().territorial() if f.region == region]
    stored = _all_stored(shared_site.home)
    catalogue = load_catalogue().indicators
    drawn = 0
    for row in (r for g in twin["spine"] for r in g["rows"]):
        key = (row["indicator_id"], row["period"])
        centre = _benchmark(
            [stored[(*key, c)] for c in members if (*key, c) in stored], row["unit"], pooled=True
        )
        geo = row["geometry"]
        if centre is None or row["minimum"] is None:
            assert geo is None
            continue
        drawn += 1
        assert geo["centre"] == 320
        assert geo["centre_label"] == label
        spread = [v for v in (row["minimum"], row["maximum"], row["value"]) if v is not None]
        half = max(abs(v - centre) for v in spread)
        sign = -1 if catalogue[row["indicator_id"]].polarity == "higher_is_worse" else 1

        def x(v: float, centre: float = centre, half: float = half, sign: int = sign) -> float:
            return 320 + 0.48 * 640 * sign * (v - centre) / half if half else 320.0

        left = min(x(row["minimum"]), x(row["maximum"]))
        assert geo["range"][0] == pytest.approx(left, abs=0.11)
        assert geo["range"][1] == pytest.approx(
            abs(x(row["maximum"]) - x(row["minimum"])), abs=0.21
        )
        if row["value"] is not None:
            assert geo["value"] == pytest.approx(x(row["value"]), abs=0.06)
    assert drawn
    page = shared_site.client.get("/forces/hampshire", params=params, headers=HTML).text
    assert f"The black line is {label}".replace("'", "&#39;") in page
    # the picture for download says what its line is
    svg = shared_site.client.get("/download/forces/hampshire/spine.svg", params=params)
    root = ElementTree.fromstring(svg.content)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert f"black line: {label};" in texts


class _Form(HTMLParser):
    """The force page's comparator form: its action and its named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.inside = False
        self.inputs: list[dict[str, str | None]] = []
        self.buttons = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("class") == "op-compare-form":
            self.action, self.inside = a.get("action"), True
            assert a.get("method") == "get"
        elif self.inside and tag == "input":
            self.inputs.append(a)
        elif self.inside and tag == "button":
            self.buttons += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def test_the_force_page_has_a_form_to_choose_the_comparator(shared_site: Site) -> None:
    page = shared_site.client.get("/forces/hampshire?compare=forces&forces=kent", headers=HTML)
    form = _Form()
    form.feed(page.text)
    assert form.action == "/forces/hampshire#spine"
    assert form.buttons == 1
    radios = [i for i in form.inputs if i.get("type") == "radio"]
    assert {i["value"] for i in radios} == {"ew", "msg", "region", "forces"}
    assert [i["value"] for i in radios if "checked" in i] == ["forces"]
    boxes = [i for i in form.inputs if i.get("type") == "checkbox"]
    assert all(i["name"] == "forces" for i in boxes)
    assert {i["value"] for i in boxes} == {f.policeuk_slug for f in forces().territorial()}
    assert [i["value"] for i in boxes if "checked" in i] == ["kent"]
    # what the form sends when Surrey is ticked too is the comparison of the two
    sent = "compare=forces&forces=kent&forces=surrey"
    twin = shared_site.client.get(f"/api/forces/hampshire?{sent}").json()
    assert twin["comparator"]["forces"] == ["kent", "surrey"]
    assert twin["comparator"]["label"] == "Kent and Surrey"
    # the year of the key indicators is kept when it was asked for
    with_year = _Form()
    with_year.feed(shared_site.client.get("/forces/hampshire?year=2016", headers=HTML).text)
    assert {"type": "hidden", "name": "year", "value": "2016"} in with_year.inputs
