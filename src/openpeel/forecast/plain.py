"""A forecast in plain words for the public: which way it goes, how sure it is, whether it beat
the simple baseline, and a sentence; the technical measures stay beside it for who asks.

The bands that turn numbers into words are declared here, once.
"""

from __future__ import annotations

from typing import Any

from openpeel.forecast.flags import ABOVE, RISING
from openpeel.forecast.models import BASELINE
from openpeel.forecast.stored import StoredSeries
from openpeel.numbers import for_people, p_value, percent

#: a forecast's end this far (as a share) above or below the last value is rising or falling
LEVEL_BAND = 0.05
#: how sure, by the half-width of the last 95% interval as a share of its forecast: the first
#: band the share is under
SURE = ((0.10, "fairly sure"), (0.25, "somewhat sure"), (float("inf"), "unsure"))
NOT_SURE = "in doubt"  # its backtest does not support it (``StoredSeries.doubts``)
#: what a flag of emerging demand rests on, in a word or two
EVIDENCE = {ABOVE: "above its forecast", RISING: "rising trend"}
#: the models by the names people use
MODELS = {
    "seasonal_naive": "the seasonal baseline (each period as the same period a season before)",
    "ets": "exponential smoothing (ETS)",
    "theta": "the theta method",
    "ensemble": "an average of the models",
}


def direction(s: StoredSeries) -> str:
    last = s.history["y"].iloc[-1] if len(s.history) else None
    end = s.forecast["mean"].iloc[-1] if len(s.forecast) else None
    if last is None or end is None or last == 0:
        return "not known"
    change = float(end) / float(last) - 1
    if change > LEVEL_BAND:
        return "rising"
    if change < -LEVEL_BAND:
        return "falling"
    return "about level"


def how_sure(s: StoredSeries) -> str:
    if s.doubts or not len(s.forecast):
        return NOT_SURE
    last = s.forecast.iloc[-1]
    mean = abs(float(last["mean"]))
    if mean == 0:
        return NOT_SURE
    share = (float(last["hi_95"]) - float(last["lo_95"])) / 2 / mean
    return next(words for bound, words in SURE if share < bound)


def beat_baseline(s: StoredSeries) -> str:
    if s.model == BASELINE:
        return "it is the baseline"
    if s.mase is None or s.baseline_mase is None:
        return "not known"
    return "yes" if s.mase <= s.baseline_mase else "no"


def _when(s: StoredSeries, period: Any) -> str:
    monthly = s.source.frequency.name == "month"
    return f"{period:%B %Y}" if monthly else f"the 12 months to {period:%B %Y}"


def sentence(s: StoredSeries) -> str:
    """What the forecast says, in a sentence ("about 1,230 crimes in March 2019 (95% interval
    1,100 to 1,360)"); counts and scores are never below 0, so neither is an interval."""
    if not len(s.forecast):
        return "No forecast."
    last = s.forecast.iloc[-1]
    lo = max(0.0, float(last["lo_95"]))
    hi = max(0.0, float(last["hi_95"]))
    return (
        f"Forecast: about {for_people(float(last['mean']))} {s.source.unit} in "
        f"{_when(s, last['period'])} (95% interval {for_people(lo)} to {for_people(hi)})."
    )


def summary(s: StoredSeries) -> dict[str, Any]:
    """A series for people, with its technical measures apart."""
    return {
        "direction": direction(s),
        "how_sure": how_sure(s),
        "beat_baseline": beat_baseline(s),
        "sentence": sentence(s),
        "doubts": s.doubts,
        "emerging": bool(s.flags),
        # what the emerging demand rests on, as the summary names it
        "evidence": [EVIDENCE.get(k, k) for k in s.flag_kinds],
        "technical": {
            "model": MODELS.get(s.model, s.model.replace("_", " ")),
            "mase": for_people(s.mase, 2),
            "baseline_mase": for_people(s.baseline_mase, 2),
            "smape": "not known" if s.smape is None else f"{for_people(s.smape, 2)}%",
            "coverage_95": percent(s.coverage_95),
            "p_value": None if s.p_value is None else p_value(s.p_value),
        },
    }
