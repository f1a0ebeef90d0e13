"""Writing a publication's outputs: every output in every format, rendered from a frozen context.

Files appear only once the transaction that froze their context has committed: a draft is
rendered into a staging folder beside its place (``Staging``) and swapped in after the commit,
so a killed ``openpeel publish draft`` leaves no output of a context that was never stored
(its staging folder is removed by the next run). PDFs are rendered by worker processes that
die with the process that started them, however it ends (``_die_with_parent``).

The public export (``export_public``) is written the same way, whole, into a new folder that
replaces the old one in one step, and only a folder that an export wrote (``folders``).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.models import Publication
from openpeel.publishing import folders
from openpeel.publishing.render import FORMATS, render
from openpeel.publishing.versions import Version, public_version

log = logging.getLogger("openpeel.publishing")

#: the outputs of each kind of publication: name -> key of its context
OUTPUTS = {
    "force": {"report": "report", "summary": "summary", "press-release": "press_release"},
    # a force's retrospective edition: the same outputs, titled as such
    "retrospective": {"report": "report", "summary": "summary", "press-release": "press_release"},
    "national": {"overview": "overview"},
}
PUBLICATIONS_DIR = "publications"
_PR_SET_PDEATHSIG = 1


def publication_of(version: Version) -> Publication:
    return version if isinstance(version, Publication) else version.publication


@dataclass(frozen=True)
class Written:
    slug: str
    files: list[Path]


def _write_output(context: dict[str, Any], output: str, folder: Path) -> list[Path]:
    """One output (report, summary, ...) in every format; each file replaced whole."""
    files = []
    for fmt in FORMATS:
        path = folder / f"{output}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(render(context, fmt))
        tmp.replace(path)
        files.append(path)
    return files


def _outputs(version: Version, folder: Path) -> list[tuple[dict[str, Any], str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    kind = publication_of(version).kind
    return [(version.context[key], output, folder) for output, key in OUTPUTS[kind].items()]


def write_outputs(version: Version, folder: Path) -> Written:
    """Every output of a publication (or a correction) in every format, from its frozen
    context."""
    files = [p for o in _outputs(version, folder) for p in _write_output(*o)]
    return Written(publication_of(version).slug, files)


def _die_with_parent(parent: int) -> None:
    """In a worker: end when the process that started it ends, even by SIGKILL (Linux tells
    the worker at once; elsewhere a watch thread notices within a second)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="openpeel-parent-watch").start()


def write_many(
    versions: Iterable[tuple[Version, Path]],
    jobs: int,
    done: Callable[[Written], None] | None = None,
) -> list[Written]:
    """The outputs of many publications, rendered by ``jobs`` worker processes while
    ``versions`` (which may be building the next publication) goes on; ``done`` hears of each
    finished one. With ``jobs`` 1 everything is rendered here, in order."""
    written: list[Written] = []

    def finish(w: Written) -> None:
        written.append(w)
        if done is not None:
            done(w)

    if jobs <= 1:
        for version, folder in versions:
            finish(write_outputs(version, folder))
        return written
    # spawn, not fork: the parent holds DuckDB's and SQLAlchemy's threads and connections
    with ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        pending: list[tuple[str, list[Future[list[Path]]]]] = []

        def collect(wait: bool) -> None:  # finished publications, in the order they came
            while pending and (wait or all(f.done() for f in pending[0][1])):
                slug, futures = pending.pop(0)
                finish(Written(slug, [p for f in futures for p in f.result()]))

        for version, folder in versions:
            slug = publication_of(version).slug
            pending.append(
                (slug, [pool.submit(_write_output, *o) for o in _outputs(version, folder)])
            )
            collect(wait=False)
        collect(wait=True)
    return written


def private_folder(home: Path, version: Version) -> Path:
    """Where a publication's outputs are written for staff (never served to the public): the
    original in ``HOME/publications/SLUG``, correction N in ``SLUG.correction-N``."""
    slug = publication_of(version).slug
    name = slug if version.number == 0 else f"{slug}.correction-{version.number}"
    return home / PUBLICATIONS_DIR / name


@dataclass
class Staging:
    """Folders filled before a commit and swapped into place after it (``commit``), or
    removed if the transaction failed (``discard``)."""

    places: list[tuple[Path, Path]] = field(default_factory=list)

    def folder(self, target: Path) -> Path:
        staged = folders.stage(target)
        self.places.append((staged, target))
        return staged

    def commit(self) -> list[Path]:
        for staged, target in self.places:
            folders.swap_in(staged, target)
        done = [target for _, target in self.places]
        self.places.clear()
        return done

    def discard(self) -> None:
        for staged, _ in self.places:
            shutil.rmtree(staged, ignore_errors=True)
        self.places.clear()


def public(session: Session, now: datetime) -> list[tuple[Publication, Version]]:
    """Every publication the public can read at ``now``, with its newest published version."""
    out = []
    for pub in session.scalars(select(Publication).order_by(Publication.slug)):
        version = public_version(pub, now)
        if version is not None:
            out.append((pub, version))
    return out


def export_public(session: Session, out: Path, now: datetime) -> list[Written]:
    """Write what the public may read at ``now`` into a new folder and swap it in at ``out``.
    ``out`` must be missing, empty or an earlier export holding only the files it wrote
    (``folders.check_replaceable``); nothing else is ever deleted."""
    out = Path(os.path.abspath(out))
    ours = {
        f"{slug}/{output}.{fmt}"
        for slug, kind in session.execute(select(Publication.slug, Publication.kind))
        for output in OUTPUTS[kind]
        for fmt in FORMATS
    }
    folders.check_replaceable(out, ours.__contains__)
    staged = folders.stage(out)
    try:
        written = [write_outputs(v, staged / pub.slug) for pub, v in public(session, now)]
        folders.write_marker(staged, now)
        folders.check_replaceable(out, ours.__contains__)  # again: nothing came in meanwhile
        folders.swap_in(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [Written(w.slug, [out / f.relative_to(staged) for f in w.files]) for w in written]
