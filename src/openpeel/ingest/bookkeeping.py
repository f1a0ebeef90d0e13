"""What a batch leaves besides its rows: per-file counts, the quarantine, the ledger, the
refusal log, and the removal of the slices that newer files replace."""

from __future__ import annotations

from datetime import UTC, datetime

from openpeel import __version__
from openpeel.errors import FileRefused
from openpeel.ingest.batch import (
    Batch,
    FileResult,
    FileScan,
    NeedsCare,
    Prepared,
    Refusal,
    Stats,
)
from openpeel.ingest.lines import first_line_with, locate
from openpeel.reference import forces, normalise
from openpeel.sources.base import Source
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import quote

#: a bulk-read file with more rows to quarantine than this is read again line by line, where
#: the lines come with the rows (finding them by content keeps them all in memory)
LOCATE_MAX_ROWS = 10_000


def scan_files(wh: Warehouse, batch: Batch) -> dict[int, FileScan]:
    """Per file of the batch, what the checks after the insert need, in one scan of its rows:
    the rows and quarantined rows, and of the loaded rows the periods, the force spellings and
    each coded column's distinct values."""
    source = batch.source
    period = source.period_sql or "NULL"
    force = source.force_sql or "NULL"
    loaded = "r.quarantine_reason IS NULL"
    coded = [c.name for c in batch.table.published_columns if c.code and c.name in batch.raw_names]
    lists = "".join(f", list(DISTINCT r.{quote(c)}) FILTER (WHERE {loaded})" for c in coded)
    rows = wh.rows(
        f"SELECT r.file_id, count(*), count(r.quarantine_reason), "
        f"list(DISTINCT {period}) FILTER (WHERE {loaded} AND {period} IS NOT NULL), "
        f"list(DISTINCT {force}) FILTER (WHERE {loaded} AND {force} IS NOT NULL){lists} "
        f"FROM {quote(batch.table.name)} r WHERE r.file_id BETWEEN ? AND ? GROUP BY 1",
        batch.id_range,
    )
    scans = {fid: FileScan() for fid, _ in batch.items()}
    for fid, n, q, periods, spellings, *values in rows:
        scans[int(fid)] = FileScan(
            int(n),
            int(q),
            sorted(periods or []),
            list(spellings or []),
            {c: list(v or []) for c, v in zip(coded, values, strict=True)},
        )
    return scans


def file_stats(batch: Batch, scans: dict[int, FileScan]) -> Stats:
    """Per file: raw rows, quarantined raw rows, the periods and forces its loaded rows cover."""
    registry = forces()
    stats: Stats = {}
    for fid, item in batch.items():
        scan = scans[fid]
        # a spelling of whitespace alone is blank, as the code checks see it (checked here on the
        # few distinct spellings, not on every row)
        codes = sorted({registry.resolve(s).code for s in scan.forces if normalise(s)})
        stats[fid] = (
            scan.rows,
            scan.quarantined,
            [item.name_month] if item.name_month else scan.periods,
            [item.name_force] if item.name_force else codes,
        )
    return stats


def quarantine(wh: Warehouse, batch: Batch) -> None:
    """Write every quarantined row of a bulk-read batch with its line and raw text (a careful
    read has written its own, with the lines it read)."""
    if batch.careful:
        return
    too_many = wh.rows(
        f"SELECT file_id, count(*) FROM {quote(batch.table.name)} WHERE file_id BETWEEN ? AND ? "
        "AND quarantine_reason IS NOT NULL GROUP BY 1 HAVING count(*) > ?",
        [*batch.id_range, LOCATE_MAX_ROWS],
    )
    if too_many and batch.source.reader is None:
        raise NeedsCare(f"{too_many[0][1]} rows to quarantine")
    cols = ", ".join(quote(n) for n in batch.raw_names)
    bad_by_file: dict[int, list[tuple[object, ...]]] = {}
    for row in wh.rows(
        f"SELECT file_id, {cols}, quarantine_reason FROM {quote(batch.table.name)} "
        "WHERE file_id BETWEEN ? AND ? AND quarantine_reason IS NOT NULL",
        batch.id_range,
    ):
        bad_by_file.setdefault(int(row[0]), []).append(tuple(row[1:]))
    rows: list[dict[str, object]] = []
    for fid, item in batch.items():
        bad = bad_by_file.get(fid)
        if not bad:
            continue
        wanted = [tuple(None if v is None else str(v) for v in r[:-1]) for r in bad]
        if item.input.name.lower().endswith((".json", ".geojson")):
            where = [(0, ",".join("" if v is None else v for v in w)) for w in wanted]
        else:
            where = locate(
                item.input.path,
                wanted,
                delimiter=item.source.delimiter,
                encoding=item.source.encoding,
                header_rows=batch.header_rows,
            )
        for (line, text), row in zip(where, bad, strict=True):
            rows.append(
                {
                    "file_id": fid,
                    "line": line or None,
                    "raw_text": text or None,
                    "reason": str(row[-1]),
                }
            )
    wh.insert_rows("meta_quarantine", rows)


