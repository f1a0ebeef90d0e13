"""Numerators and denominators from a measure: a group the measure has rows for, none of which
meets the numerator's filter, counts 0 (published tables and their tidy copies leave zero rows
out); a group whose matching rows all lack a value (published "not available") stays unknown.

The measure here is synthetic (numbers made up for the check, in a VALUES list).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from openpeel.indicators.aggregate import indicator_frame, materialise
from openpeel.indicators.catalogue import Catalogue, Measure, load_catalogue
from openpeel.indicators.engine import DuckDBEngine
from openpeel.warehouse.db import Warehouse

SYNTHETIC = """
SELECT * FROM (VALUES
    ('F1', 'financial_year', '2018/19', '1', 5.0),
    ('F1', 'financial_year', '2018/19', '18', 95.0),
    ('F2', 'financial_year', '2018/19', '18', 80.0),
    ('F3', 'financial_year', '2018/19', '1', NULL),
    ('F3', 'financial_year', '2018/19', '18', 60.0)
) AS t(force_code, period_type, period, outcome_type, value)
"""


def test_no_matching_row_is_zero_and_missing_values_stay_unknown(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    measure = Measure(
        "synthetic_outcomes", "synthetic", SYNTHETIC, ("outcome_type",), ("financial_year",), ()
    )
    share = dataclasses.replace(
        catalogue.indicator("charge_summons_share"),
        measure=measure.id,
        breakdowns=(),
        periods=("financial_year",),
    )
    mine = Catalogue({measure.id: measure}, {share.id: share}, catalogue.units)
    with Warehouse(tmp_path / "home") as wh:
        engine = DuckDBEngine(wh)
        materialise(engine, measure)
        frame = indicator_frame(engine, mine, share)
    sums = {
        str(f): (float(n), float(d))
        for f, n, d in zip(frame.force_code, frame.numerator, frame.denominator, strict=True)
    }
    assert sums["F1"] == (5.0, 100.0)
    # F2 published no charge row: none were charged, a share of 0, not an unknown one
    assert sums["F2"] == (0.0, 80.0)
    # F3's charge count is published as not available: unknown, not 0
    assert math.isnan(sums["F3"][0])
