"""Load recognised files into the warehouse: atomic per file, idempotent, loss-free.

Files of a batchable kind (the monthly archive files) are read together in one DuckDB scan and
committed together; if anything in a batch fails, its files are loaded one by one so that each
file gets its own verdict. Every file either loads whole, with each of its rows either in the
raw table (and, if valid, the core view) or in the quarantine, or is refused with nothing stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from openpeel import __version__
from openpeel.errors import FileRefused, UnknownCodeError
from openpeel.ingest.discover import InputFile
from openpeel.ingest.lines import first_line_with, locate
from openpeel.reference import forces
from openpeel.sources.base import POLICEUK_NAME, FileFacts, Layout, Source
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import literal, quote
from openpeel.warehouse.schema import Table
from openpeel.warehouse.validation import reason_sql

log = logging.getLogger("openpeel.ingest")

#: a batch of archive files holds at most this many bytes (as stored) or files
BATCH_BYTES = 256 * 1024 * 1024
BATCH_FILES = 400

Status = Literal["loaded", "unchanged", "refused"]


@dataclass
class FileResult:
    display: str
    status: Status
    kind: str | None = None
    file_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    hint: str | None = None


@dataclass
class Prepared:
    """A file that was recognised and is ready to load."""

    input: InputFile
    sha256: str
    size: int
    source: Source
    layout: Layout
    facts: FileFacts
    #: from a data.police.uk file name, for kinds whose rows have no force or month
    name_force: str | None = None
    name_month: str | None = None
    results: list[FileResult] = field(default_factory=list)


class _Refuse(Exception):
    def __init__(self, refused: FileRefused) -> None:
        super().__init__(str(refused))
        self.refused = refused


ProgressFn = Callable[[int], None]


def name_facts(source: Source, item: InputFile) -> tuple[str | None, str | None]:
    """Force code and month from a data.police.uk file name, for kinds that need them."""
    if not source.name_gives_force:
        return None, None
    match = POLICEUK_NAME.match(item.name)
    if match is None:
        raise FileRefused(
            item.display,
            f"{source.title} files carry no force column, so the force must come from the file "
            "name, and this name is not in the archive form YYYY-MM-<force>-stop-and-search.csv",
            hint="rename the file as data.police.uk names it, e.g. "
            "2022-09-metropolitan-stop-and-search.csv",
        )
    try:
        force = forces().resolve(match["slug"], where=f"the file name {item.name}")
    except UnknownCodeError as exc:
        raise FileRefused(item.display, exc.message, hint="use the data.police.uk force slug") \
            from exc
    return force.code, match["month"]


class Loader:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    # -- public -----------------------------------------------------------------------------

    def load(self, files: Sequence[Prepared], progress: ProgressFn | None = None) -> list[
        FileResult
    ]:
        """Load files of one kind and layout; returns one result per file, in order."""
        results: list[FileResult] = []
        for batch in self._batches(files):
            try:
                results.extend(self._load_batch(batch))
            except _Refuse as exc:
                if len(batch) == 1:
                    results.append(self._refused(batch[0], exc.refused))
                else:
                    log.info("batch of %d failed (%s); loading its files one by one",
                             len(batch), exc.refused.problem)
                    for one in batch:
                        try:
                            results.extend(self._load_batch([one]))
                        except _Refuse as single:
                            results.append(self._refused(one, single.refused))
            if progress:
                progress(sum(p.size for p in batch))
        return results

    # -- batching -----------------------------------------------------------------------------

    @staticmethod
    def _batches(files: Sequence[Prepared]) -> list[list[Prepared]]:
        batches: list[list[Prepared]] = []
        current: list[Prepared] = []
        size = 0
        for item in files:
            fits = (
                item.source.batchable
                and current
                and current[0].facts.new_line == item.facts.new_line
                and size + item.size <= BATCH_BYTES
                and len(current) < BATCH_FILES
            )
            if not fits and current:
                batches.append(current)
                current, size = [], 0
            current.append(item)
            size += item.size
            if not item.source.batchable:
                batches.append(current)
                current, size = [], 0
        if current:
            batches.append(current)
        return batches

    # -- one batch, one transaction -------------------------------------------------------------

    def _load_batch(self, batch: list[Prepared]) -> list[FileResult]:
        start = time.perf_counter()
        source, layout = batch[0].source, batch[0].layout
        table = self.wh.schema[source.raw_table]
        con = self.wh.con
        first_id = int(self.wh.scalar("SELECT coalesce(max(file_id), 0) FROM meta_load_ledger"))
        ids = {id(p): first_id + i + 1 for i, p in enumerate(batch)}
        con.execute("BEGIN")
        try:
            rejects = self._insert_raw(batch, ids, table, layout)
            self._check_codes(batch, ids, table, layout)
            stats = self._file_stats(batch, ids, source, table)
            self._quarantine(batch, ids, table, layout, rejects)
            results = self._ledger(batch, ids, stats, rejects, time.perf_counter() - start)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            self._drop_temp()
        return results

    def _drop_temp(self) -> None:
        for name in ("_batch_files", "_rej_err", "_rej_scan"):
            self.wh.con.execute(f"DROP TABLE IF EXISTS {name}")
        try:
            self.wh.con.unregister("_py_rows")
        except duckdb.Error:
            pass

    def _insert_raw(self, batch: list[Prepared], ids: dict[int, int], table: Table,
                    layout: Layout) -> dict[int, list[tuple[int, str, str]]]:
        """Insert the published rows; return the structurally rejected lines per file id."""
        con = self.wh.con
        published = table.published_columns
        raw_names = layout.columns or tuple(c.name for c in published)
        headers = dict(zip(raw_names, layout.header, strict=True))
        con.execute("CREATE OR REPLACE TEMP TABLE _batch_files (file_id INTEGER, path VARCHAR)")
        con.executemany("INSERT INTO _batch_files VALUES (?, ?)",
                        [(ids[id(p)], str(p.input.path)) for p in batch])
        target = ", ".join(quote(c.name) for c in table.columns)
        values = ", ".join(
            ["b.file_id"]
            + [f"t.{quote(c.name)}" if c.name in raw_names else "NULL" for c in published]
            + [reason_sql(table, headers)]
        )
        source = batch[0].source
        if source.reader is not None:
            (item,) = batch
            rows = source.reader(item.input.path)
            columns = {name: [r[i] for r in rows] for i, name in enumerate(raw_names)}
            columns["filename"] = [str(item.input.path)] * len(rows)
            con.register("_py_rows", pa.table(columns))
            scan = "_py_rows"
        else:
            scan = self._read_csv_sql(batch, raw_names)
        sql = (f"INSERT INTO {quote(table.name)} ({target}) SELECT {values} FROM {scan} t "
               "JOIN _batch_files b ON b.path = t.filename")
        try:
            self.wh.execute(sql, [[str(p.input.path) for p in batch]] if source.reader is None else [])
        except duckdb.Error as exc:
            raise _Refuse(self._explain_read_error(batch, exc)) from exc
        rejects: dict[int, list[tuple[int, str, str]]] = {}
        if source.reader is None:
            for path, line, csv_line, kind, message in con.execute(
                "SELECT s.file_path, e.line, e.csv_line, e.error_type, e.error_message "
                "FROM _rej_err e JOIN _rej_scan s USING (scan_id, file_id) ORDER BY 1, 2"
            ).fetchall():
                item = next(p for p in batch if str(p.input.path) == path)
                if "UNICODE" in str(kind).upper() or "ENCODING" in str(kind).upper():
                    raise _Refuse(FileRefused(
                        item.input.display,
                        f"line {line} is not valid {item.source.encoding} text",
                        hint="the file may be in another encoding; re-save it as UTF-8",
                    ))
                reason = f"{str(kind).lower()}: {message}"
                rejects.setdefault(ids[id(item)], []).append((int(line), str(csv_line), reason))
        return rejects

    def _read_csv_sql(self, batch: list[Prepared], raw_names: Sequence[str]) -> str:
        first = batch[0]
        layout = first.layout
        columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in raw_names) + "}"
        options = [
            f"columns = {columns}",
            "header = true",
            "auto_detect = false",
            f"delim = {literal(first.source.delimiter)}",
            "quote = '\"'",
            "escape = '\"'",
            "filename = true",
            "store_rejects = true",
            "rejects_table = '_rej_err'",
            "rejects_scan = '_rej_scan'",
            "max_line_size = 10000000",
        ]
        if first.facts.new_line == "\r":
            options.append("new_line = '\\r'")
        if first.source.encoding != "utf-8":
            options.append(f"encoding = {literal(first.source.encoding)}")
        if layout.extra_header_rows:
            # the last heading row is taken as the header; the ones above it are skipped
            options.append(f"skip = {len(layout.extra_header_rows)}")
        return f"read_csv(?::VARCHAR[], {', '.join(options)})"

    @staticmethod
    def _explain_read_error(batch: list[Prepared], exc: duckdb.Error) -> FileRefused:
        text = str(exc).splitlines()[0]
        culprit = next((p for p in batch if str(p.input.path) in str(exc)), batch[0])
        hint = "the file may be truncated or corrupt; download it again"
        if "unicode" in text.lower() or "encoding" in text.lower():
            hint = "the file may be in another encoding; re-save it as UTF-8"
        return FileRefused(culprit.input.display, f"cannot be read: {text}", hint=hint)

    def _check_codes(self, batch: list[Prepared], ids: dict[int, int], table: Table,
                     layout: Layout) -> None:
        """An unknown code (force spelling, crime type...) stops the load of its file."""
        raw_names = list(layout.columns or (c.name for c in table.published_columns))
        id_list = ", ".join(str(ids[id(p)]) for p in batch)
        for col in table.published_columns:
            if col.code is None or col.name not in raw_names:
                continue
            ref = quote(col.name)
            unknown = self.wh.rows(
                f"SELECT r.file_id, r.{ref}, count(*) FROM {quote(table.name)} r "
                f"WHERE r.file_id IN ({id_list}) AND r.{ref} IS NOT NULL AND trim(r.{ref}) <> '' "
                f"AND norm_code(r.{ref}) NOT IN (SELECT alias FROM ref_code_alias "
                f"WHERE code_table = ?) GROUP BY ALL ORDER BY 1, 3 DESC",
                [col.code],
            )
            if not unknown:
                continue
            file_id, value, count = unknown[0]
            item = next(p for p in batch if ids[id(p)] == file_id)
            known = [a for (a,) in self.wh.rows(
                "SELECT DISTINCT value FROM ref_code_alias WHERE code_table = ?", [col.code])]
            label = layout.header[raw_names.index(col.name)]
            lines = first_line_with(item.input.path, raw_names.index(col.name), {value},
                                    delimiter=item.source.delimiter,
                                    header_rows=1 + len(layout.extra_header_rows))
            where = f"field {label!r}, line {lines.get(value, '?')} ({count} rows)"
            error = UnknownCodeError(col.code.replace("_", " "), value, known, where=where)
            raise _Refuse(FileRefused(
                item.input.display, error.message,
                hint=f"if it is a genuine new {col.code.replace('_', ' ')}, add it to "
                "openpeel/reference/data (see its README) and ingest again",
            ))

    def _file_stats(self, batch: list[Prepared], ids: dict[int, int], source: Source,
                    table: Table) -> dict[int, tuple[int, int, list[str], list[str]]]:
        """file id -> (raw rows, quarantined raw rows, periods, force codes)."""
        id_list = ", ".join(str(ids[id(p)]) for p in batch)
        period = source.period_sql or "NULL"
        force = source.force_sql or "NULL"
        rows = self.wh.rows(
            f"SELECT r.file_id, count(*), count(r.quarantine_reason), "
            f"list(DISTINCT {period}) FILTER (WHERE r.quarantine_reason IS NULL "
            f"AND {period} IS NOT NULL), "
            f"list(DISTINCT {force}) FILTER (WHERE r.quarantine_reason IS NULL "
            f"AND {force} IS NOT NULL) "
            f"FROM {quote(table.name)} r WHERE r.file_id IN ({id_list}) GROUP BY 1"
        )
        registry = forces()
        stats = {
            fid: (int(n), int(q), sorted(p or []),
                  sorted({registry.resolve(spelling).code for spelling in f or []}))
            for fid, n, q, p, f in rows
        }
        for item in batch:
            fid = ids[id(item)]
            n, q, periods, codes = stats.get(fid, (0, 0, [], []))
            if item.name_month:
                periods = [item.name_month]
            if item.name_force:
                codes = [item.name_force]
            stats[fid] = (n, q, periods, codes)
        return stats

    def _quarantine(self, batch: list[Prepared], ids: dict[int, int], table: Table,
                    layout: Layout, rejects: dict[int, list[tuple[int, str, str]]]) -> None:
        published = table.published_columns
        raw_names = list(layout.columns or (c.name for c in published))
        cols = ", ".join(quote(n) for n in raw_names)
        rows: list[tuple[int, int | None, str | None, str]] = []
        for item in batch:
            fid = ids[id(item)]
            for line, text, reason in rejects.get(fid, []):
                rows.append((fid, line, text, reason))
            bad = self.wh.rows(
                f"SELECT {cols}, quarantine_reason FROM {quote(table.name)} "
                f"WHERE file_id = ? AND quarantine_reason IS NOT NULL", [fid])
            if not bad:
                continue
            wanted = [tuple(r[:-1]) for r in bad]
            if item.source.reader is None:
                where = locate(item.input.path, wanted, delimiter=item.source.delimiter,
                               encoding=item.source.encoding,
                               header_rows=1 + len(layout.extra_header_rows),
                               skip_lines=frozenset(line for line, _, _ in rejects.get(fid, [])))
            else:
                where = [(0, ",".join("" if v is None else str(v) for v in w)) for w in wanted]
            for (line, text), row in zip(where, bad, strict=True):
                rows.append((fid, line or None, text or None, str(row[-1])))
        if rows:
            self.wh.con.executemany("INSERT INTO meta_quarantine VALUES (?, ?, ?, ?)", rows)

    def _ledger(self, batch: list[Prepared], ids: dict[int, int],
                stats: dict[int, tuple[int, int, list[str], list[str]]],
                rejects: dict[int, list[tuple[int, str, str]]],
                seconds: float) -> list[FileResult]:
        total = sum(p.size for p in batch) or 1
        now = datetime.now(UTC)
        results: list[FileResult] = []
        for item in batch:
            fid = ids[id(item)]
            n, q, periods, codes = stats[fid]
            structural = len({line for line, _, _ in rejects.get(fid, [])})
            read, quarantined = n + structural, q + structural
            if read == 0:
                raise _Refuse(FileRefused(item.input.display, "has a header but no data rows",
                                          hint="download the file again"))
            key = slice_key(item.source, periods, codes)
            replaced = self._replace_slice(item, key, fid)
            self.wh.execute(
                "INSERT INTO meta_load_ledger VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, 'loaded', ?, NULL, ?)",
                [fid, item.input.display, item.sha256, item.size, item.source.kind,
                 item.layout.name, item.source.raw_table, item.source.period_type, periods,
                 codes, key, read, read - quarantined, quarantined,
                 seconds * item.size / total, now, replaced, __version__],
            )
            message = f"replaced file {replaced}" if replaced else ""
            results.append(FileResult(item.input.display, "loaded", item.source.kind, fid, read,
                                      read - quarantined, quarantined, message))
        return results

    def _replace_slice(self, item: Prepared, key: str, new_id: int) -> int | None:
        """Remove the rows of an earlier file for the same slice; return its file id."""
        old = self.wh.rows(
            "SELECT file_id, raw_table FROM meta_load_ledger WHERE slice_key = ? "
            "AND status = 'loaded' AND file_id <> ? ORDER BY file_id", [key, new_id])
        for old_id, raw_table in old:
            self.wh.execute(f"DELETE FROM {quote(raw_table)} WHERE file_id = ?", [old_id])
            self.wh.execute("DELETE FROM meta_quarantine WHERE file_id = ?", [old_id])
            self.wh.execute(
                "UPDATE meta_load_ledger SET status = 'replaced', replaced_by_file_id = ? "
                "WHERE file_id = ?", [new_id, old_id])
        return int(old[-1][0]) if old else None

    def _refused(self, item: Prepared, refused: FileRefused) -> FileResult:
        record_refusal(self.wh, refused, item.sha256)
        return FileResult(item.input.display, "refused", item.source.kind,
                          message=refused.problem, hint=refused.hint)


def slice_key(source: Source, periods: list[str], codes: list[str]) -> str:
    """What a file covers: a later file with the same key replaces it."""
    if len(periods) <= 3:
        span = ",".join(periods)
    else:
        span = f"{periods[0]}..{periods[-1]} ({len(periods)})"
    who = "*" if source.multi_force or not codes else ",".join(codes)
    return f"{source.kind}|{span}|{who}"


def record_refusal(wh: Warehouse, refused: FileRefused, sha256: str | None) -> None:
    wh.execute("INSERT INTO meta_refused_file VALUES (?, ?, ?, ?, ?)",
               [refused.path, sha256, refused.problem, refused.hint, datetime.now(UTC)])