def check_names(wh: Warehouse, batch: Batch, stats: Stats) -> None:
    """Refuse a file whose rows are about another force or month than its name says."""
    source = batch.source
    for fid, item in batch.items():
        _, _, periods, codes = stats[fid]
        if item.claimed_force and source.force_sql and codes and codes != [item.claimed_force]:
            _mislabelled(wh, batch, fid, item, source.force_sql, item.claimed_force, "force")
        if item.claimed_month and source.period_sql and periods and periods != [item.claimed_month]:
            _mislabelled(wh, batch, fid, item, source.period_sql, item.claimed_month, "month")


def _mislabelled(
    wh: Warehouse, batch: Batch, fid: int, item: Prepared, sql: str, claimed: str, what: str
) -> None:
    registry = forces()
    values = [
        v
        for (v,) in wh.rows(
            f"SELECT DISTINCT {sql} FROM {quote(batch.table.name)} r WHERE r.file_id = ? "
            f"AND r.quarantine_reason IS NULL AND {sql} IS NOT NULL ORDER BY 1",
            [fid],
        )
    ]
    if what == "force":
        wrong = next(v for v in values if registry.resolve(v).code != claimed)
        said = registry.resolve(claimed).name
    else:
        wrong = next(v for v in values if v != claimed)
        said = claimed
    column = sql.removeprefix("r.")
    position = batch.raw_names.index(column)
    label = batch.layout.header[position]
    line = line_of(wh, batch, item, position, wrong)
    raise Refusal(
        FileRefused(
            item.input.display,
            f"line {line}, field {label!r}: {wrong!r} is not the {what} its name says ({said}); "
            "a file must hold the slice its name says",
            hint="check that the file is the one its name says (a mislabelled download would "
            "replace another slice's rows); rename it to what it holds",
        )
    )


def line_of(wh: Warehouse, batch: Batch, item: Prepared, position: int, value: str) -> int | str:
    """The first line of ``item`` whose field number ``position`` is ``value`` ("?" if none)."""
    if batch.careful:
        column = quote(batch.raw_names[position])
        found = wh.scalar(
            f"SELECT min(_line) FROM {batch.clean_scan()} WHERE {column} = ?", [value]
        )
        return int(found) if found is not None else "?"
    lines = first_line_with(
        item.input.path,
        position,
        {value},
        delimiter=item.source.delimiter,
        encoding=item.source.encoding,
        header_rows=batch.header_rows,
    )
    return lines.get(value, "?")


