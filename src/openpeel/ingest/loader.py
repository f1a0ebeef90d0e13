"""Load recognised files into the warehouse: atomic per file, idempotent, loss-free.

Files of a batchable kind (the monthly archive files) are read together in one DuckDB scan and
committed together; if anything in a batch fails, its files are loaded one by one so that each
file gets its own verdict. Every file either loads whole, with each of its rows either in the
raw table (and, if valid, the core view) or in the quarantine, or is refused with nothing stored.

A file the bulk reader cannot account for line by line (see ``openpeel.ingest.guard``: a NUL
byte, an overlong or empty line, a read error, fewer rows than data lines, too many rows to
quarantine) is rolled back and read carefully, line by line, on its own. Before the commit, a
file is refused if its rows disagree with its data.police.uk name, if another file of the run
holds its single-force slice, or if it would replace a slice with fewer rows (unless allowed).
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
from openpeel.ingest.batch import (
    Batch,
    FileResult,
    FileScan,
    NeedsCare,
    Prepared,
    Refusal,
    Stages,
)
from openpeel.ingest.bookkeeping import (
    check_names,
    file_stats,
    quarantine,
    record_refusal,
    scan_files,
    write_ledger,
)
from openpeel.ingest.codes import check_codes
from openpeel.ingest.discover import InputFile
from openpeel.ingest.guard import MAX_LINE_BYTES, careful_read
from openpeel.reference import forces
from openpeel.settings import setting
from openpeel.sources.base import POLICEUK_NAME, Source
from openpeel.warehouse.catalog import RAW_LEAD, RAW_TAIL
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.ddl import literal, quote
from openpeel.warehouse.validation import reason_sql

log = logging.getLogger("openpeel.ingest")

#: a batch of archive files holds at most this many bytes (as stored) or files
BATCH_BYTES = 256 * 1024 * 1024
BATCH_FILES = 400

ProgressFn = Callable[[int], None]


def name_claims(source: Source, item: InputFile) -> tuple[str | None, str | None]:
    """The force code and month a data.police.uk archive name claims for the file's rows
    (None where the name is not in that form, or names no force OpenPEEL knows); a name that
    claims another kind than the file's header is refused."""
    match = POLICEUK_NAME.match(item.name)
    if match is None:
        return None, None
    kind = "policeuk_" + match["kind"].replace("-and-", "_")
    if kind != source.kind:
        raise FileRefused(
            item.display,
            f"its name says {match['kind']} but line 1, its header, is that of {source.title}",
            hint="check that the file is the kind its name says; rename it if the name is wrong",
        )
    if source.name_gives_force:
        return None, None
    try:
        force = forces().resolve(match["slug"], where=f"the file name {item.name}")
    except UnknownCodeError:
        return None, match["month"]
    return force.code, match["month"]


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
    def __init__(
        self,
        warehouse: Warehouse,
        workdir: Path,
        *,
        allow_shrink: bool = False,
        stages: Stages | None = None,
    ) -> None:
        self.wh = warehouse
        self.workdir = workdir
        self.allow_shrink = allow_shrink
        #: slice key -> the file of this run that loaded it (two files for one slice in one
        #: run are ambiguous)
        self.run_slices: dict[str, str] = {}
        self._careful_count = 0
        #: the time each stage of the loads took
        self.stages = stages or Stages()

    # -- public -----------------------------------------------------------------------------

    def load(
        self, files: Sequence[Prepared], progress: ProgressFn | None = None
    ) -> list[FileResult]:
        """Load files of one kind and layout; returns one result per file, in order."""
        results: list[FileResult] = []
        for batch in self._batches(files):
            results.extend(self._load_files(batch))
            if progress:
                progress(sum(p.size for p in batch))
        return results

    def _load_files(self, files: list[Prepared]) -> list[FileResult]:
        """Load a batch; if it fails, its files one by one, so each gets its own verdict; a file
        the bulk reader cannot account for line by line is read carefully."""
        if len(files) == 1 and not files[0].plain:
            return [self._careful(files[0])]
        try:
            return self._load_batch(files)
        except Refusal as exc:
            if len(files) == 1:
                return [self._refused(files[0], exc.refused)]
            log.info("batch of %d failed (%s); loading its files one by one", len(files), exc)
        except NeedsCare as exc:
            if len(files) == 1:
                log.info("%s: %s; reading it line by line", files[0].input.display, exc)
                return [self._careful(files[0])]
            log.info("batch of %d needs care (%s); loading its files one by one", len(files), exc)
        results: list[FileResult] = []
        for one in files:
            results.extend(self._load_files([one]))
        return results

    def _careful(self, item: Prepared) -> FileResult:
        try:
            (result,) = self._load_batch([item], careful=True)
        except Refusal as exc:
            return self._refused(item, exc.refused)
        return result

    # -- batching -----------------------------------------------------------------------------

    @staticmethod
    def _batches(files: Sequence[Prepared]) -> list[list[Prepared]]:
        batches: list[list[Prepared]] = []
        current: list[Prepared] = []
        size = 0
        for item in files:
            alone = not item.source.batchable or not item.plain
            fits = (
                not alone
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
            if alone:
                batches.append(current)
                current, size = [], 0
        if current:
            batches.append(current)
        return batches

    # -- one batch, one transaction -------------------------------------------------------------

    def _load_batch(self, files: list[Prepared], *, careful: bool = False) -> list[FileResult]:
        start = time.perf_counter()
        first_id = int(self.wh.scalar("SELECT coalesce(max(file_id), 0) FROM meta_load_ledger"))
        links = contextlib.ExitStack()
        table = self.wh.schema[files[0].source.raw_table]
        if careful:
            (item,) = files
            self._careful_count += 1
            clean = self.workdir / f"clean-{self._careful_count}.csv"
            rejects = self.workdir / f"rejects-{self._careful_count}.csv"
            links.callback(clean.unlink, missing_ok=True)
            links.callback(rejects.unlink, missing_ok=True)
            batch = Batch(files, first_id + 1, table, scan_paths=[str(clean)], careful=True)
            try:
                with self.stages.timing("careful read"):
                    read = careful_read(
                        item.input.path,
                        item.input.display,
                        new_line=item.facts.new_line,
                        encoding=item.source.encoding,
                        delimiter=item.source.delimiter,
                        header=item.layout.header,
                        header_rows=batch.header_rows,
                        clean=clean,
                        rejects=rejects,
                        keep_cut=self.allow_shrink,
                    )
            except FileRefused as exc:
                links.close()
                raise Refusal(exc) from exc
            batch.structural[batch.first_id] = read.quarantined
        else:
            batch = Batch(files, first_id + 1, table, scan_paths=_scan_paths(files, links))
        con = self.wh.con
        timing = self.stages.timing
        con.execute("BEGIN")
        try:
            with timing("insert"):
                self._insert_raw(batch)
            fault_point("inserted")
            with timing("checks"):
                scans = scan_files(self.wh, batch)
                if careful:
                    self._insert_rejects(batch, rejects)
                else:
                    self._check_every_line_read(batch, scans)
                check_codes(self.wh, batch, scans)
                stats = file_stats(batch, scans)
                check_names(self.wh, batch, stats)
            with timing("quarantine"):
                quarantine(self.wh, batch)
            with timing("ledger"):
                results = write_ledger(
                    self.wh,
                    batch,
                    stats,
                    time.perf_counter() - start,
                    allow_shrink=self.allow_shrink,
                    run_slices=self.run_slices,
                )
            fault_point("before-commit")
            with timing("commit"):
                con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            self._drop_temp()
            links.close()
        for result in results:
            if result.slice_key is not None:
                self.run_slices.setdefault(result.slice_key, result.display)
        return results

    def _drop_temp(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.wh.con.unregister("_py_rows")

    def _insert_raw(self, batch: Batch) -> None:
        """Insert the published rows, with their quarantine reasons."""
        con = self.wh.con
        table, layout, raw_names = batch.table, batch.layout, batch.raw_names
        published = table.published_columns
        headers = dict(zip(raw_names, layout.header, strict=True))
        source = batch.source
        params: list[object] = []
        if source.reader is not None:
            (item,) = batch.files
            if item.size > READER_MAX_BYTES:
                raise Refusal(
                    FileRefused(
                        item.input.display,
                        f"is {item.size:,} bytes; files of this format are read whole, and at "
                        f"most {READER_MAX_BYTES:,} bytes are read",
                        hint="check that this is the published file",
                    )
                )
            try:
                rows = source.reader(item.input.path)
            except FileRefused as exc:
                raise Refusal(FileRefused(item.input.display, exc.problem, hint=exc.hint)) from exc
            columns = {name: [r[i] for r in rows] for i, name in enumerate(raw_names)}
            con.register("_py_rows", pa.table(columns))
            scan, file_id = "_py_rows t", str(batch.first_id)
        elif batch.careful:
            scan, file_id = batch.clean_scan(), str(batch.first_id)
        else:
            scan = self._read_csv_sql(batch) + " t"
            params = [batch.scan_paths]
            # the files are read in the order given, so a row's file is its file_index there
            # (a join on the file name instead costs a quarter of the load)
            file_id = f"CAST(t.file_index AS INTEGER) + {batch.first_id}"
        (lead,), (tail,) = RAW_LEAD, RAW_TAIL
        values = ", ".join(
            [f"{file_id} AS {quote(lead.name)}"]
            + [
                (f"t.{quote(c.name)}" if c.name in raw_names else "NULL") + f" AS {quote(c.name)}"
                for c in published
            ]
            + [f"{reason_sql(table, headers)} AS {quote(tail.name)}"]
        )
        sql = f"INSERT INTO {quote(table.name)} BY NAME SELECT {values} FROM {scan}"
        try:
            self.wh.execute(sql, params)
        except duckdb.Error as exc:
            if source.reader is None and not batch.careful:
                # the bulk reader met a line it cannot split: read the file(s) line by line
                raise NeedsCare(str(exc).splitlines()[0]) from exc
            raise Refusal(self._explain_read_error(batch, exc)) from exc
        if batch.careful:
            self.wh.execute(
                f"INSERT INTO meta_quarantine BY NAME SELECT {file_id} AS file_id, "
                f"t._line AS line, t._text AS raw_text, {reason_sql(table, headers)} AS reason "
                f"FROM {scan} WHERE reason IS NOT NULL"
            )

    def _insert_rejects(self, batch: Batch, rejects: Path) -> None:
        """The lines a careful read quarantined, from its rejects file."""
        self.wh.execute(
            f"INSERT INTO meta_quarantine BY NAME SELECT {batch.first_id} AS file_id, line, "
            "raw_text, reason "
            f"FROM read_csv({literal(str(rejects))}, columns = {{'line': 'BIGINT', "
            "'raw_text': 'VARCHAR', 'reason': 'VARCHAR'}, header = true, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', max_line_size = {8 * MAX_LINE_BYTES})"
        )

    @staticmethod
    def _check_every_line_read(batch: Batch, scans: dict[int, FileScan]) -> None:
        """The bulk reader gave one row per data line of each file, or the file is read line by
        line: a quoted field spanning lines, or a reader that skipped a line, shows here."""
        for fid, item in batch.items():
            if item.screen is None:
                continue
            lines = item.screen.lines - batch.header_rows
            if scans[fid].rows != lines:
                raise NeedsCare(
                    f"{item.input.display}: {scans[fid].rows} rows read from {lines} lines"
                )

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
            "strict_mode = true",
            "ignore_errors = false",
            f"max_line_size = {2 * MAX_LINE_BYTES}",
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


#: files of a format read whole by a Python reader (GeoJSON) are refused above this size
READER_MAX_BYTES = 256 * 1024 * 1024


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
