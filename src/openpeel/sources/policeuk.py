"""data.police.uk monthly archive files: street, outcomes and stop and search.

Publisher: data.police.uk (Home Office and the police forces), Open Government Licence v3.0.
Read as published; plain ``.csv``, ``.csv.gz``, folders in the archive layout and the archive
``.zip`` are all handled by discovery (``openpeel.ingest.discover``), not here.
"""

from __future__ import annotations

from openpeel.sources.base import Layout, Source, published_header

STREET_HEADER = published_header("raw_policeuk__street")
OUTCOMES_HEADER = published_header("raw_policeuk__outcomes")
STOP_SEARCH_HEADER = published_header("raw_policeuk__stop_search")

SOURCES = (
    Source(
        kind="policeuk_street",
        title="data.police.uk street-level crime",
        publisher="data.police.uk",
        raw_table="raw_policeuk__street",
        layouts=(Layout("2011 onwards", STREET_HEADER),),
        period_type="month",
        period_sql="r.month",
        force_sql="r.reported_by",
        batchable=True,
    ),
    Source(
        kind="policeuk_outcomes",
        title="data.police.uk outcomes",
        publisher="data.police.uk",
        raw_table="raw_policeuk__outcomes",
        layouts=(Layout("2011 onwards", OUTCOMES_HEADER),),
        period_type="month",
        period_sql="r.month",
        force_sql="r.reported_by",
        batchable=True,
    ),
    Source(
        kind="policeuk_stop_search",
        title="data.police.uk stop and search",
        publisher="data.police.uk",
        raw_table="raw_policeuk__stop_search",
        layouts=(Layout("2014 onwards", STOP_SEARCH_HEADER),),
        period_type="month",
        period_sql=None,
        name_gives_force=True,
        batchable=True,
        notes="No force column: force and month come from the file name.",
    ),
)
