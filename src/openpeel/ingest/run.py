"""``openpeel ingest``: from paths to loaded files, with a result for every file."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from openpeel.errors import FileRefused
from openpeel.ingest.batch import FileResult, Prepared, Stages
from openpeel.ingest.bookkeeping import record_refusal
from openpeel.ingest.discover import InputFile, discover, sha256_of
from openpeel.ingest.guard import Screen, screen
from openpeel.ingest.loader import Loader, name_claims, name_facts
from openpeel.sources import identify
from openpeel.sources.base import FileFacts, sniff
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.ingest")

#: called with (bytes done, bytes in all, what is happening)
Progress = Callable[[int, int, str], None]


#: the work folders of ingest runs in HOME/tmp (removed at the start of the next run if a run
#: was killed; nothing else in the home is touched)
WORK_PREFIX = "ingest-"


def ingest(
    warehouse: Warehouse,
    paths: Iterable[Path],
    progress: Progress | None = None,
    *,
    allow_shrink: bool = False,
    stages: Stages | None = None,
) -> list[FileResult]:
    """Load every data file under ``paths``; one result per file.

    ``allow_shrink`` lets a file replace a slice with fewer rows, and a file cut short in its
    last line load (the line quarantined); both are refused otherwise. ``stages``, if given,
    gets the seconds each stage took (they are logged as well).
    """
    stages = stages if stages is not None else Stages()
    remove_stale_work(warehouse)
    limit = warehouse.scalar("SELECT current_setting('memory_limit')")
    warehouse.execute(f"SET memory_limit = '{DUCKDB_MEMORY_MB}MB'")
    try:
        return _ingest(warehouse, paths, progress, allow_shrink, stages)
    finally:
        warehouse.execute(f"SET memory_limit = '{limit}'")
        log.info("ingest stages: %s", stages)


#: DuckDB's share of an ingest's memory; beyond it, DuckDB spills to HOME's temporary folder
DUCKDB_MEMORY_MB = 512


def _ingest(
    warehouse: Warehouse,
    paths: Iterable[Path],
    progress: Progress | None,
    allow_shrink: bool,
    stages: Stages,
) -> list[FileResult]:
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=_tmp(warehouse)) as work:
        with stages.timing("find"):
            inputs, unreadable = discover(paths, Path(work))
        results: list[FileResult] = []
        for refused in unreadable:
            record_refusal(warehouse, refused, None)
            results.append(
                FileResult(refused.path, "refused", message=refused.problem, hint=refused.hint)
            )
        total = sum(_size(i) for i in inputs)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total, "loading")

        prepared: list[Prepared] = []
        seen: dict[str, str] = {}
        loaded = _loaded_hashes(warehouse)
        # hashing and sniffing read every byte; hashlib and file reads release the GIL
        with (
            stages.timing("examine"),
            ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool,
        ):
            examined = list(pool.map(_examine, inputs))
        for item, facts in zip(inputs, examined, strict=True):
            result, ready = _prepare(warehouse, item, facts, loaded, seen)
            if result is not None:
                results.append(result)
                advance(_size(item))
            if ready is not None:
                prepared.append(ready)
        prepared, ambiguous = _one_file_per_named_slice(prepared)
        for clash, refused in ambiguous:
            record_refusal(warehouse, refused, clash.sha256)
            results.append(
                FileResult(
                    clash.input.display,
                    "refused",
                    clash.source.kind,
                    message=refused.problem,
                    hint=refused.hint,
                )
            )
            advance(clash.size)
        groups: dict[tuple[str, str], list[Prepared]] = {}
        for p in prepared:
            groups.setdefault((p.source.kind, p.layout.name), []).append(p)
        loader = Loader(warehouse, Path(work), allow_shrink=allow_shrink, stages=stages)
        for group in groups.values():
            results.extend(loader.load(group, advance))
        return results


def _one_file_per_named_slice(
    prepared: list[Prepared],
) -> tuple[list[Prepared], list[tuple[Prepared, FileRefused]]]:
    """Files whose data.police.uk names say the same kind, force and month are all refused:
    which of them is right is ambiguous."""
    by_slice: dict[tuple[str, str, str], list[Prepared]] = {}
    for p in prepared:
        force = p.claimed_force or p.name_force
        month = p.claimed_month or p.name_month
        if force and month:
            by_slice.setdefault((p.source.kind, force, month), []).append(p)
    clashing = {id(p): group for group in by_slice.values() if len(group) > 1 for p in group}
    keep = [p for p in prepared if id(p) not in clashing]
    refused = []
    for p in prepared:
        if id(p) in clashing:
            others = ", ".join(o.input.display for o in clashing[id(p)] if o is not p)
            refused.append(
                (
                    p,
                    FileRefused(
                        p.input.display,
                        f"its name says the same slice (kind, force and month) as {others}, "
                        "given in the same run: which is right is ambiguous, so neither is loaded",
                        hint="ingest only the file that is right",
                    ),
                )
            )
    return keep, refused


#: what reading a file taught: its sha256 and size, its first rows and what one pass over
#: its lines found (or why not)
Examined = tuple[str, int, FileFacts | FileRefused, Screen | None] | FileRefused


def _examine(item: InputFile) -> Examined:
    try:
        facts = sniff(item.path, item.display)
    except FileRefused as refused:
        try:
            sha, size = sha256_of(item.path)
        except OSError as exc:
            return FileRefused(item.display, f"cannot be read: {exc}")
        return sha, size, refused, None
    try:
        seen = screen(item.path, item.display, facts.new_line)
    except FileRefused as refused:
        sha, size = sha256_of(item.path)
        return sha, size, refused, None
    except OSError as exc:
        return FileRefused(item.display, f"cannot be read: {exc}")
    return seen.sha256, seen.size, facts, seen


def remove_stale_work(warehouse: Warehouse) -> None:
    """Remove the work folders (extracted archive members, clean copies) of ingest runs that
    were killed. Only folders named ingest-* in HOME/tmp: the writer's own files
    (warehouse.next.duckdb, warehouse.next.json, warehouse.lock) sit in HOME and are not
    touched."""
    folder = warehouse.home / "tmp"
    if not folder.is_dir():
        return
    for stale in folder.glob(f"{WORK_PREFIX}*"):
        if stale.is_dir() and not stale.is_symlink():
            log.info("removing %s, left by an ingest that did not finish", stale)
            shutil.rmtree(stale, ignore_errors=True)


def _prepare(
    warehouse: Warehouse,
    item: InputFile,
    examined: Examined,
    loaded: dict[str, tuple[int, int | None]],
    seen: dict[str, str],
) -> tuple[FileResult | None, Prepared | None]:
    if isinstance(examined, FileRefused):
        record_refusal(warehouse, examined, None)
        return FileResult(item.display, "refused", message=examined.problem), None
    sha, size, facts, seen_lines = examined
    if sha in loaded:
        file_id, replaced_by = loaded[sha]
        since = f"; since replaced by file {replaced_by}" if replaced_by is not None else ""
        return FileResult(
            item.display,
            "unchanged",
            file_id=file_id,
            message=f"already loaded (file {file_id}, same sha256){since}",
        ), None
    if sha in seen:
        return FileResult(
            item.display, "unchanged", message=f"same content as {seen[sha]} in this run"
        ), None
    seen[sha] = item.display
    try:
        if isinstance(facts, FileRefused):
            raise facts
        source, layout = identify(facts, item.display)
        force, month = name_facts(source, item)
        claimed_force, claimed_month = name_claims(source, item)
    except FileRefused as refused:
        record_refusal(warehouse, refused, sha)
        return FileResult(item.display, "refused", message=refused.problem, hint=refused.hint), None
    if source.reader is not None:
        seen_lines = None  # read whole by its reader, not line by line
    return None, Prepared(
        item,
        sha,
        size,
        source,
        layout,
        facts,
        seen_lines,
        force,
        month,
        claimed_force,
        claimed_month,
    )


def _loaded_hashes(warehouse: Warehouse) -> dict[str, tuple[int, int | None]]:
    """sha256 -> (the latest file loaded with it, the file that replaced it, if any). A file
    loaded once is not loaded again, even after a newer file replaced it: giving the same
    folder twice changes nothing, and an older copy does not silently come back."""
    return {
        sha: (int(fid), None if by is None else int(by))
        for sha, fid, by in warehouse.rows(
            "SELECT sha256, arg_max(file_id, file_id), arg_max(replaced_by_file_id, file_id) "
            "FROM meta_load_ledger GROUP BY 1"
        )
    }


def _size(item: InputFile) -> int:
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _tmp(warehouse: Warehouse) -> Path:
    folder = warehouse.home / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
