"""Progress and summary for ``openpeel ingest``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from openpeel.cli.common import writer
from openpeel.cli.output import Format, emit, err, out, plain
from openpeel.ingest.batch import FileResult
from openpeel.ingest.run import ingest


def run_ingest(
    home: Path, paths: list[Path], wait: float = 0.0, *, allow_shrink: bool = False
) -> int:
    """Ingest with a progress bar (plain lines under CI or without a terminal); exit code.
    Readers see the files loaded when the whole run ends (``openpeel.warehouse.writing``)."""
    with writer(home, "openpeel ingest", wait) as wh:
        if plain():
            last = [-1]

            def report(done: int, total: int, what: str) -> None:  # noqa: ARG001  (the bar shows it)
                pct = int(100 * done / total) if total else 100
                if pct // 10 != last[0] // 10 or done == total:
                    last[0] = pct
                    err.print(f"ingest: {pct}% of {total / 1e6:,.1f} MB")

            results = ingest(wh, paths, report, allow_shrink=allow_shrink)
        else:
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("ingesting", total=None)

                def report(done: int, total: int, what: str) -> None:
                    bar.update(task, completed=done, total=total, description=what)

                results = ingest(wh, paths, report, allow_shrink=allow_shrink)
    summarise(results)
    return 1 if any(r.status == "refused" for r in results) else 0


def summarise(results: list[FileResult]) -> None:
    by_status = Counter(r.status for r in results)
    by_kind: dict[tuple[str, str], dict[str, int]] = {}
    for r in results:
        row = by_kind.setdefault(
            (r.kind or "?", r.status), {"files": 0, "read": 0, "loaded": 0, "quarantined": 0}
        )
        row["files"] += 1
        row["read"] += r.rows_read
        row["loaded"] += r.rows_loaded
        row["quarantined"] += r.rows_quarantined
    records = [
        {
            "kind": k,
            "status": s,
            "files": v["files"],
            "rows_read": v["read"],
            "rows_loaded": v["loaded"],
            "rows_quarantined": v["quarantined"],
        }
        for (k, s), v in sorted(by_kind.items())
    ]
    emit(records, Format.table, title="Ingest summary")
    for r in results:
        if r.status == "refused":
            err.print(f"refused: {r.display}: {r.message}")
            if r.hint:
                err.print(f"  hint: {r.hint}")
        elif r.message and r.status == "loaded":
            out.print(f"{r.display}: {r.message}")
    if by_status["unchanged"] and not by_status["loaded"] and not by_status["refused"]:
        out.print(f"Nothing new: all {by_status['unchanged']} files were already loaded.")
    else:
        out.print(", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) + ".")
