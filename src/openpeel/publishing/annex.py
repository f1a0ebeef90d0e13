"""The annex of a force report: the indicators' definitions, the publishers and datasets
with their links and the periods used, and the data gaps for the force (the data-quality
register) up to the as-of date."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing.asof import AsOf, period_end, releases
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.publishing")


def _dataset_words(name: str) -> str:
    """A data-quality register's dataset (a warehouse table) as its publisher and dataset."""
    from openpeel.sources import all_sources

    for kind, source in all_sources().items():
        if source.raw_table.removeprefix("raw_") == name:
            declared = releases().get(kind)
            dataset = declared.dataset if declared else source.title
            return f"{source.publisher}: {dataset}"
    for prefix, publisher in (("policeuk", "data.police.uk"), ("homeoffice", "Home Office")):
        if name.startswith(prefix):
            return publisher
    return "ONS" if name.startswith("ons") else "published data"


def annex(
    wh: Warehouse,
    force_code: str,
    pillars: list[dict[str, Any]],
    numbers: list[dict[str, Any]],
    register: list[dict[str, Any]] | None,
    asof: AsOf,
) -> dict[str, Any]:
    """The indicators' definitions, the publishers and datasets with their links and the
    periods used, and the data gaps for the force up to the as-of date."""
    from openpeel.sources import all_sources

    catalogue = load_catalogue()
    used: dict[str, set[str]] = defaultdict(set)
    for p in pillars:
        for q in p["questions"]:
            for e in q["evidence"]:
                if e["kind"] == "indicator" and not e.get("afterwards"):
                    used[e["indicator_id"]].add(str(e["period"]))
    for n in numbers:
        used[n["indicator_id"]].add(str(n["period"]))
    definitions = []
    periods_of: dict[str, set[str]] = defaultdict(set)
    for iid in sorted(used, key=lambda i: catalogue.indicator(i).title):
        ind = catalogue.indicator(iid)
        kinds = list(catalogue.measures[ind.measure].sources)
        for kind in kinds:
            periods_of[kind].update(used[iid])
        for other in (ind.denominator_measure, ind.exposure_measure):
            for kind in catalogue.measures[other].sources if other else ():
                periods_of.setdefault(kind, set())
        definitions.append(
            {
                "indicator_id": iid,
                "title": ind.title,
                "numerator": ind.numerator_words,
                "denominator": ind.denominator_words,
                "minimum_denominator": ind.minimum_denominator,
                "minimum_text": f"{ind.minimum_denominator:,.0f}"
                if ind.minimum_denominator
                else "",
                "caveats": list(ind.caveats),
                "periods": sorted(used[iid]),
            }
        )
    sources = []
    for kind in sorted(periods_of):
        declared = releases().get(kind)
        source = all_sources().get(kind)
        if source is None:
            continue
        sources.append(
            {
                "publisher": source.publisher,
                "dataset": declared.dataset if declared else source.title,
                "url": declared.url if declared else None,
                "periods": sorted(periods_of[kind]),
            }
        )
    rows = quality_register(wh) if register is None else register
    gaps = []
    for r in rows:
        if r.get("force_code") not in (force_code, None):
            continue
        period = str(r["period"]) if r.get("period") is not None else None
        end = period_end("", period) if period else None
        if end is not None and end > asof.on and not asof.retrospective:
            continue
        gaps.append(
            {
                "finding": str(r.get("finding") or "").capitalize(),
                "dataset": _dataset_words(str(r.get("dataset") or "")),
                "period": period,
                "detail": str(r["detail"]) if r.get("detail") is not None else None,
            }
        )
    return {"definitions": definitions, "sources": sources, "gaps": gaps[:40]}


def quality_register(wh: Warehouse) -> list[dict[str, Any]]:
    """The data-quality register, or nothing where the warehouse lacks a source it checks."""
    from openpeel.warehouse.quality import register_records

    try:
        return register_records(wh)
    except Exception as exc:  # the register needs every source; a partial warehouse has gaps
        log.info("data-quality register not available: %s", exc)
        return []
