"""The summary's words follow the grades and findings (comparisons of indicator values:
tests/presentation/test_comparison.py)."""

from __future__ import annotations

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
