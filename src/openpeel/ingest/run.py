"""``openpeel ingest``: from paths to loaded files, with a result for every file."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from openpeel.errors import FileRefused
from openpeel.ingest.batch import FileResult, Prepared
from openpeel.ingest.bookkeeping import record_refusal
from openpeel.ingest.discover import InputFile, discover, sha256_of
from openpeel.ingest.loader import Loader, name_facts
from openpeel.sources import identify
from openpeel.sources.base import FileFacts, sniff
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.ingest")

#: called with (bytes done, bytes in all, what is happening)
Progress = Callable[[int, int, str], None]


def ingest(
    warehouse: Warehouse, paths: Iterable[Path], progress: Progress | None = None
) -> list[FileResult]:
    """Load every data file under ``paths``; one result per file."""
    with tempfile.TemporaryDirectory(prefix="ingest-", dir=_tmp(warehouse)) as work:
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
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            examined = list(pool.map(_examine, inputs))
        for item, facts in zip(inputs, examined, strict=True):
            result, ready = _prepare(warehouse, item, facts, loaded, seen)
            if result is not None:
                results.append(result)
                advance(_size(item))
            if ready is not None:
                prepared.append(ready)
        groups: dict[tuple[str, str], list[Prepared]] = {}
        for p in prepared:
            groups.setdefault((p.source.kind, p.layout.name), []).append(p)
        loader = Loader(warehouse)
        for group in groups.values():
            results.extend(loader.load(group, advance))
        return results


#: what reading a file taught: its sha256 and size, and its first rows (or why not)
Examined = tuple[str, int, FileFacts | FileRefused] | FileRefused


def _examine(item: InputFile) -> Examined:
    try:
        sha, size = sha256_of(item.path)
    except OSError as exc:
        return FileRefused(item.display, f"cannot be read: {exc}")
    try:
        return sha, size, sniff(item.path, item.display)
    except FileRefused as refused:
        return sha, size, refused


def _prepare(
    warehouse: Warehouse,
    item: InputFile,
    examined: Examined,
    loaded: dict[str, int],
    seen: dict[str, str],
) -> tuple[FileResult | None, Prepared | None]:
    if isinstance(examined, FileRefused):
        record_refusal(warehouse, examined, None)
        return FileResult(item.display, "refused", message=examined.problem), None
    sha, size, facts = examined
    if sha in loaded:
        return FileResult(
            item.display,
            "unchanged",
            file_id=loaded[sha],
            message=f"already loaded (file {loaded[sha]}, same sha256)",
        ), None
    if sha in seen:
        return FileResult(
            item.display, "unchanged", message=f"same content as {seen[sha]} in this run"
        ), None
    seen[sha] = item.display
    try:
        if isinstance(facts, FileRefused):
            raise facts
        source, layout = identify(facts, item.display, item.path)
        force, month = name_facts(source, item)
    except FileRefused as refused:
        record_refusal(warehouse, refused, sha)
        return FileResult(item.display, "refused", message=refused.problem, hint=refused.hint), None
    return None, Prepared(item, sha, size, source, layout, facts, force, month)


def _loaded_hashes(warehouse: Warehouse) -> dict[str, int]:
    return dict(
        warehouse.rows(
            "SELECT sha256, max(file_id) FROM meta_load_ledger WHERE status = 'loaded' GROUP BY 1"
        )
    )


def _size(item: InputFile) -> int:
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _tmp(warehouse: Warehouse) -> Path:
    folder = warehouse.home / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
