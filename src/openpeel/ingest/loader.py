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
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from openpeel.errors import FileRefused, UnknownCodeError
from openpeel.ingest.batch import Batch, FileResult, Prepared, Refusal, Reject
from openpeel.ingest.bookkeeping import file_stats, quarantine, record_refusal, write_ledger
from openpeel.ingest.codes import check_codes
from openpeel.ingest.discover import InputFile
from openpeel.reference import forces
from openpeel.settings import setting
from openpeel.sources.base import POLICEUK_NAME, Source
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import literal, quote
from openpeel.warehouse.validation import reason_sql

log = logging.getLogger("openpeel.ingest")

#: a batch of archive files holds at most this many bytes (as stored) or files
BATCH_BYTES = 256 * 1024 * 1024
BATCH_FILES = 400

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
            except Refusal as exc:
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
                        except Refusal as single:
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

    def _load_batch(self, files: list[Prepared]) -> list[FileResult]:
        start = time.perf_counter()
        first_id = int(self.wh.scalar("SELECT coalesce(max(file_id), 0) FROM meta_load_ledger"))
        links = contextlib.ExitStack()
        batch = Batch(
            files,
            first_id + 1,
            self.wh.schema[files[0].source.raw_table],
            scan_paths=_scan_paths(files, links),
        )
        con = self.wh.con
        con.execute("BEGIN")
        try:
            self._insert_raw(batch)
            fault_point("inserted")
            check_codes(self.wh, batch)
            stats = file_stats(self.wh, batch)
            quarantine(self.wh, batch)
            results = write_ledger(self.wh, batch, stats, time.perf_counter() - start)
            fault_point("before-commit")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            self._drop_temp()
            links.close()
        return results

    def _drop_temp(self) -> None:
        for name in ("_rej_err", "_rej_scan"):
            self.wh.con.execute(f"DROP TABLE IF EXISTS {name}")
        with contextlib.suppress(duckdb.Error):
            self.wh.con.unregister("_py_rows")

    def _insert_raw(self, batch: Batch) -> None:
        """Insert the published rows, with their quarantine reasons; note the lines the CSV
        reader could not split into the declared columns in ``batch.rejects``."""
        con = self.wh.con
        table, layout, raw_names = batch.table, batch.layout, batch.raw_names
        published = table.published_columns
        headers = dict(zip(raw_names, layout.header, strict=True))
        target = ", ".join(quote(c.name) for c in table.columns)
        source = batch.source
        params: list[object] = []
        if source.reader is not None:
            (item,) = batch.files
            try:
                rows = source.reader(item.input.path)
            except FileRefused as exc:
                raise Refusal(FileRefused(item.input.display, exc.problem, hint=exc.hint)) from exc
            columns = {name: [r[i] for r in rows] for i, name in enumerate(raw_names)}
            con.register("_py_rows", pa.table(columns))
            scan, file_id = "_py_rows", str(batch.first_id)
        else:
            scan = self._read_csv_sql(batch)
            params = [batch.scan_paths]
            # the files are read in the order given, so a row's file is its file_index there
            # (a join on the file name instead costs a quarter of the load)
            file_id = f"CAST(t.file_index AS INTEGER) + {batch.first_id}"
        values = ", ".join(
            [file_id]
            + [f"t.{quote(c.name)}" if c.name in raw_names else "NULL" for c in published]
            + [reason_sql(table, headers)]
        )
        try:
            self.wh.execute(
                f"INSERT INTO {quote(table.name)} ({target}) SELECT {values} FROM {scan} t",
                params,
            )
        except duckdb.Error as exc:
            raise Refusal(self._explain_read_error(batch, exc)) from exc
        if source.reader is None:
            self._collect_rejects(batch)

    def _collect_rejects(self, batch: Batch) -> None:
        for path, line, csv_line, kind, message in self.wh.rows(
            "SELECT s.file_path, e.line, e.csv_line, e.error_type, e.error_message "
            "FROM _rej_err e JOIN _rej_scan s USING (scan_id, file_id) ORDER BY 1, 2"
        ):
            item = batch.by_path(path)
            if "UNICODE" in str(kind).upper() or "ENCODING" in str(kind).upper():
                raise Refusal(
                    FileRefused(
                        item.input.display,
                        f"line {line} is not valid {item.source.encoding} text",
                        hint="the file may be in another encoding; re-save it as UTF-8",
                    )
                )
            reason = f"{str(kind).lower()}: {message}"
            found: list[Reject] = batch.rejects.setdefault(batch.file_id(item), [])
            if found and found[-1][0] == int(line):
                # DuckDB can report one bad line twice; keep one row, with both reasons
                if reason not in found[-1][2]:
                    found[-1] = (found[-1][0], found[-1][1], f"{found[-1][2]}; {reason}")
                continue
            found.append((int(line), str(csv_line), reason))

    @staticmethod
    def _read_csv_sql(batch: Batch) -> str:
        first = batch.files[0]
        layout = first.layout
        columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in batch.raw_names) + "}"
        options = [
            f"columns = {columns}",
            "header = true",
            "auto_detect = false",
            f"delim = {literal(first.source.delimiter)}",
            "quote = '\"'",
            "escape = '\"'",
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
    def _explain_read_error(batch: Batch, exc: duckdb.Error) -> FileRefused:
        text = str(exc).splitlines()[0]
        culprit = next(
            (p for p, path in zip(batch.files, batch.scan_paths, strict=True) if path in str(exc)),
            batch.files[0],
        )
        hint = "the file may be truncated or corrupt; download it again"
        if "unicode" in text.lower() or "encoding" in text.lower():
            hint = "the file may be in another encoding; re-save it as UTF-8"
        return FileRefused(culprit.input.display, f"cannot be read: {text}", hint=hint)

    def _refused(self, item: Prepared, refused: FileRefused) -> FileResult:
        record_refusal(self.wh, refused, item.sha256)
        return FileResult(
            item.input.display,
            "refused",
            item.source.kind,
            message=refused.problem,
            hint=refused.hint,
        )


#: characters DuckDB's readers take as a glob pattern in a path
GLOB_CHARACTERS = frozenset("*?[]{}")


def _scan_paths(files: Sequence[Prepared], links: contextlib.ExitStack) -> list[str]:
    """The paths to give DuckDB, one per file, in order (a row's file is its place in this
    list). DuckDB expands glob characters in a path, so a file whose path has any is read
    through a symbolic link with a plain name, in a folder ``links`` removes."""
    paths: list[str] = []
    folder: Path | None = None
    for number, item in enumerate(files):
        path = str(item.input.path)
        if GLOB_CHARACTERS.intersection(path):
            if folder is None:
                folder = Path(links.enter_context(tempfile.TemporaryDirectory(prefix="scan-")))
            # keep the endings: DuckDB reads .gz files as gzip by their name
            link = folder / f"file-{number}{''.join(item.input.path.suffixes[-2:])}"
            link.symlink_to(item.input.path.resolve())
            path = str(link)
        paths.append(path)
    return paths


def fault_point(name: str) -> None:
    """Kill this process here if OPENPEEL_FAULT_KILL_AT names this point (for crash tests).

    The tests use it to kill a load at its worst moments, with a real SIGKILL, and check that
    the warehouse is left as it was.
    """
    if setting("fault_kill_at") == name:
        os.kill(os.getpid(), signal.SIGKILL)
