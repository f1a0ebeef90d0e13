"""What the public reads: the worked example's report, summary and press release, checked in the
text a reader gets from the PDF and the HTML. The key facts are there (the press release leads
with the effectiveness downgrade and the domestic-abuse cause of concern); no internal
identifier or grading rule shows; nothing dated after the as-of date appears in a frozen
publication; a retrospective edition says so first and labels what came later; the national
overview lists all 43 forces for every edition and pillar."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from pypdf import PdfReader

from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import workflow
from openpeel.publishing.asof import (
    AsOf,
    forecast_published_by,
    indicator_published_by,
    period_end,
)
from openpeel.publishing.national import QUESTION_LEVEL, national_context
from openpeel.publishing.outputs import OUTPUTS
from openpeel.publishing.render import render
from openpeel.publishing.renditions import PRESS_RENDITION
from openpeel.warehouse.db import Warehouse
from tests.publishing.conftest import BUILT, RELEASE, Published

AS_OF = date(2017, 3, 2)
MONTHS = [
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
]


class _Text(HTMLParser):
    """The text a reader sees in an HTML page (no markup, attributes, styles or scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:  # noqa: ARG002  (HTMLParser's)
        if tag in ("style", "script", "svg"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "svg"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(data: bytes) -> str:
    parser = _Text()
    parser.feed(data.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def _texts(context: dict[str, Any]) -> dict[str, str]:
    """The text of one output in each human-readable format."""
    return {
        "html": html_text(render(context, "html")),
        "md": re.sub(r"\s+", " ", render(context, "md").decode()),
        "pdf": pdf_text(render(context, "pdf")),
    }


def _draft(p: Published, *, retrospective: bool = False) -> dict[str, Any]:
    """The worked example drafted, sent for check and scheduled for 00:01 on 2 March 2017."""
    with Warehouse(p.home, read_only=True) as wh, p.store.session() as s:
        pub = workflow.draft(
            s, wh, "Hampshire", "2016", "tester", BUILT, retrospective=retrospective
        )
        if not retrospective:
            workflow.send_for_check(s, pub.slug, "tester")
        workflow.schedule(s, pub.slug, RELEASE, "tester", BUILT)
        return dict(pub.context)


@pytest.fixture
def contexts(published: Published) -> dict[str, Any]:
    return _draft(published)


@pytest.fixture
def outputs(contexts: dict[str, Any]) -> dict[str, dict[str, str]]:
    out = {name: _texts(contexts[key]) for name, key in OUTPUTS["force"].items()}
    # the press release as the press reads it before the release: with its embargo line
    out["press-release"] = _texts(contexts[PRESS_RENDITION])
    return out


def test_the_key_facts_are_in_the_pdf_and_the_html(outputs: dict[str, dict[str, str]]) -> None:
    for fmt in ("html", "pdf"):
        report, summary, press = (
            outputs[name][fmt] for name in ("report", "summary", "press-release")
        )
        # the report's cover, contents and sections in the inspectorate's order
        assert "PEEL 2016: Hampshire Constabulary" in report
        assert report.index("Contents") < report.index("The force in numbers")
        assert report.index("The force in numbers", report.index("Contents") + 9) < (
            report.index("Overview", report.index("Contents") + 9 + 400)
        )
        for heading in ("Causes of concern", "Recommendation", "Strengths"):
            assert heading in report
        assert "Practice worth sharing" in report
        assert "down from good in 2015" in report
        assert "Annex: about the data" in report
        assert "data.police.uk" in report
        assert "Home Office" in report
        # the summary: the named inspector, the opening judgement, the concern and progress
        assert "HMI Zoë Billingham" in summary
        assert "I am satisfied with most aspects of Hampshire Constabulary's overall" in summary
        assert "victims of domestic abuse" in summary
        assert "Since the inspection the force has taken active steps" in summary
        # the press release: embargo, headline with the news, concern, quote, where to read
        embargo = press.index("Embargoed until 00:01 Thursday 2 March 2017")
        headline = (
            "Hampshire Constabulary: effectiveness downgraded to requires improvement; "
            "practices relating to some victims of domestic abuse give cause for concern"
        )
        assert embargo < press.index(headline, embargo) < press.index("has been judged")
        assert "Effectiveness: downgraded from good to requires improvement" in press
        assert "nearly two thirds of domestic abuse investigations" in press
        assert "HMI Zoë Billingham said" in press
        assert "publications/hampshire-2016" in press
        assert "response is due by 27 April 2017" in press
        assert "Notes to editors" in press


def test_the_quote_and_the_summary_put_the_concern_before_the_praise(
    contexts: dict[str, Any],
) -> None:
    quote = [s["text"] for s in contexts["press_release"]["quote"]]
    concern = next(i for i, s in enumerate(quote) if "domestic abuse" in s)
    praise = [i for i, s in enumerate(quote) if s.startswith(("I am pleased", "However"))]
    assert praise
    assert concern < min(praise)
    said = [s["text"] for p in contexts["summary"]["paragraphs"] for s in p]
    # concern and praise in proportion: not one form again and again
    assert sum(s.startswith("I am pleased that") for s in said) <= 2
    effectiveness = next(
        p for p in contexts["summary"]["paragraphs"] if "effectiveness" in p[0]["text"]
    )
    assert "down from good in 2015" in effectiveness[0]["text"]
    assert "domestic abuse" in effectiveness[1]["text"]
    assert effectiveness[-1]["text"].startswith(("However", "The force", "I am"))
    # no data sentence in the inspector's voice, only attributed figures
    assert not any("The force's figure for" in s for s in said)


INTERNAL = [
    (re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"), "a snake_case identifier"),
    (re.compile(r"\b\w+__\w+\b"), "a warehouse table name"),
    (re.compile(r"\(s\)"), "a '(s)' plural"),
    (re.compile(r"\?:"), "a question mark followed by a colon"),
    (re.compile(r"\bWhy: "), "a rule's reasons"),
    (re.compile(r"Proposed from"), "a rule's proposal"),
    (re.compile(r"rationale", re.IGNORECASE), "an inspector's rationale"),
    (re.compile(r"rules' proposal|takes its worst question grade"), "grading rule text"),
    (re.compile(r"\bMASE\b|\bets\b|seasonal naive"), "forecast machinery"),
]


def _internal(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r}" for rx, what in INTERNAL for m in rx.finditer(text)]


def test_no_public_output_carries_an_internal_identifier_or_rule(
    published: Published, contexts: dict[str, Any], outputs: dict[str, dict[str, str]]
) -> None:
    with Warehouse(published.home, read_only=True) as wh:
        national = national_context(wh, 2016, [], BUILT)
    found = {
        f"{name}.{fmt}": _internal(text)
        for name, by_format in {**outputs, "overview": _texts(national)}.items()
        for fmt, text in by_format.items()
    }
    assert {k: v for k, v in found.items() if v} == {}
    # the rules' reasons are kept, for the JSON's provenance only
    assert any(v["proposed_reasons"] for v in contexts["report"]["provenance"].values())


def test_the_checker_finds_what_it_looks_for() -> None:
    for text in (
        "Why: it takes its worst question grade",
        "Proposed from: 1 strength(s)",
        "How effective is the force?: good",
        "policeuk__street",
        "force_outcomes_for_offences_recorded_in_quarter",
        "by ets, whose backtest error was 0.27",
    ):
        assert _internal(text), text


def _dates_after(text: str, on: date) -> list[str]:
    """Every period or date in a text that lies after ``on``: financial years and quarters,
    'Month YYYY' and 'D Month YYYY' dates, ISO dates and bare years."""
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)  # hashes are not dates
    text = re.sub(r"https?://\S+", " ", text)  # nor are addresses
    # a deadline set on the day (a response due) is known then
    text = re.sub(r"due (?:by|on) \d{1,2} [A-Z][a-z]+ \d{4}", " ", text)
    out = []
    for m in re.finditer(r"\b(\d{4})/(\d{2})(?: Q[1-4])?", text):
        end = period_end("", m.group(0))
        if end is not None and end > on:
            out.append(m.group(0))
    for m in re.finditer(r"\b(?:(\d{1,2}) )?(" + "|".join(MONTHS) + r") (\d{4})\b", text):
        month = MONTHS.index(m.group(2)) + 1
        # a month without a day is a period: it ends with its last day
        end = period_end("", f"{m.group(3)}-{month:02d}")
        when = date(int(m.group(3)), month, int(m.group(1))) if m.group(1) else end
        if when is not None and when > on:
            out.append(m.group(0))
    for m in re.finditer(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b", text):
        if date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)) > on:
            out.append(m.group(0))
    stripped = re.sub(r"\b\d{4}(?:/\d{2}|-\d{2})", " ", text)
    stripped = re.sub(r"\b(?:\d{1,2} )?(?:" + "|".join(MONTHS) + r") \d{4}\b", " ", stripped)
    for m in re.finditer(r"(?<![\d,.])(20\d{2})(?!\d|[.,]\d)", stripped):
        if int(m.group(1)) > on.year:
            out.append(m.group(0))
    return out


def test_a_frozen_publication_knows_nothing_after_its_date(contexts: dict[str, Any]) -> None:
    report = contexts["report"]
    assert report["as_of"] == {"on": "2017-03-02", "retrospective": False}
    catalogue = load_catalogue()
    # every figure is for a period that had ended and been published by the as-of date
    figures = list(report["numbers"]) + [
        e
        for p in report["pillars"]
        for q in p["questions"]
        for e in q["evidence"]
        if e["kind"] == "indicator"
    ]
    assert figures
    for f in figures:
        ind = catalogue.indicator(f["indicator_id"])
        when = indicator_published_by(ind, f["period_type"], f["period"])
        assert when is not None, f["indicator_id"]
        assert when <= AS_OF, (f["indicator_id"], f["period"], when)
    # the figures not yet published are named, with why
    missing = [m["text"] for m in report["numbers_missing"]] + [
        e["text"]
        for p in report["pillars"]
        for q in p["questions"]
        for e in q["evidence"]
        if e["kind"] == "missing"
    ]
    assert any(
        m.startswith("Victim does not support action") and "published by 2 March 2017" in m
        for m in missing
    )
    assert any(m.startswith("Arrests per 1,000") and "not ended by 2 March" in m for m in missing)
    # no progress after publication: the recommendation is not "complete" in the frozen report
    recs = [
        r
        for p in report["pillars"]
        for q in p["questions"]
        for f in q["findings"]["cause_of_concern"]
        for r in f["recommendations"]
    ]
    assert recs
    assert all(u["on"] <= "2017-03-02" for r in recs for u in r["updates"])
    assert all(r["status"] != "complete" for r in recs)
    # and in every format of every output, no period or date after it
    for name, key in OUTPUTS["force"].items():
        for fmt, text in _texts(contexts[key]).items():
            assert _dates_after(text, AS_OF) == [], f"{name}.{fmt}"
        data = json.loads(render(contexts[key], "json"))
        data.pop("provenance", None)
        assert _dates_after(json.dumps(_without_svg(data)), AS_OF) == [], f"{name}.json"


def _without_svg(value: Any) -> Any:
    """A context without its charts' SVG text (axis labels are checked in the PDF), its build
    time, and the responses' deadlines (set on the day, so known then)."""
    if isinstance(value, dict):
        dropped = ("svg", "built_at", "due_on")
        return {k: _without_svg(v) for k, v in value.items() if k not in dropped}
    if isinstance(value, list):
        return [_without_svg(v) for v in value]
    return value


def test_the_date_checker_finds_later_periods_and_dates() -> None:
    assert _dates_after("arrests in 2016/17 and 2015/16", AS_OF) == ["2016/17"]
    assert _dates_after(
        "on 1 January 2019, in March 2017 and 2018, due by 27 April 2017", AS_OF
    ) == [
        "1 January 2019",
        "March 2017",
        "2018",
    ]
    assert _dates_after("February 2017, 2 March 2017", AS_OF) == []
    assert _dates_after("data to 2022-12-01; 2017-03-01; 1,234,2020.5", AS_OF) == ["2022-12-01"]


def test_the_declared_lags_give_the_publishers_release_months() -> None:
    catalogue = load_catalogue()
    arrests = catalogue.indicator("arrests_per_1000")
    # police powers and procedures: late October after the year to March
    assert indicator_published_by(arrests, "financial_year", "2015/16") == date(2016, 10, 31)
    outcomes = catalogue.indicator("victim_does_not_support_share")
    assert indicator_published_by(outcomes, "financial_year", "2016/17") == date(2017, 7, 31)
    asof = AsOf(AS_OF)
    assert asof.knowable(arrests, "financial_year", "2015/16")
    assert not asof.knowable(arrests, "financial_year", "2016/17")
    # a forecast from data.police.uk months to December 2016 was knowable by March 2017
    assert forecast_published_by("street_files_monthly", date(2016, 12, 1)) == date(2017, 2, 28)
    assert forecast_published_by("street_files_monthly", date(2022, 12, 1)) > AS_OF


def test_a_retrospective_edition_says_so_first_and_labels_what_came_later(
    published: Published,
) -> None:
    contexts = _draft(published, retrospective=True)
    for key in ("report", "summary", "press_release"):
        assert contexts[key]["title"].startswith("Retrospective edition")
        md = render(contexts[key], "md").decode().lstrip()
        assert "Retrospective edition" in md.splitlines()[0], key
        assert pdf_text(render(contexts[key], "pdf")).startswith("Retrospective edition"), key
    report = _texts(contexts["report"])["pdf"]
    after = report.index("What the data showed afterwards", report.index("Demand"))
    assert "2017/18" in report[after:]
    # the judgement is the same as the frozen one
    frozen = _draft(published)
    assert [p["grade"] for p in contexts["report"]["pillars"]] == [
        p["grade"] for p in frozen["report"]["pillars"]
    ]


@pytest.mark.parametrize("year", [2015, 2016, 2017, 2018])
def test_the_national_overview_lists_all_43_forces(published: Published, year: int) -> None:
    with Warehouse(published.home, read_only=True) as wh:
        overview = national_context(wh, year, [], BUILT)
    assert len(overview["forces"]) == 43
    for p in overview["pillars"]:
        assert p["total"] == 43, (year, p["id"])
        assert sum(p["counts"].values()) == 43, (year, p["id"])
        assert all(p["id"] in f["grades"] for f in overview["forces"])
        # one legend entry per state: every force has one, so no catch-all "no grade" entry
        assert ">no grade<" not in p["map"]["svg"]
        assert p["map"]["svg"].count(">not graded<") <= 1
    if year == 2018:
        surrey = next(f for f in overview["forces"] if f["name"].startswith("Surrey"))
        assert surrey["grades"]["effectiveness"]["words"] == QUESTION_LEVEL
    if year == 2017:
        standing = [
            f["grades"]["effectiveness"]["words"]
            for f in overview["forces"]
            if f["grades"]["effectiveness"]["change"] == "stands"
        ]
        assert standing
        assert all("grade from PEEL 2016 stands" in w for w in standing)
