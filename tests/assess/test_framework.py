from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from openpeel.errors import UnknownCodeError
from openpeel.framework.docs import render_framework
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.sample import sample_path


def test_every_edition_from_2014_to_2025_with_its_scale() -> None:
    fw = load_framework()
    assert [e.id for e in fw.ordered()] == [
        "2014",
        "2015",
        "2016",
        "2017",
        "2018/19",
        "2021/22",
        "2023-25",
        "2025-27",
    ]
    for e in fw.ordered():
        expected = 4 if e.peel_years[0] <= 2018 else 5
        assert len(e.scale.grades) == expected, e.id
    assert fw.edition("2021/22").scale.ids == (
        "outstanding",
        "good",
        "adequate",
        "requires improvement",
        "inadequate",
    )


def test_published_facts_about_editions_hold() -> None:
    fw = load_framework()
    pafs = fw.edition("2021/22")
    assert (len(pafs.questions), sum(q.graded for q in pafs.questions)) == (12, 10)
    assert pafs.question("victims").title == "How good is the force's service for victims of crime?"
    assert pafs.pillar_rule == "none"
    assert [p.id for p in fw.edition(2014).pillars if p.graded] == ["efficiency"]
    assert not fw.edition(2014).questions_known
    # 2015: stop and search and Taser was its own graded question
    assert fw.edition(2015).question("legitimacy/stop-search-taser").graded
    assert not fw.edition(2016).pillar("leadership").graded
    assert (
        fw.edition("2025-27").questions[0].title.startswith("How good is the force at leadership")
    )


def test_editions_are_found_by_id_or_peel_year_and_unknown_ones_are_named() -> None:
    fw = load_framework()
    assert fw.edition(2018).id == "2018/19"
    assert fw.edition("2023/25").id == "2023-25"
    with pytest.raises(UnknownCodeError, match="closest known"):
        fw.edition("2019/19")
    with pytest.raises(UnknownCodeError, match="question of PEEL 2016"):
        fw.edition(2016).question("effectiveness/no-such-question")


def test_crosswalk_flags_four_to_five_grades_as_not_comparable() -> None:
    fw = load_framework()
    same = {(c.from_question, c.to_question): c for c in fw.crosswalk(2016, 2017)}
    assert same[("effectiveness/protecting-vulnerable-people",) * 2].comparable
    across = {(c.from_question, c.to_question): c for c in fw.crosswalk(2016, "2021/22")}
    link = across[("effectiveness/protecting-vulnerable-people", "protecting-vulnerable-people")]
    assert not link.comparable
    assert "not directly comparable" in link.note
    # the 2015 stop and search question corresponds to fair treatment later
    later = {(c.from_question, c.to_question) for c in fw.crosswalk(2015, 2016)}
    assert ("legitimacy/stop-search-taser", "legitimacy/fair-treatment") in later


def test_every_indicator_names_known_themes() -> None:
    themes = load_framework().themes
    for indicator in load_catalogue().indicators.values():
        assert set(indicator.questions) <= set(themes), indicator.id


def test_every_published_question_wording_maps_to_a_question() -> None:
    """The grades file of the bundled sample: each question wording names a question."""
    fw = load_framework()
    path = sample_path() / "hmic" / "peel_grades.csv"
    opener = gzip.open if path.suffix == ".gz" else open
    unmapped = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (
                row["question"]
                and fw.edition(int(row["year"])).match_question(row["question"]) is None
            ):
                unmapped.append((row["year"], row["question"]))
    assert unmapped == []


def test_docs_framework_is_current() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "framework.md"
    assert doc.read_text(encoding="utf-8") == render_framework()
