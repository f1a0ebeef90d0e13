"""Issue 18 point 4 on the indicator page: the comparator chosen in the address colours the
table, the bars and the map, in the page and in its JSON twin; the address can be shared; a bad
parameter is refused with 400 (a GOV.UK error summary on the page, the error in JSON). The
comparator's value is worked out here from the stored rows."""

from __future__ import annotations

import csv
import html
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from tests.web.conftest import Site
from tests.web.test_profiles import _expected

from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.peers import peer_group
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

HTML = {"Accept": "text/html"}
INDICATOR = "arrests_per_1000"
KENT, SURREY, HAMPSHIRE = "E23000032", "E23000031", "E23000030"


class _Comparisons(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and "data-comparison" in a:
            self.cells.append(str(a["data-comparison"]))
        if tag == "a":
            self.links.append(str(a.get("href")))


def _stored(home: Path, period: str) -> dict[str, tuple[Any, ...]]:
    """force -> (value, lower, upper, numerator, denominator, suppressed)."""
    with Warehouse(home, read_only=True) as wh:
        return {
            str(r[0]): tuple(r[1:])
            for r in wh.rows(
                "SELECT force_code, value, lower, upper, numerator, denominator, is_suppressed "
                "FROM out_indicator_values WHERE indicator_id = ? AND period = ? "
                "AND breakdown = 'all'",
                [INDICATOR, period],
            )
        }


def _check_rows(twin: dict[str, Any], stored: dict[str, tuple[Any, ...]], value: float) -> None:
    polarity = load_catalogue().indicator(INDICATOR).polarity
    for row in twin["forces"]:
        v, lo, hi, _, _, suppressed = stored[row["code"]]
        assert row["comparison"] == _expected((v, lo, hi, value, suppressed), polarity), row["code"]


def test_the_default_is_england_and_wales(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    assert twin["comparator"]["id"] == "ew"
    assert twin["comparator"]["value"] == twin["ew_value"]
    assert twin["comparator"]["query"] == ""
    _check_rows(twin, _stored(shared_site.home, twin["period"]), twin["ew_value"])


def test_chosen_forces_colour_the_table_bars_and_map_in_page_and_twin(shared_site: Site) -> None:
    query = "compare=forces&forces=kent,surrey"
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}?{query}").json()
    stored = _stored(shared_site.home, twin["period"])
    pooled = 1000.0 * (stored[KENT][3] + stored[SURREY][3]) / (stored[KENT][4] + stored[SURREY][4])
    comparator = twin["comparator"]
    assert comparator["id"] == "forces"
    assert comparator["value"] == pytest.approx(pooled, rel=1e-12)
    assert comparator["forces"] == ["kent", "surrey"]
    assert comparator["label"] == "Kent and Surrey"
    _check_rows(twin, stored, pooled)
    england = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    assert [r["comparison"] for r in twin["forces"]] != [r["comparison"] for r in england["forces"]]
    ranked, _, drawn_map, _ = twin["charts"]
    assert "coloured by comparison with Kent and Surrey" in ranked["description"]
    assert "compares with Kent and Surrey" in drawn_map["description"]
    assert drawn_map["spec"]["encoding"]["color"]["legend"]["title"] == (
        "Compared with Kent and Surrey"
    )
    page = shared_site.client.get(f"/indicators/{INDICATOR}?{query}", headers=HTML)
    assert page.status_code == 200
    parsed = _Comparisons()
    parsed.feed(page.text)
    assert parsed.cells == [r["comparison"] for r in twin["forces"]]
    assert "Compared with Kent and Surrey</th>" in page.text
    # repeated parameters, as the page's form sends them, are the same choice
    form = shared_site.client.get(
        f"/api/indicators/{INDICATOR}?compare=forces&forces=kent&forces=surrey"
    ).json()
    assert form["comparator"] == comparator


def test_the_most_similar_group_and_the_region_are_the_chosen_forces(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}?force=hampshire&compare=msg").json()
    stored = _stored(shared_site.home, twin["period"])
    shown = {c: float(r[0]) for c, r in stored.items() if not r[5] and r[0] is not None}
    group = [c for c in peer_group(HAMPSHIRE, include_self=True) if c in shown]
    assert twin["comparator"]["value"] == pytest.approx(sum(shown[c] for c in group) / len(group))
    assert twin["comparator"]["label"] == "Hampshire's most similar group"
    _check_rows(twin, stored, twin["comparator"]["value"])

    region = shared_site.client.get(
        f"/api/indicators/{INDICATOR}?force=hampshire&compare=region"
    ).json()
    south_east = [
        f.code for f in forces().territorial() if f.region == forces().get(HAMPSHIRE).region
    ]
    rows = [stored[c] for c in south_east if c in shown]
    pooled = 1000.0 * sum(r[3] for r in rows) / sum(r[4] for r in rows)
    assert region["comparator"]["value"] == pytest.approx(pooled, rel=1e-12)
    assert sorted(region["comparator"]["members"]) == sorted(
        forces().get(c).policeuk_slug for c in south_east
    )
    _check_rows(region, stored, pooled)


def test_the_address_can_be_shared(shared_site: Site) -> None:
    page = shared_site.client.get(
        f"/indicators/{INDICATOR}?force=hampshire&compare=forces&forces=kent,surrey",
        headers=HTML,
    )
    parsed = _Comparisons()
    parsed.feed(page.text)
    shared = [h for h in parsed.links if "compare=forces" in h and "force=hampshire" in h]
    assert shared, "a link to this very comparison"
    again = shared_site.client.get(shared[0].replace("/indicators/", "/api/indicators/", 1))
    assert again.status_code == 200
    assert again.json()["comparator"]["forces"] == ["kent", "surrey"]
    # each force's row keeps the comparison when it is followed
    assert any("force=" in h and "compare=forces" in h for h in parsed.links if h != shared[0])


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("compare=nope", "compare: no comparator"),
        ("compare=forces", "forces: choose at least one force"),
        ("compare=forces&forces=kent,atlantis", "forces: no police force"),
        ("forces=kent", "forces: a list of forces is used only with compare=forces"),
        ("compare=msg", "choose a force"),
    ],
)
def test_a_bad_parameter_is_refused_with_400(shared_site: Site, query: str, words: str) -> None:
    api = shared_site.client.get(f"/api/indicators/{INDICATOR}?{query}")
    assert api.status_code == 400
    error = api.json()["error"]
    assert error["status"] == 400
    assert words in error["detail"]
    page = shared_site.client.get(f"/indicators/{INDICATOR}?{query}", headers=HTML)
    assert page.status_code == 400
    assert 'class="govuk-error-summary"' in page.text
    summary = html.unescape(page.text.split('class="govuk-error-summary"', 1)[1])
    assert words[1:] in summary.split("</ul>", 1)[0]


