"""The key-indicator sentences of every force page say what the 95% interval says: the issue
counted 217 of 296 sentences calling a force "in line with England and Wales" where its interval
excludes the England and Wales value. The class is derived here independently, in SQL, from the
stored intervals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from openpeel.indicators import comparison
from openpeel.indicators.peers import territorial_codes
from openpeel.warehouse.db import Warehouse
from openpeel.web.contexts.forces import _key_indicators, peel_years

pytestmark = pytest.mark.slow

CLASS_SQL = """
SELECT CASE WHEN lower IS NULL OR upper IS NULL OR ew_value IS NULL THEN NULL
            WHEN ew_value < lower THEN 'higher'
            WHEN ew_value > upper THEN 'lower'
            ELSE 'similar' END AS class,
       ew_value
FROM out_indicator_values
WHERE indicator_id = ? AND force_code = ? AND period = ? AND breakdown = 'all'
"""


@pytest.fixture(scope="module")
def wh(built_home: Path) -> Iterator[Warehouse]:
    with Warehouse(built_home, read_only=True) as wh:
        yield wh


def test_no_force_page_calls_a_difference_in_line_or_similar(wh: Warehouse) -> None:
    years = peel_years(wh)
    assert years, "the sample has PEEL years"
    words = comparison.wording()["england_and_wales"]
    seen: Counter[str] = Counter()
    for code in territorial_codes():
        for year in years:
            for figure in _key_indicators(wh, code, year):
                sentence = str(figure["sentence"])
                assert "in line" not in sentence, sentence
                found = wh.records(CLASS_SQL, [figure["indicator_id"], code, figure["period"]])
                cls = found[0]["class"] if found else None
                said = {
                    k for k in ("higher", "lower", "similar") if words[k].split(" (")[0] in sentence
                }
                if cls is None:
                    assert not said, sentence
                    continue
                assert said == {cls}, (cls, sentence)
                seen[cls] += 1
    # the check means something: many differences, and some similar values
    assert seen["higher"] + seen["lower"] > 200
    assert seen["similar"] > 0
