"""Issue 18's views: every force on every indicator (/indicators/all, its twin and CSV), a
force's spine chart, and finding a force by place. Each cell's colour is derived here from the
stored intervals and the catalogue's polarity, not from the code under test."""

from __future__ import annotations

import csv
import io
import math
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from tests.web.conftest import Site
from tests.web.test_pages import (
    test_pages_are_accessible_and_load_nothing_from_elsewhere as accessible,
)

from openpeel.csvsafe import safe_cell
from openpeel.indicators.catalogue import load_catalogue
from openpeel.warehouse.db import Warehouse

HTML = {"Accept": "text/html"}


def _expected(row: tuple[Any, ...] | None, polarity: str) -> str:
    """The class of a stored row against England and Wales, worked out independently."""
    if row is None:
        return "not compared"
    value, lower, upper, ew, suppressed = row
    if suppressed or value is None or ew is None or lower is None or upper is None:
        return "not compared"
    if any(isinstance(x, float) and not math.isfinite(x) for x in (value, lower, upper, ew)):
        return "not compared"
    if lower <= ew <= upper:
        return "similar"
    above = lower > ew
    if polarity == "neither":
        return "higher" if above else "lower"
    good = above == (polarity == "higher_is_better")
    return "better" if good else "worse"


class _Cells(HTMLParser):
    """The rug's body cells as (force link, data-comparison, class attribute, title)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str, str | None]]] = []
        self.forces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag == "a" and (a.get("href") or "").startswith("/forces/"):
            self.forces.append(str(a["href"]).removeprefix("/forces/"))
        elif tag == "td" and "data-comparison" in a:
            self.rows[-1].append((str(a["data-comparison"]), str(a["class"]), a.get("title")))


def test_every_cell_is_coloured_by_its_stored_interval_against_england_and_wales(
    shared_site: Site,
) -> None:
    twin = shared_site.client.get("/api/indicators/all").json()
    assert len(twin["forces"]) == 43
    assert twin["indicators"]
    catalogue = load_catalogue().indicators
    with Warehouse(shared_site.home, read_only=True) as wh:
        stored = {
            (str(i), str(p), str(f)): (v, lo, hi, ew, bool(s))
            for i, p, f, v, lo, hi, ew, s in wh.rows(
                "SELECT indicator_id, period, force_code, value, lower, upper, ew_value, "
                "is_suppressed FROM out_indicator_values WHERE breakdown = 'all'"
            )
        }
    seen = set()
    for force in twin["forces"]:
        for ind in twin["indicators"]:
            cell = force["cells"][ind["id"]]
            row = stored.get((ind["id"], ind["period"], force["code"]))
            expected = _expected(row, catalogue[ind["id"]].polarity)
            assert cell["comparison"] == expected, (force["code"], ind["id"])
            assert (cell["not_compared_reason"] is not None) == (expected == "not compared")
            seen.add(expected)
    assert {"similar", "not compared"} <= seen
    assert seen & {"better", "worse", "higher", "lower"}

    page = shared_site.client.get("/indicators/all", headers=HTML)
    assert page.status_code == 200
    assert 'class="opl-scroll op-scroll" role="region"' in page.text
    assert 'tabindex="0"' in page.text
    cells = _Cells()
    cells.feed(page.text)
    body = [r for r in cells.rows if r]
    assert len(body) == 43
    by_slug = {f["slug"]: f for f in twin["forces"]}
    slugs = [s for s in cells.forces if s in by_slug]
    for slug, shown in zip(slugs, body, strict=True):
        for ind, (comparison, classes, title) in zip(twin["indicators"], shown, strict=True):
            cell = by_slug[slug]["cells"][ind["id"]]
            assert comparison == cell["comparison"]
            colour = "op-c-none" if comparison == "not compared" else f"op-c-{comparison}"
            assert colour in classes.split()
            assert (title is not None) == (comparison == "not compared")
    # the key says every class in words
    for words in ("Better than", "Similar to", "Worse than", "Higher than", "Lower than"):
        assert words in page.text


def test_the_csv_is_the_table_shown_with_its_filters(shared_site: Site) -> None:
    params = {"pillar": "effectiveness", "region": "South East"}
    twin = shared_site.client.get("/api/indicators/all", params=params).json()
    response = shared_site.client.get("/indicators/all.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["force_code"] for r in rows] == [f["code"] for f in twin["forces"]]
    assert {f["region"] for f in twin["forces"]} == {"South East"}
    assert len(rows) < 43
    assert twin["indicators"]
    for row, force in zip(rows, twin["forces"], strict=True):
        for ind in twin["indicators"]:
            cell = force["cells"][ind["id"]]
            assert row[f"{ind['id']}:comparison"] == cell["comparison"]
            if cell["value"] is None:
                assert row[ind["id"]] == ""
            else:
                assert float(row[ind["id"]]) == cell["value"]
    # the page links this same download
    page = shared_site.client.get("/indicators/all", params=params, headers=HTML).text
    assert 'href="/indicators/all.csv?pillar=effectiveness&amp;region=South%20East"' in page


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+x", "-y", "@z", "fine", -1.5, None)] == [
        "'=1+1",
        "'+x",
        "'-y",
        "'@z",
        "fine",
        -1.5,
        None,
    ]


def test_an_unknown_pillar_or_region_is_not_found(shared_site: Site) -> None:
    assert shared_site.client.get("/api/indicators/all?pillar=nonsense").status_code == 404
    assert shared_site.client.get("/api/indicators/all?region=Atlantis").status_code == 404
    # the form's "all" is an empty value
    assert shared_site.client.get("/api/indicators/all?pillar=&region=").status_code == 200


def test_the_indicators_list_links_the_rug(shared_site: Site) -> None:
    assert 'href="/indicators/all"' in shared_site.client.get("/indicators", headers=HTML).text


def test_the_force_page_draws_a_spine_chart_with_its_numbers(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/forces/hampshire").json()
    groups = twin["spine"]
    assert groups
    assert all(g["rows"] for g in groups)
    drawn = 0
    for g in groups:
        for r in g["rows"]:
            geo = r["geometry"]
            if geo is None:
                continue
            drawn += 1
            (left, width), (q_left, q_width) = geo["range"], geo["quartiles"]
            # the middle half lies within the range; England and Wales in the middle
            assert left <= q_left + 0.1
            assert q_left + q_width <= left + width + 0.1
            assert geo["centre"] == 320
            assert geo["centre_label"] == "England and Wales"
            if r["value"] is not None:
                assert left - 0.1 <= geo["value"] <= left + width + 0.1
            assert r["minimum"] <= r["q1"] <= r["q3"] <= r["maximum"]
    page = shared_site.client.get("/forces/hampshire", headers=HTML).text
    assert 'id="spine"' in page
    assert len(re.findall(r'<svg viewBox="0 0 640 20"', page)) == drawn > 0
    for g in groups:
        assert g["description"] in page
    assert "The spine chart&#39;s numbers" in page or "The spine chart's numbers" in page


def test_each_spine_row_carries_its_trend_and_spc_markers(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/forces/hampshire").json()
    page = shared_site.client.get("/forces/hampshire", headers=HTML).text
    rows = [r for g in twin["spine"] for r in g["rows"]]
    variations = 0
    for r in rows:
        words = [m["words"] for m in r["marks"]]
        assert words[0] == f"Recent trend: {r['trend'] or 'cannot be calculated'}"
        if r["variation"] is None:
            assert len(words) == 1
        else:
            variations += 1
            assert words[1] == f"Latest month: {r['variation']}"
        for w in words:
            assert f'title="{w}"' in page
    assert variations > 0  # the monthly indicators have their SPC icon
    # City of London is out of the spread of rates per resident, and the page says why
    notes = {r["spread_footnote"] for r in rows} - {None}
    assert notes
    for note in notes:
        assert "City of London" in note
        assert note.replace("'", "&#39;") in page or note in page


def test_a_force_is_found_by_a_place_in_its_area(shared_site: Site) -> None:
    def names(q: str) -> list[str]:
        twin = shared_site.client.get("/api/forces", params={"q": q}).json()
        return [f["name"] for f in twin["forces"]["items"]]

    assert names("Southampton") == ["Hampshire Constabulary"]
    assert names("Portsmouth") == ["Hampshire Constabulary"]
    assert set(names("London")) == {"Metropolitan Police Service", "City of London Police"}
    assert names("hampshire police")[0] == "Hampshire Constabulary"
    assert names("Devon and Cornwall")[0] == "Devon & Cornwall Police"
    page = shared_site.client.get("/forces", params={"q": "Southampton"}, headers=HTML).text
    assert 'href="/forces/hampshire"' in page
    assert "Southampton is a local authority" in page


@pytest.mark.parametrize(
    "path", ["/indicators/all", "/indicators/all?pillar=legitimacy", "/forces?q=London"]
)
def test_the_new_pages_pass_the_accessibility_checks(shared_site: Site, path: str) -> None:
    accessible(shared_site, path)


def test_the_rug_sorts_forces_by_an_indicator_highest_first(shared_site: Site) -> None:
    first = shared_site.client.get("/api/indicators/all").json()
    iid = first["indicators"][0]["id"]
    twin = shared_site.client.get("/api/indicators/all", params={"sort": iid}).json()
    values = [f["cells"][iid]["value"] for f in twin["forces"]]
    shown = [v for v in values if v is not None]
    assert shown == sorted(shown, reverse=True)
    assert values[: len(shown)] == shown  # forces with no value come last
    rows = list(
        csv.DictReader(
            io.StringIO(shared_site.client.get("/indicators/all.csv", params={"sort": iid}).text)
        )
    )
    assert [r["force_code"] for r in rows] == [f["code"] for f in twin["forces"]]
    assert shared_site.client.get("/api/indicators/all?sort=nonsense").status_code == 404
    page = shared_site.client.get("/indicators/all", params={"sort": iid}, headers=HTML).text
    assert 'aria-sort="descending"' in page