def _all_stored(home: Path) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """(indicator, period, force) -> (value, lower, upper, numerator, denominator, suppressed)."""
    with Warehouse(home, read_only=True) as wh:
        return {
            (str(r[0]), str(r[1]), str(r[2])): tuple(r[3:])
            for r in wh.rows(
                "SELECT indicator_id, period, force_code, value, lower, upper, numerator, "
                "denominator, is_suppressed FROM out_indicator_values WHERE breakdown = 'all'"
            )
        }


def _benchmark(rows: list[tuple[Any, ...]], unit: str, pooled: bool) -> float | None:
    shown = [r for r in rows if not r[5] and r[0] is not None]
    if not shown:
        return None
    if pooled and unit in ("share", "per_1000"):
        per = 1000.0 if unit == "per_1000" else 1.0
        return per * sum(float(r[3]) for r in shown) / sum(float(r[4]) for r in shown)
    return sum(float(r[0]) for r in shown) / len(shown)


@pytest.mark.parametrize("compare", ["forces", "msg", "region"])
def test_every_cell_of_the_rug_follows_the_comparator(shared_site: Site, compare: str) -> None:
    params = {"compare": compare} | ({"forces": "kent,surrey"} if compare == "forces" else {})
    twin = shared_site.client.get("/api/indicators/all", params=params).json()
    assert twin["comparator"]["id"] == compare
    stored = _all_stored(shared_site.home)
    catalogue = load_catalogue().indicators
    territorial = forces().territorial()
    seen = set()
    for force in twin["forces"]:
        if compare == "forces":
            members = [KENT, SURREY]
        elif compare == "msg":
            members = peer_group(force["code"], include_self=True)
        else:
            region = forces().get(force["code"]).region
            members = [f.code for f in territorial if f.region == region]
        for ind in twin["indicators"]:
            rows = [stored[k] for c in members if (k := (ind["id"], ind["period"], c)) in stored]
            value = _benchmark(rows, ind["unit"], pooled=compare != "msg")
            cell = force["cells"][ind["id"]]
            if value is None:
                assert cell["comparator_value"] is None
            else:
                assert cell["comparator_value"] == pytest.approx(value, rel=1e-9)
            own = stored.get((ind["id"], ind["period"], force["code"]))
            expected = _expected(
                None if own is None else (*own[:3], value, own[5]),
                catalogue[ind["id"]].polarity,
            )
            assert cell["comparison"] == expected, (force["code"], ind["id"])
            seen.add(expected)
    assert seen & {"better", "worse", "higher", "lower"}
    page = shared_site.client.get("/indicators/all", params=params, headers=HTML)
    assert page.status_code == 200
    parsed = _Comparisons()
    parsed.feed(page.text)
    by_slug = {f["slug"]: f for f in twin["forces"]}
    shown = [
        by_slug[f["slug"]]["cells"][i["id"]]["comparison"]
        for f in twin["forces"]
        for i in twin["indicators"]
    ]
    assert parsed.cells == shown
    # the sort links keep the comparison, so that a sorted view can be shared
    assert any("sort=" in h and f"compare={compare}" in h for h in parsed.links)


