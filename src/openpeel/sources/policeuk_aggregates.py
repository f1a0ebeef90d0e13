"""Counts of data.police.uk street-level records made by third parties from the archive.

* Alrababa'h, Marble, Mousa & Siegel (APSR 2021) replication data: monthly counts of street
  records by reporting body and crime type, 2015-01 to 2018-09, with an ``All`` row per file
  (``alrababah_marble_..._2015_2018.csv.gz``; converted from the authors' RDS file). Their
  ``county`` is the data.police.uk file slug, five of them renamed by the authors.
* BBC England Data Unit: street-level crimes by year (2012-2016), crime type, reporting force and
  last outcome category (``bbc_..._2012_2016.csv.gz``; CR-only line endings, no final newline:
  the sniffer sees only CR and the loader reads it with ``new_line='\\r'``).

Both count data.police.uk records (OGL v3.0); they are not Home Office statistics. See
PROVENANCE.md sections 10 and 12.
"""

from __future__ import annotations

from openpeel.sources.base import Layout, Source, published_header

ALRABABAH_HEADER = published_header("raw_policeuk_agg__street_counts_monthly")
BBC_OUTCOMES_HEADER = published_header("raw_policeuk_agg__outcomes_yearly")

SOURCES = (
    Source(
        kind="policeuk_agg_street_counts_monthly",
        title="data.police.uk street records by force, crime type and month "
        "(Alrababa'h et al. 2021)",
        publisher="Alrababa'h, Marble, Mousa & Siegel, from data.police.uk",
        raw_table="raw_policeuk_agg__street_counts_monthly",
        layouts=(Layout("cleaned_all_crime.rds as CSV", ALRABABAH_HEADER),),
        period_type="month",
        period_sql="left(r.month, 7)",
        force_sql="r.county",
        multi_force=True,
        notes="'All' rows are the authors' per-file totals: kept in raw, left out of the core "
        "counts, reconciled in core_policeuk_agg__street_count_totals.",
    ),
    Source(
        kind="policeuk_agg_outcomes_yearly",
        title="data.police.uk street crimes by year, force, crime type and last outcome "
        "(BBC England Data Unit)",
        publisher="BBC England Data Unit, from data.police.uk",
        raw_table="raw_policeuk_agg__outcomes_yearly",
        layouts=(Layout("BigQuery export (f0_ = count)", BBC_OUTCOMES_HEADER),),
        period_type="year",
        period_sql="r.year",
        force_sql="r.reported_by",
        multi_force=True,
        notes="CR-only line endings and no final newline, as published.",
    ),
)
