"""Issue 18 point 3: the indicator page draws its charts on arrival, gives every force's 95%
interval and comparison with England and Wales (derived here from the stored rows), says the
definition in plain words before the technical one; the list groups the indicators by pillar
with each one's latest period, unit and plain definition."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.web.conftest import Site
from tests.web.test_profiles import _expected

from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.warehouse.db import Warehouse

HTML = {"Accept": "text/html"}
INDICATOR = "arrests_per_1000"


class _Comparisons(HTMLParser):
    """The page's table cells carrying a comparison: (data-comparison, class)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and "data-comparison" in a:
            self.cells.append((str(a["data-comparison"]), str(a["class"])))


def test_the_charts_are_there_on_arrival_without_a_force(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    assert twin["force"] is None
    headings = [c["heading"] for c in twin["charts"]]
    assert headings == [
        "Every force in order",
        "Funnel plot around England and Wales",
        "Map of the force areas",
        "Trend",
    ]
    for chart in twin["charts"]:
        assert chart["description"], chart["heading"]
        assert chart["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    ranked = twin["charts"][0]
    # every force with a value is a bar, but those a comparison rule leaves out (with its note)
    catalogue = load_catalogue()
    left_out = catalogue.left_out(catalogue.indicator(INDICATOR))
    with_value = [f for f in twin["forces"] if f["value"] is not None and f["code"] not in left_out]
    assert left_out, "arrests per resident leave out the City of London"
    for rule in left_out.values():
        assert rule.footnote in ranked["description"]
    assert len(ranked["table"]["rows"]) == len(twin["forces"])
    assert f"{len(with_value)} forces in order of value" in ranked["description"]
    # the trend on arrival is England and Wales's, one point per period of the type shown
    with Warehouse(shared_site.home, read_only=True) as wh:
        periods = wh.rows(
            "SELECT count(DISTINCT period) FROM out_indicator_values WHERE indicator_id = ? "
            "AND period_type = ? AND breakdown = 'all' AND ew_value IS NOT NULL",
            [INDICATOR, twin["period_type"]],
        )[0][0]
    assert len(twin["charts"][3]["table"]["rows"]) == periods
    page = shared_site.client.get(f"/indicators/{INDICATOR}", headers=HTML)
    assert page.status_code == 200
    for n in range(1, 5):
        assert f'id="chart-{n}"' in page.text


def test_a_chosen_force_is_highlighted_in_the_charts_and_the_table(shared_site: Site) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}?force=hampshire").json()
    code = twin["force_code"]
    mine = next(f for f in twin["forces"] if f["code"] == code)
    ranked, funnel, drawn_map, trend = twin["charts"]
    assert f"{mine['name']} is outlined: {mine['comparison']}" in ranked["description"]
    assert mine["name"] in funnel["description"]
    assert f"{mine['name']}: {mine['comparison']}" in drawn_map["description"]
    assert trend["description"].startswith(mine["name"])
    page = shared_site.client.get(f"/indicators/{INDICATOR}?force=hampshire", headers=HTML)
    assert page.text.count("opl-chosen") == 1


def test_the_table_gives_each_forces_interval_and_its_stored_comparison(
    shared_site: Site,
) -> None:
    twin = shared_site.client.get(f"/api/indicators/{INDICATOR}").json()
    polarity = load_catalogue().indicator(INDICATOR).polarity
    with Warehouse(shared_site.home, read_only=True) as wh:
        stored = {
            str(f): (v, lo, hi, ew, bool(s))
            for f, v, lo, hi, ew, s in wh.rows(
                "SELECT force_code, value, lower, upper, ew_value, is_suppressed "
                "FROM out_indicator_values WHERE indicator_id = ? AND period = ? "
                "AND breakdown = 'all'",
                [INDICATOR, twin["period"]],
            )
        }
    assert len(twin["forces"]) == len(stored)
    for row in twin["forces"]:
        assert row["comparison"] == _expected(stored[row["code"]], polarity), row["code"]
        assert (row["not_compared_reason"] is None) == (row["comparison"] != "not compared")
        if row["value"] is not None and row["lower"] is not None:
            assert row["interval_text"], row["code"]
    assert {r["comparison"] for r in twin["forces"]} - {"similar", "not compared"}
    page = shared_site.client.get(f"/indicators/{INDICATOR}", headers=HTML)
    assert f"{twin['indicator']['interval_heading']}</th>" in page.text
    cells = _Comparisons()
    cells.feed(page.text)
    assert [c for c, _ in cells.cells] == [r["comparison"] for r in twin["forces"]]
    for comparison, classes in cells.cells:
        colour = "op-c-none" if comparison == "not compared" else f"op-c-{comparison}"
        assert colour in classes.split()


def test_the_plain_definition_comes_before_the_technical_one(shared_site: Site) -> None:
    ind = load_catalogue().indicator(INDICATOR)
    page = shared_site.client.get(f"/indicators/{INDICATOR}", headers=HTML).text
    plain, technical = page.index(ind.plain), page.index(ind.description)
    assert plain < technical
    for caveat in ind.caveats:
        assert page.index(caveat.replace("'", "&#39;")) > technical


def test_the_list_groups_the_indicators_by_pillar_with_period_unit_and_plain_words(
    shared_site: Site,
) -> None:
    twin = shared_site.client.get("/api/indicators").json()
    catalogue = load_catalogue()
    with Warehouse(shared_site.home, read_only=True) as wh:
        computed = {
            str(i) for (i,) in wh.rows("SELECT DISTINCT indicator_id FROM out_indicator_values")
        }
    pillars = list(dict.fromkeys(t.split("/", 1)[0] for t in load_framework().themes))
    groups = twin["pillars"]
    assert [g["pillar"] for g in groups] == [
        p
        for p in pillars
        if any(q.startswith(p + "/") for i in catalogue.indicators.values() for q in i.questions)
    ]
    listed = {(g["pillar"], i["id"]) for g in groups for i in g["indicators"]}
    expected = {
        (q.split("/", 1)[0], i.id) for i in catalogue.indicators.values() for q in i.questions
    }
    assert listed == expected
    for g in groups:
        for row in g["indicators"]:
            ind = catalogue.indicator(row["id"])
            assert row["plain"] == ind.plain
            assert row["unit_words"] == catalogue.unit(ind.unit).words
            assert row["computed"] == (ind.id in computed)
            assert (row["latest_period"] is not None) == row["computed"]
    page = shared_site.client.get("/indicators", headers=HTML).text
    first = groups[0]["indicators"][0]
    assert first["plain"] in page
    assert f"latest period {first['latest_period']}" in page
    for g in groups:
        assert f">{g['pillar'].capitalize()}</h2>" in page