def test_a_bad_comparator_on_the_rug_is_refused(shared_site: Site) -> None:
    assert shared_site.client.get("/api/indicators/all?compare=nope").status_code == 400
    page = shared_site.client.get("/indicators/all?compare=forces", headers=HTML)
    assert page.status_code == 400
    assert 'class="govuk-error-summary"' in page.text


@pytest.mark.parametrize("compare", ["msg", "region", "forces"])
def test_the_spine_is_coloured_by_the_comparator(shared_site: Site, compare: str) -> None:
    params = {"compare": compare} | ({"forces": "kent,surrey"} if compare == "forces" else {})
    twin = shared_site.client.get("/api/forces/hampshire", params=params).json()
    assert twin["comparator"]["id"] == compare
    stored = _all_stored(shared_site.home)
    catalogue = load_catalogue().indicators
    if compare == "forces":
        members = [KENT, SURREY]
    elif compare == "msg":
        members = peer_group(HAMPSHIRE, include_self=True)
    else:
        region = forces().get(HAMPSHIRE).region
        members = [f.code for f in forces().territorial() if f.region == region]
    rows = [r for g in twin["spine"] for r in g["rows"]]
    assert rows
    for row in rows:
        key = (row["indicator_id"], row["period"])
        value = _benchmark(
            [stored[(*key, c)] for c in members if (*key, c) in stored],
            row["unit"],
            pooled=compare != "msg",
        )
        if value is None:
            assert row["comparator_value"] is None
        else:
            assert row["comparator_value"] == pytest.approx(value, rel=1e-9)
        own = stored.get((*key, HAMPSHIRE))
        expected = _expected(
            None if own is None else (*own[:3], value, own[5]),
            catalogue[row["indicator_id"]].polarity,
        )
        assert row["comparison"] == expected, row["indicator_id"]
        colour = "op-c-none" if expected == "not compared" else f"op-c-{expected}"
        assert row["css"] == colour
    page = shared_site.client.get("/forces/hampshire", params=params, headers=HTML)
    assert page.status_code == 200
    assert f"Compared with {twin['comparator']['label']}</th>" in html.unescape(page.text)
    parsed = _Comparisons()
    parsed.feed(page.text)
    assert parsed.cells == [r["comparison"] for r in rows]
    assert shared_site.client.get("/api/forces/hampshire?compare=nope").status_code == 400


