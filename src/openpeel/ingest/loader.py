"""Load recognised files into the warehouse: atomic per file, idempotent, loss-free.

Files of a batchable kind (the monthly archive files) are read together in one DuckDB scan and
committed together; if anything in a batch fails, its files are loaded one by one so that each
file gets its own verdict. Every file either loads whole, with each of its rows either in the
raw table (and, if valid, the core view) or in the quarantine, or is refused with nothing stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import duckdb
import pyarrow as pa

from openpeel import __version__
from openpeel.errors import FileRefused, UnknownCodeError
from openpeel.ingest.discover import InputFile
from openpeel.ingest.lines import first_line_with, locate
from openpeel.reference import forces, normalise
from openpeel.sources.base import POLICEUK_NAME, FileFacts, Layout, Source
from openpeel.warehouse.catalog import Table
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import literal, quote
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
        raise FileRefused(
            item.display, exc.message, hint="use the data.police.uk force slug"
        ) from exc
    return force.code, match["month"]


class Loader:
    def __init__(self, warehouse: Warehouse) -> None:
        self.wh = warehouse

    # -- public -----------------------------------------------------------------------------

    def load(
        self, files: Sequence[Prepared], progress: ProgressFn | None = None
    ) -> list[FileResult]:
        """Load files of one kind and layout; returns one result per file, in order."""
        results: list[FileResult] = []
        for batch in self._batches(files):
            try:
                results.extend(self._load_batch(batch))
            except _Refuse as exc:
                if len(batch) == 1:
                    results.append(self._refused(batch[0], exc.refused))
                else:
                    log.info(
                        "batch of %d failed (%s); loading its files one by one",
                        len(batch),
                        exc.refused.problem,
                    )
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
            fault_point("inserted")
            self._check_codes(batch, ids, table, layout)
            stats = self._file_stats(batch, ids, source, table)
            self._quarantine(batch, ids, table, layout, rejects)
            results = self._ledger(batch, ids, stats, rejects, time.perf_counter() - start)
            fault_point("before-commit")
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
        with contextlib.suppress(duckdb.Error):
            self.wh.con.unregister("_py_rows")

    def _insert_raw(
        self, batch: list[Prepared], ids: dict[int, int], table: Table, layout: Layout
    ) -> dict[int, list[tuple[int, str, str]]]:
        """Insert the published rows; return the structurally rejected lines per file id."""
        con = self.wh.con
        published = table.published_columns
        raw_names = layout.columns or tuple(c.name for c in published)
        headers = dict(zip(raw_names, layout.header, strict=True))
        con.execute("CREATE OR REPLACE TEMP TABLE _batch_files (file_id INTEGER, path VARCHAR)")
        con.executemany(
            "INSERT INTO _batch_files VALUES (?, ?)",
            [(ids[id(p)], str(p.input.path)) for p in batch],
        )
        target = ", ".join(quote(c.name) for c in table.columns)
        values = ", ".join(
            ["b.file_id"]
            + [f"t.{quote(c.name)}" if c.name in raw_names else "NULL" for c in published]
            + [reason_sql(table, headers)]
        )
        source = batch[0].source
        if source.reader is not None:
            (item,) = batch
            try:
                rows = source.reader(item.input.path)
            except FileRefused as exc:
                raise _Refuse(FileRefused(item.input.display, exc.problem, hint=exc.hint)) from exc
            columns = {name: [r[i] for r in rows] for i, name in enumerate(raw_names)}
            columns["filename"] = [str(item.input.path)] * len(rows)
            con.register("_py_rows", pa.table(columns))
            scan = "_py_rows"
        else:
            scan = self._read_csv_sql(batch, raw_names)
        sql = (
            f"INSERT INTO {quote(table.name)} ({target}) SELECT {values} FROM {scan} t "
            "JOIN _batch_files b ON b.path = t.filename"
        )
        try:
            self.wh.execute(
                sql, [[str(p.input.path) for p in batch]] if source.reader is None else []
            )
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
                    raise _Refuse(
                        FileRefused(
                            item.input.display,
                            f"line {line} is not valid {item.source.encoding} text",
                            hint="the file may be in another encoding; re-save it as UTF-8",
                        )
                    )
                reason = f"{str(kind).lower()}: {message}"
                found = rejects.setdefault(ids[id(item)], [])
                if found and found[-1][0] == int(line):
                    # DuckDB can report one bad line twice; keep one row, with both reasons
                    if reason not in found[-1][2]:
                        found[-1] = (found[-1][0], found[-1][1], f"{found[-1][2]}; {reason}")
                    continue
                found.append((int(line), str(csv_line), reason))
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

    def _check_codes(
        self, batch: list[Prepared], ids: dict[int, int], table: Table, layout: Layout
    ) -> None:
        """An unknown code (force spelling, crime type...) stops the load of its file."""
        raw_names = list(layout.columns or (c.name for c in table.published_columns))
        coded = [c for c in table.published_columns if c.code and c.name in raw_names]
        if not coded:
            return
        lists = ", ".join(f"list(DISTINCT r.{quote(c.name)})" for c in coded)
        # quarantined rows are accounted for already; only rows that load need known codes
        per_file = self.wh.rows(
            f"SELECT r.file_id, {lists} FROM {quote(table.name)} r "
            "WHERE r.file_id BETWEEN ? AND ? AND r.quarantine_reason IS NULL "
            "GROUP BY 1 ORDER BY 1",
            _id_range(batch, ids),
        )
        known = self._aliases()
        for file_id, *values in per_file:
            for col, seen in zip(coded, values, strict=True):
                assert col.code is not None
                aliases = known.get(col.code, {})
                markers = set(col.na) | set(col.suppressed)
                bad = sorted(
                    v
                    for v in seen
                    if v is not None
                    and v.strip()
                    and v not in markers
                    and normalise(v) not in aliases
                )
                if bad:
                    item = next(p for p in batch if ids[id(p)] == file_id)
                    raise _Refuse(
                        self._unknown_code(
                            item,
                            layout,
                            raw_names,
                            col.name,
                            col.code,
                            bad[0],
                            _known_names(col.code, aliases),
                        )
                    )

    def _aliases(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for code_table, alias, value in self.wh.rows("SELECT * FROM ref_code_alias"):
            out.setdefault(code_table, {})[alias] = value
        return out

    @staticmethod
    def _unknown_code(
        item: Prepared,
        layout: Layout,
        raw_names: list[str],
        column: str,
        code: str,
        value: str,
        known: set[str],
    ) -> FileRefused:
        label = layout.header[raw_names.index(column)]
        lines = first_line_with(
            item.input.path,
            raw_names.index(column),
            {value},
            delimiter=item.source.delimiter,
            header_rows=1 + len(layout.extra_header_rows),
        )
        where = f"line {lines.get(value, '?')}, field {label!r}"
        words = code.replace("_", " ")
        error = UnknownCodeError(words, value, known, where=where)
        return FileRefused(
            item.input.display,
            error.message,
            hint=f"if it is a genuine new {words}, add it to openpeel/reference/data (see the "
            "README there) and ingest again",
        )

    def _file_stats(
        self, batch: list[Prepared], ids: dict[int, int], source: Source, table: Table
    ) -> dict[int, tuple[int, int, list[str], list[str]]]:
        """file id -> (raw rows, quarantined raw rows, periods, force codes)."""
        period = source.period_sql or "NULL"
        force = source.force_sql or "NULL"
        rows = self.wh.rows(
            f"SELECT r.file_id, count(*), count(r.quarantine_reason), "
            f"list(DISTINCT {period}) FILTER (WHERE r.quarantine_reason IS NULL "
            f"AND {period} IS NOT NULL), "
            f"list(DISTINCT {force}) FILTER (WHERE r.quarantine_reason IS NULL "
            f"AND {force} IS NOT NULL) "
            f"FROM {quote(table.name)} r WHERE r.file_id BETWEEN ? AND ? GROUP BY 1",
            _id_range(batch, ids),
        )
        registry = forces()
        stats = {
            fid: (
                int(n),
                int(q),
                sorted(p or []),
                sorted({registry.resolve(spelling).code for spelling in f or []}),
            )
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

    def _quarantine(
        self,
        batch: list[Prepared],
        ids: dict[int, int],
        table: Table,
        layout: Layout,
        rejects: dict[int, list[tuple[int, str, str]]],
    ) -> None:
        published = table.published_columns
        raw_names = list(layout.columns or (c.name for c in published))
        cols = ", ".join(quote(n) for n in raw_names)
        bad_by_file: dict[int, list[tuple[object, ...]]] = {}
        for row in self.wh.rows(
            f"SELECT file_id, {cols}, quarantine_reason FROM {quote(table.name)} "
            "WHERE file_id BETWEEN ? AND ? AND quarantine_reason IS NOT NULL",
            _id_range(batch, ids),
        ):
            bad_by_file.setdefault(int(row[0]), []).append(tuple(row[1:]))
        rows: list[tuple[int, int | None, str | None, str]] = []
        for item in batch:
            fid = ids[id(item)]
            rows.extend((fid, line, text, reason) for line, text, reason in rejects.get(fid, []))
            bad = bad_by_file.get(fid)
            if not bad:
                continue
            wanted = [tuple(None if v is None else str(v) for v in r[:-1]) for r in bad]
            if not item.input.name.lower().endswith((".json", ".geojson")):
                where = locate(
                    item.input.path,
                    wanted,
                    delimiter=item.source.delimiter,
                    encoding=item.source.encoding,
                    header_rows=1 + len(layout.extra_header_rows),
                    skip_lines=frozenset(line for line, _, _ in rejects.get(fid, [])),
                )
            else:
                where = [(0, ",".join("" if v is None else v for v in w)) for w in wanted]
            for (line, text), row in zip(where, bad, strict=True):
                rows.append((fid, line or None, text or None, str(row[-1])))
        if rows:
            self.wh.con.executemany("INSERT INTO meta_quarantine VALUES (?, ?, ?, ?)", rows)

    def _ledger(
        self,
        batch: list[Prepared],
        ids: dict[int, int],
        stats: dict[int, tuple[int, int, list[str], list[str]]],
        rejects: dict[int, list[tuple[int, str, str]]],
        seconds: float,
    ) -> list[FileResult]:
        total = sum(p.size for p in batch) or 1
        now = datetime.now(UTC)
        keys = {ids[id(p)]: slice_key(p.source, *stats[ids[id(p)]][2:]) for p in batch}
        holders: dict[str, list[tuple[int, str]]] = {}
        for fid, raw_table, key in self.wh.rows(
            "SELECT file_id, raw_table, slice_key FROM meta_load_ledger WHERE status = 'loaded' "
            "AND slice_key IN (SELECT unnest(?::VARCHAR[])) ORDER BY file_id",
            [sorted(set(keys.values()))],
        ):
            holders.setdefault(key, []).append((int(fid), raw_table))
        results: list[FileResult] = []
        ledger_rows: list[list[object]] = []
        pending: dict[int, list[object]] = {}
        for item in batch:
            fid = ids[id(item)]
            n, q, periods, codes = stats[fid]
            structural = len({line for line, _, _ in rejects.get(fid, [])})
            read, quarantined = n + structural, q + structural
            if read == 0:
                raise _Refuse(
                    FileRefused(
                        item.input.display,
                        "has a header but no data rows",
                        hint="download the file again",
                    )
                )
            replaced = self._replace(holders.get(keys[fid], []), fid, pending)
            # a later file of this batch for the same slice replaces this one in turn
            holders[keys[fid]] = [(fid, item.source.raw_table)]
            ledger_rows.append(
                [
                    fid,
                    item.input.display,
                    item.sha256,
                    item.size,
                    item.source.kind,
                    item.layout.name,
                    item.source.raw_table,
                    item.source.period_type,
                    periods,
                    codes,
                    keys[fid],
                    read,
                    read - quarantined,
                    quarantined,
                    seconds * item.size / total,
                    now,
                    "loaded",
                    replaced,
                    None,
                    __version__,
                ]
            )
            pending[fid] = ledger_rows[-1]
            message = f"replaced file {replaced}" if replaced else ""
            results.append(
                FileResult(
                    item.input.display,
                    "loaded",
                    item.source.kind,
                    fid,
                    read,
                    read - quarantined,
                    quarantined,
                    message,
                )
            )
        self.wh.con.executemany(
            "INSERT INTO meta_load_ledger VALUES (" + ", ".join(["?"] * 20) + ")", ledger_rows
        )
        return results

    def _replace(
        self, old: list[tuple[int, str]], new_id: int, pending: dict[int, list[object]]
    ) -> int | None:
        """Remove the rows of earlier files for the same slice; return the latest one's id.

        ``pending`` holds the ledger rows of this batch not yet written (a file of the same
        batch can be replaced by a later one).
        """
        for old_id, raw_table in old:
            self.wh.execute(f"DELETE FROM {quote(raw_table)} WHERE file_id = ?", [old_id])
            self.wh.execute("DELETE FROM meta_quarantine WHERE file_id = ?", [old_id])
            if old_id in pending:
                pending[old_id][16] = "replaced"
                pending[old_id][18] = new_id
                continue
            self.wh.execute(
                "UPDATE meta_load_ledger SET status = 'replaced', replaced_by_file_id = ? "
                "WHERE file_id = ?",
                [new_id, old_id],
            )
        return old[-1][0] if old else None

    def _refused(self, item: Prepared, refused: FileRefused) -> FileResult:
        record_refusal(self.wh, refused, item.sha256)
        return FileResult(
            item.input.display,
            "refused",
            item.source.kind,
            message=refused.problem,
            hint=refused.hint,
        )


def _known_names(code: str, aliases: dict[str, str]) -> set[str]:
    """Names to suggest for an unknown value: force names, or the table's canonical values."""
    if code == "force":
        return {n for f in forces().all() for n in (f.name, f.short_name)}
    return set(aliases.values())


def fault_point(name: str) -> None:
    """Kill this process here if OPENPEEL_FAULT_KILL_AT names this point (for crash tests).

    The tests use it to kill a load at its worst moments, with a real SIGKILL, and check that
    the warehouse is left as it was.
    """
    if os.environ.get("OPENPEEL_FAULT_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _id_range(batch: list[Prepared], ids: dict[int, int]) -> list[int]:
    """The (contiguous) file ids of a batch, as [first, last] query parameters."""
    values = [ids[id(p)] for p in batch]
    return [min(values), max(values)]


def slice_key(source: Source, periods: list[str], codes: list[str]) -> str:
    """What a file covers: a later file with the same key replaces it."""
    if len(periods) <= 3:
        span = ",".join(periods)
    else:
        span = f"{periods[0]}..{periods[-1]} ({len(periods)})"
    who = "*" if source.multi_force or not codes else ",".join(codes)
    return f"{source.kind}|{span}|{who}"


def record_refusal(wh: Warehouse, refused: FileRefused, sha256: str | None) -> None:
    wh.execute(
        "INSERT INTO meta_refused_file VALUES (?, ?, ?, ?, ?)",
        [refused.path, sha256, refused.problem, refused.hint, datetime.now(UTC)],
    )
