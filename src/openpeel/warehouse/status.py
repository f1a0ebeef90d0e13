"""What the warehouse holds: per source kind, the files, periods, forces and rows."""

from __future__ import annotations

from typing import Any

from openpeel.warehouse.db import Warehouse

STATUS_SQL = """
WITH files AS (SELECT * FROM meta_load_ledger WHERE status = 'loaded'),
periods AS (
    SELECT kind, min(p) AS first_period, max(p) AS last_period, count(DISTINCT p) AS periods
    FROM (SELECT kind, unnest(periods) AS p FROM files) GROUP BY kind),
forces AS (
    SELECT kind, count(DISTINCT f) AS forces
    FROM (SELECT kind, unnest(forces) AS f FROM files) GROUP BY kind),
totals AS (
    SELECT kind, count(*) AS files, sum(rows_read) AS rows_read,
           sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined
    FROM files GROUP BY kind)
SELECT t.kind, t.files, p.first_period, p.last_period, coalesce(p.periods, 0) AS periods,
       coalesce(f.forces, 0) AS forces, t.rows_read, t.rows_loaded, t.rows_quarantined
FROM totals t LEFT JOIN periods p USING (kind) LEFT JOIN forces f USING (kind)
ORDER BY t.kind
"""


def status_records(wh: Warehouse) -> list[dict[str, Any]]:
    return wh.records(STATUS_SQL)
