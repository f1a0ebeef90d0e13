"""The quarantine, the refused files and the data-quality register.

The register lists, per force and period, what a user of the data should know before trusting a
figure: missing force-months, blank and repeated crime IDs, records without a location,
suspiciously small months, rows filed under another month, and negative or suppressed counts.
"""

from __future__ import annotations

from typing import Any

from openpeel.warehouse.catalog import load_schema
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import literal, quote

SECTIONS = {
    "quarantine": "Quarantined rows",
    "refused": "Refused files",
    "register": "Data-quality register",
}

#: a force-month with fewer rows than this share of the force's median month is flagged; declared
#: once in the schema (warehouse/schema/00_meta.toml), where the views read it too
SMALL_MONTH_SHARE = load_schema().constant("small_month_share")

QUARANTINE_SQL = """
SELECT l.path AS file, q.line, q.reason, q.raw_text
FROM meta_quarantine q JOIN meta_load_ledger l USING (file_id)
ORDER BY l.path, q.line
"""

REFUSED_SQL = """
SELECT path AS file, problem, hint, refused_at FROM meta_refused_file ORDER BY refused_at
"""

#: per-row checks on the data.police.uk record tables: (check, table, condition, detail)
ROW_CHECKS = (
    (
        "blank crime id",
        "core_policeuk__street",
        "crime_id IS NULL AND crime_type <> 'Anti-social behaviour'",
        "crimes (not anti-social behaviour) with a blank Crime ID",
    ),
    (
        "blank crime id (anti-social behaviour)",
        "core_policeuk__street",
        "crime_id IS NULL AND crime_type = 'Anti-social behaviour'",
        "anti-social behaviour records have no Crime ID by design",
    ),
    (
        "blank location",
        "core_policeuk__street",
        "lsoa_code IS NULL OR longitude IS NULL",
        "records without an LSOA or coordinates",
    ),
    (
        "blank location",
        "core_policeuk__outcomes",
        "lsoa_code IS NULL OR longitude IS NULL",
        "outcomes without an LSOA or coordinates",
    ),
)


def _row_check_sql(check: str, table: str, condition: str, detail: str) -> str:
    return (
        f"SELECT {literal(check)} AS finding, {literal(table.removeprefix('core_'))} AS "
        f"dataset, force_code, strftime(month, '%Y-%m') AS period, count(*) AS count, "
        f"{literal(detail)} AS detail FROM {quote(table)} WHERE {condition} GROUP BY ALL"
    )


REPEATED_IDS_SQL = """
SELECT 'repeated crime id' AS finding, 'policeuk__' || k AS dataset, force_code,
       strftime(month, '%Y-%m') AS period, sum(n - 1) AS count,
       'rows whose Crime ID repeats an earlier row of the same force and month' AS detail
FROM (SELECT 'street' AS k, force_code, month, crime_id, count(*) AS n
      FROM core_policeuk__street WHERE crime_id IS NOT NULL GROUP BY ALL HAVING n > 1
      UNION ALL
      SELECT 'outcomes', force_code, month, crime_id, count(*) FROM core_policeuk__outcomes
      GROUP BY ALL HAVING count(*) > 1)
GROUP BY ALL
"""

MISSING_MONTHS_SQL = """
WITH present AS (
    SELECT DISTINCT raw_table AS kind, unnest(periods) AS period, unnest(forces) AS force_code
    FROM meta_load_ledger
    WHERE status = 'loaded' AND period_type = 'month' AND len(forces) = 1),
months AS (SELECT DISTINCT kind, period FROM present),
known AS (SELECT DISTINCT kind, force_code FROM present)
SELECT 'missing force-month' AS finding, substr(m.kind, 5) AS dataset,
       k.force_code, m.period,
       0 AS count, 'no file for this force and month, though other forces have one' AS detail
FROM months m JOIN known k USING (kind)
WHERE NOT EXISTS (SELECT 1 FROM present p WHERE p.kind = m.kind AND p.period = m.period
                  AND p.force_code = k.force_code)
"""

