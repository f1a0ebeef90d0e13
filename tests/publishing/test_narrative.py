"""The summary's words follow the grades and findings (comparisons of indicator values:
tests/presentation/test_comparison.py)."""

from __future__ import annotations

from typing import Any

import pytest

from openpeel.publishing import narrative


@pytest.mark.parametrize(
    ("grades", "opening"),
    [
        (["good", "good", "outstanding"], "I am pleased with"),
        (["requires improvement", "good", "good"], "I am satisfied with most aspects"),
        (["requires improvement", "inadequate", "good"], "I have concerns"),
        (["not graded"], None),
    ],
)
def test_the_opening_follows_the_pillar_grades(grades: list[str], opening: str | None) -> None:
    said = narrative.overall("Kent Police", grades, {"outstanding", "good"})
    if opening is None:
        assert said is None
    else:
        assert said is not None
        assert said.startswith(opening)
        assert "Kent Police" in said


def test_findings_are_spoken_in_the_first_person() -> None:
    said = narrative.finding_sentence("strength", "The force tackles serious crime well.")
    assert said == "I am pleased that the force tackles serious crime well."
    assert narrative.grade_words("downgraded", "requires improvement", "good", "2015") == (
        "downgraded from good to requires improvement"
    )


def test_a_figure_is_said_only_where_it_supports_the_finding() -> None:
    from openpeel.publishing.spoken import figure_sentence, supports

    worse = {
        "indicator_id": "victim_does_not_support_share",
        "title": "Victim does not support action",
        "polarity": "higher_is_worse",
        "lower": 0.25,
        "upper": 0.27,
        "ew_value": 0.2,
        "value_text": "26.0%",
        "ew_text": "20.0%",
        "period": "2015/16",
    }
    # above England and Wales where higher is worse: it supports a concern, not praise
    assert supports(worse, "cause_of_concern")
    assert not supports(worse, "strength")
    # an interval that takes in England and Wales supports nothing
    assert not supports({**worse, "lower": 0.19}, "cause_of_concern")
    # nor does an indicator without a polarity
    assert not supports({**worse, "polarity": "neither"}, "cause_of_concern")
    said = figure_sentence(worse, "{publisher} figures show {title} at {value} in {period}.")
    assert said == "Home Office figures show victim does not support action at 26.0% in 2015/16."


def test_a_pillar_without_concern_is_praised_first_in_varied_words() -> None:
    from openpeel.publishing.spoken import spoken

    def finding(i: int, kind: str, text: str) -> dict[str, Any]:
        return {"id": i, "kind": kind, "text": text, "source": f"finding:{i}",
                "recommendations": []}  # fmt: skip

    strengths = [finding(i, "strength", f"The force does thing {i} well.") for i in range(4)]
    improve = finding(9, "area_for_improvement", "The force should record crime better.")
    pillar = {
        "id": "legitimacy", "grade": "good", "change": "unchanged", "narrative": "Good.",
        "findings": [improve, *strengths], "questions": [],
    }  # fmt: skip
    said = spoken([pillar], None)
    texts = [s["text"] for s in said.paragraphs[0]]
    assert texts[0] == "Good."
    assert texts[1] == "I am pleased that the force does thing 0 well."
    assert texts[2] == "The force does thing 1 well."
    assert texts[-1].startswith("I have identified an area for improvement: the force should")
    assert not said.serious