def test_the_key_indicators_stay_the_reports_and_the_page_says_so(shared_site: Site) -> None:
    """The key indicators are the figures behind the report, compared as the report compares
    them, whichever comparison is chosen for the spine; the page says which is which."""
    plain = shared_site.client.get("/api/forces/hampshire").json()
    region = shared_site.client.get("/api/forces/hampshire?compare=region").json()
    assert plain["key_indicators"], "the fixture has key indicators"
    assert region["key_indicators"] == plain["key_indicators"]
    assert region["key_chart"] == plain["key_chart"]
    note = "compared with England and Wales and the most similar group as the report compares"
    page = shared_site.client.get("/forces/hampshire?compare=region", headers=HTML)
    assert note in page.text
    assert f"({region['comparator']['label']}) is for the spine chart" in html.unescape(page.text)
    assert note not in shared_site.client.get("/forces/hampshire", headers=HTML).text


def test_the_forms_ticked_forces_are_left_aside_with_another_comparator(shared_site: Site) -> None:
    # the page's form sends the forces ticked whichever comparator is picked
    twin = shared_site.client.get(
        f"/api/indicators/{INDICATOR}?compare=ew&forces=kent&forces=surrey"
    ).json()
    assert twin["comparator"]["id"] == "ew"
    assert twin["comparator"]["forces"] == []


@pytest.mark.parametrize("compare", ["region", "forces"])
def test_the_rugs_downloads_follow_the_comparator(shared_site: Site, compare: str) -> None:
    """The CSV and XLSX of the rug carry the comparisons the page shows for the comparator
    chosen, and the page links them with the comparator in their address."""
    params = {"compare": compare} | ({"forces": "kent,surrey"} if compare == "forces" else {})
    twin = shared_site.client.get("/api/indicators/all", params=params).json()
    expected = {
        (f["code"], i["id"]): f["cells"][i["id"]]["comparison"]
        for f in twin["forces"]
        for i in twin["indicators"]
    }
    default = shared_site.client.get("/api/indicators/all").json()
    ew = {
        (f["code"], i["id"]): f["cells"][i["id"]]["comparison"]
        for f in default["forces"]
        for i in default["indicators"]
    }
    assert expected != ew  # the comparator changes something, so the check below can fail
    answer = shared_site.client.get("/indicators/all.csv", params=params)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    got = {
        (r["force_code"], i["id"]): r[f"{i['id']}:comparison"]
        for r in rows
        for i in twin["indicators"]
    }
    assert got == expected
    book = load_workbook(
        io.BytesIO(shared_site.client.get("/indicators/all.xlsx", params=params).content)
    )
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(sheet[0])
    got_xlsx = {
        (str(r[0]), i["id"]): r[header.index(f"{i['id']}:comparison")]
        for r in sheet[1:]
        for i in twin["indicators"]
    }
    assert got_xlsx == expected
    page = shared_site.client.get("/indicators/all", params=params, headers=HTML)
    parsed = _Comparisons()
    parsed.feed(page.text)
    downloads = [h for h in parsed.links if h.startswith("/indicators/all.")]
    assert downloads
    assert all(f"compare={compare}" in h for h in downloads)