SMALL_MONTHS_SQL = f"""
WITH sizes AS (
    SELECT raw_table AS kind, forces[1] AS force_code, periods[1] AS period, rows_loaded
    FROM meta_load_ledger
    WHERE status = 'loaded' AND period_type = 'month' AND len(forces) = 1
      AND len(periods) = 1),
medians AS (SELECT kind, force_code, median(rows_loaded) AS typical, count(*) AS n
            FROM sizes GROUP BY ALL)
SELECT 'small month' AS finding, substr(s.kind, 5) AS dataset,
       s.force_code, s.period,
       s.rows_loaded AS count,
       'fewer than {SMALL_MONTH_SHARE:.0%} of the force''s median month ('
           || CAST(m.typical AS BIGINT) || ' rows): perhaps incomplete at source' AS detail
FROM sizes s JOIN medians m USING (kind, force_code)
WHERE m.n >= 3 AND s.rows_loaded < {SMALL_MONTH_SHARE} * m.typical
"""

OTHER_MONTH_SQL = """
SELECT 'row in another month' AS finding, 'policeuk__street' AS dataset, s.force_code,
       l.periods[1] AS period, count(*) AS count,
       'rows whose Month differs from the month of their file' AS detail
FROM core_policeuk__street s JOIN meta_load_ledger l USING (file_id)
WHERE len(l.periods) = 1 AND strftime(s.month, '%Y-%m') <> l.periods[1]
GROUP BY ALL
"""


def _count_checks(wh: Warehouse) -> list[str]:
    """Negative counts (columns with unit 'count') and suppressed values (columns that declare
    suppression markers), per force and period where the source says how to find them."""
    from openpeel.sources import all_sources

    sources = {s.raw_table: s for s in all_sources().values()}
    queries: list[str] = []
    for table in wh.schema.layer("raw"):
        source = sources.get(table.name)
        force = "fa.value" if source and source.force_sql else "NULL"
        join = (
            f"LEFT JOIN ref_alias_force fa ON fa.alias = norm_code({source.force_sql})"
            if source and source.force_sql
            else ""
        )
        period = (
            f"CAST({source.period_sql} AS VARCHAR)"
            if source and source.period_sql
            else "array_to_string(l.periods, ',')"
        )
        base = (
            f"FROM {quote(table.name)} r JOIN meta_load_ledger l USING (file_id) {join} "
            "WHERE r.quarantine_reason IS NULL"
        )
        dataset = literal(table.name.removeprefix("raw_"))
        for col in table.published_columns:
            ref = f"r.{quote(col.name)}"
            head = (
                f"SELECT {{finding}} AS finding, {dataset} AS dataset, {force} AS force_code, "
                f"{period} AS period, count(*) AS count, {{detail}} AS detail {base}"
            )
            if col.unit == "count":
                detail = literal(f"rows with a negative {col.header}")
                queries.append(
                    head.format(finding="'negative count'", detail=detail)
                    + f" AND TRY_CAST(replace({ref}, ',', '') AS DOUBLE) < 0 "
                    "GROUP BY ALL HAVING count(*) > 0"
                )
            if col.suppressed:
                markers = ", ".join(literal(m) for m in col.suppressed)
                detail = literal(f"rows with {col.header} suppressed ({col.suppressed[0]})")
                queries.append(
                    head.format(finding="'suppressed value'", detail=detail)
                    + f" AND {ref} IN ({markers}) GROUP BY ALL HAVING count(*) > 0"
                )
    return queries


#: a crime type missing from a body-month is flagged when the body's median month has at least
#: this many records of it (fewer, and a month with none is plausible: e.g. robbery in a small
#: force, which PROVENANCE says is a real zero)
MISSING_TYPE_MEDIAN = 50