def write_ledger(
    wh: Warehouse,
    batch: Batch,
    stats: Stats,
    seconds: float,
    *,
    allow_shrink: bool = False,
    run_slices: dict[str, str] | None = None,
) -> list[FileResult]:
    """Record every file of the batch, replacing the slices they supersede.

    A file for a single force's slice that another file of the same run loaded is refused as
    ambiguous; a file that would replace a slice an earlier run loaded with fewer loaded rows
    is refused unless ``allow_shrink``.
    """
    earlier = dict(run_slices or {})
    total = sum(p.size for p in batch.files) or 1
    now = datetime.now(UTC)
    keys = {fid: slice_key(item.source, *stats[fid][2:]) for fid, item in batch.items()}
    holders: dict[str, list[tuple[int, str]]] = {}
    loaded_rows: dict[int, tuple[str, int]] = {}
    for fid, raw_table, key, path, rows in wh.rows(
        "SELECT file_id, raw_table, slice_key, path, rows_loaded FROM meta_load_ledger "
        "WHERE status = 'loaded' AND slice_key IN (SELECT unnest(?::VARCHAR[])) ORDER BY file_id",
        [sorted(set(keys.values()))],
    ):
        holders.setdefault(key, []).append((int(fid), raw_table))
        loaded_rows[int(fid)] = (str(path), int(rows))
    results: list[FileResult] = []
    pending: dict[int, dict[str, object]] = {}
    for fid, item in batch.items():
        n, q, periods, codes = stats[fid]
        structural = batch.structural.get(fid, 0)
        read, quarantined = n + structural, q + structural
        if read == 0:
            raise Refusal(
                FileRefused(
                    item.input.display,
                    "has a header but no data rows",
                    hint="download the file again",
                )
            )
        single_force = not keys[fid].endswith("|*")
        in_run = keys[fid] in earlier
        if in_run and single_force:
            raise Refusal(
                FileRefused(
                    item.input.display,
                    f"holds the same slice ({keys[fid]}) as {earlier[keys[fid]]}, given in the "
                    "same run: which of the two is right is ambiguous",
                    hint="ingest only the one that is right (the other is refused as well if "
                    "their names say the same slice)",
                )
            )
        earlier[keys[fid]] = item.input.display
        old = holders.get(keys[fid], [])
        before = loaded_rows.get(old[-1][0]) if old else None
        # a shrink is checked against what earlier runs loaded: files of one run for one
        # multi-force slice (a publisher's file and its reshaped copy) replace in turn
        shrinks = before is not None and read - quarantined < before[1]
        if shrinks and before is not None and not in_run and not allow_shrink:
            raise Refusal(
                FileRefused(
                    item.input.display,
                    f"would replace file {old[-1][0]} ({before[0]}), {before[1]:,} rows loaded, "
                    f"with {read - quarantined:,} rows loaded ({read:,} read): a replacement "
                    "that loses rows",
                    hint="it may be a truncated or partial download; download it again. If the "
                    "publisher really removed rows, ingest it again with --allow-shrink",
                )
            )
        replaced = _replace(wh, old, fid, pending)
        # a later file of this batch for the same slice replaces this one in turn
        holders[keys[fid]] = [(fid, item.source.raw_table)]
        pending[fid] = {
            "file_id": fid,
            "path": item.input.display,
            "sha256": item.sha256,
            "bytes": item.size,
            "kind": item.source.kind,
            "layout": item.layout.name,
            "raw_table": item.source.raw_table,
            "period_type": item.source.period_type,
            "periods": periods,
            "forces": codes,
            "slice_key": keys[fid],
            "rows_read": read,
            "rows_loaded": read - quarantined,
            "rows_quarantined": quarantined,
            "seconds": seconds * item.size / total,
            "loaded_at": now,
            "status": "loaded",
            "replaces_file_id": replaced,
            "replaced_by_file_id": None,
            "openpeel_version": __version__,
        }
        results.append(
            FileResult(
                item.input.display,
                "loaded",
                item.source.kind,
                fid,
                read,
                read - quarantined,
                quarantined,
                f"replaced file {replaced}" if replaced else "",
                slice_key=keys[fid],
            )
        )
    wh.insert_rows("meta_load_ledger", list(pending.values()))
    return results


def _replace(
    wh: Warehouse, old: list[tuple[int, str]], new_id: int, pending: dict[int, dict[str, object]]
) -> int | None:
    """Remove the rows of earlier files for the same slice; return the latest one's id.

    ``pending`` holds the ledger rows of this batch not yet written (a file of the same batch
    can be replaced by a later one).
    """
    for old_id, raw_table in old:
        wh.execute(f"DELETE FROM {quote(raw_table)} WHERE file_id = ?", [old_id])
        wh.execute("DELETE FROM meta_quarantine WHERE file_id = ?", [old_id])
        if old_id in pending:
            pending[old_id]["status"] = "replaced"
            pending[old_id]["replaced_by_file_id"] = new_id
        else:
            wh.execute(
                "UPDATE meta_load_ledger SET status = 'replaced', "
                "replaced_by_file_id = ? WHERE file_id = ?",
                [new_id, old_id],
            )
    return old[-1][0] if old else None


def slice_key(source: Source, periods: list[str], codes: list[str]) -> str:
    """What a file covers: a later file with the same key replaces it."""
    span = (
        ",".join(periods)
        if len(periods) <= 3
        else (f"{periods[0]}..{periods[-1]} ({len(periods)})")
    )
    who = "*" if source.multi_force or not codes else ",".join(codes)
    return f"{source.kind}|{span}|{who}"


def record_refusal(wh: Warehouse, refused: FileRefused, sha256: str | None) -> None:
    wh.insert_rows(
        "meta_refused_file",
        [
            {
                "path": refused.path,
                "sha256": sha256,
                "problem": refused.problem,
                "hint": refused.hint,
                "refused_at": datetime.now(UTC),
            }
        ],
    )