#: checks on the monthly street counts by force (data.police.uk aggregates)
AGGREGATE_CHECKS = (
    f"""SELECT 'small month' AS finding, 'policeuk_agg__street_counts_monthly' AS dataset,
       force_code, strftime(month, '%Y-%m') AS period, all_count AS count,
       'fewer than {SMALL_MONTH_SHARE:.0%} of the body''s median month ('
           || CAST(median_all_count AS BIGINT)
           || ' records): perhaps incomplete at source' AS detail
       FROM core_policeuk_agg__street_count_totals WHERE is_suspect_month""",
    """SELECT 'total differs from its parts' AS finding,
       'policeuk_agg__street_counts_monthly' AS dataset, force_code,
       strftime(month, '%Y-%m') AS period, difference AS count,
       'the All row differs from the sum of the crime-type rows' AS detail
       FROM core_policeuk_agg__street_count_totals WHERE NOT all_matches_types""",
    """WITH present AS (SELECT DISTINCT force_code, month
                        FROM core_policeuk_agg__street_count_totals),
       months AS (SELECT DISTINCT month FROM present),
       bodies AS (SELECT DISTINCT force_code FROM present)
       SELECT 'missing force-month' AS finding,
       'policeuk_agg__street_counts_monthly' AS dataset, b.force_code,
       strftime(m.month, '%Y-%m') AS period, 0 AS count,
       'no counts for this body and month, though other bodies have them' AS detail
       FROM months m CROSS JOIN bodies b
       WHERE NOT EXISTS (SELECT 1 FROM present p WHERE p.force_code = b.force_code
                         AND p.month = m.month)""",
    f"""WITH months AS (SELECT DISTINCT force_code, month
                     FROM core_policeuk_agg__street_count_totals),
       typical AS (SELECT c.force_code, c.crime_type, median(c.num_crimes) AS median_count
                   FROM core_policeuk_agg__street_counts c GROUP BY ALL
                   HAVING median(c.num_crimes) >= {MISSING_TYPE_MEDIAN})
       SELECT 'crime type missing' AS finding, 'policeuk_agg__street_counts_monthly' AS dataset,
       t.force_code, strftime(m.month, '%Y-%m') AS period, 0 AS count,
       'no ' || t.crime_type || ' records, though the body''s median month has '
           || CAST(t.median_count AS BIGINT) AS detail
       FROM typical t JOIN months m USING (force_code)
       WHERE NOT EXISTS (SELECT 1 FROM core_policeuk_agg__street_counts c
                         WHERE c.force_code = t.force_code AND c.crime_type = t.crime_type
                           AND c.month = m.month)""",
)


#: a rolling-year period published with a date that is not a month's last day
PERIOD_END_SQL = """
SELECT 'period end not a month end' AS finding,
       'homeoffice__recorded_crime_rolling' AS dataset, force_code, period, count(*) AS count,
       'published as ' || published_period_end || ', read as the 12 months to the end of '
           || 'that month' AS detail
FROM core_homeoffice__recorded_crime_rolling WHERE is_period_end_adjusted GROUP BY ALL
"""


def register_records(wh: Warehouse) -> list[dict[str, Any]]:
    parts = [_row_check_sql(*c) for c in ROW_CHECKS]
    parts += [REPEATED_IDS_SQL, MISSING_MONTHS_SQL, SMALL_MONTHS_SQL, OTHER_MONTH_SQL]
    parts += [PERIOD_END_SQL, *AGGREGATE_CHECKS]
    parts += _count_checks(wh)
    sql = " UNION ALL ".join(f"({p})" for p in parts)
    return wh.records(f"SELECT * FROM ({sql}) ORDER BY finding, dataset, force_code, period")


def section_records(wh: Warehouse, section: str) -> list[dict[str, Any]]:
    if section == "quarantine":
        return wh.records(QUARANTINE_SQL)
    if section == "refused":
        return wh.records(REFUSED_SQL)
    return register_records(wh)
