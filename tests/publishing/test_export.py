"""`openpeel publish export` (issue 15, item 1): the export is written whole into a new folder
and swapped in; it replaces only a folder that an export wrote and that holds nothing else, and
deletes nothing else, ever. Pointed at the home, it refuses, and the home is as it was."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from openpeel.assess.store import Store
from openpeel.publishing.folders import MARKER, FolderError, clean_stale
from openpeel.publishing.outputs import export_public
from tests.publishing.conftest import RELEASE, Published
from tests.publishing.test_cli_publish import _openpeel
from tests.publishing.test_publish import _schedule


def _files(folder: Path) -> dict[str, bytes]:
    files = (p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def test_export_pointed_at_the_home_refuses_and_deletes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Store.open(home).close()  # the store and its audit key
    (home / "warehouse.duckdb").write_bytes(b"the warehouse")
    (home / "secret.key").write_text("a secret\n")
    before = _files(home)
    assert {"assessments.sqlite", "audit.key", "warehouse.duckdb", "secret.key"} <= set(before)
    for target in (home, tmp_path):
        run = _openpeel("publish", "export", "--to", str(target), "--home", str(home))
        assert run.returncode == 2, run.stdout
        assert "is not an OpenPEEL export" in run.stderr
        assert "deletes nothing else" in run.stderr
        assert _files(home) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # nothing left beside it


def test_export_replaces_only_its_own_folder_and_only_whole(
    published: Published, tmp_path: Path
) -> None:
    _schedule(published)
    where = tmp_path / "exports"  # (the store is in tmp_path)
    where.mkdir()
    out = where / "public"
    with published.store.session() as s:
        written = export_public(s, out, RELEASE)
    assert [w.slug for w in written] == ["hampshire-2016", "national-2016"]
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "OpenPEEL public export"
    assert set(marker["files"]) == set(_files(out)) - {MARKER}
    assert len(marker["files"]) == 16
    # a later export replaces it whole (here: before the release, so nothing is public)
    with published.store.session() as s:
        assert export_public(s, out, RELEASE - timedelta(days=1)) == []
    assert list(_files(out)) == [MARKER]
    assert sorted(p.name for p in where.iterdir()) == ["public"]  # no staging folder left
    with published.store.session() as s:
        export_public(s, out, RELEASE)
        # a file the export did not write: refused, and nothing is deleted
        (out / "hampshire-2016" / "notes.txt").write_text("mine")
        with pytest.raises(FolderError, match=r"hampshire-2016/notes.txt \(1 in all\)"):
            export_public(s, out, RELEASE)
        assert (out / "hampshire-2016" / "notes.txt").read_text() == "mine"
        assert (out / "hampshire-2016" / "report.pdf").exists()
        # a file, a link, a folder of something else: refused
        (where / "a-file").write_text("x")
        with pytest.raises(FolderError, match="is a file"):
            export_public(s, where / "a-file", RELEASE)
        (where / "link").symlink_to(out)
        with pytest.raises(FolderError, match="symbolic link"):
            export_public(s, where / "link", RELEASE)
        other = where / "other"
        other.mkdir()
        (other / "data.csv").write_text("a,b\n")
        with pytest.raises(FolderError, match="is not an OpenPEEL export"):
            export_public(s, other, RELEASE)
        assert (other / "data.csv").read_text() == "a,b\n"
        (where / "empty").mkdir()  # an empty folder is taken
        assert len(export_public(s, where / "empty", RELEASE - timedelta(days=1))) == 0
        # an export made before exports carried their marker (HOME/public of an older demo)
        (out / "hampshire-2016" / "notes.txt").unlink()
        (out / MARKER).unlink()
        assert len(export_public(s, out, RELEASE)) == 2
        assert (out / MARKER).is_file()


def test_folders_left_by_a_killed_export_are_removed_by_the_next(tmp_path: Path) -> None:
    dead = os.fork()
    if dead == 0:  # a process that ends at once: its number is then free
        os._exit(0)
    os.waitpid(dead, 0)
    left = tmp_path / f".public.new-{dead}-abc"
    left.mkdir()
    (left / "report.html").write_text("half")
    mine = tmp_path / f".public.new-{os.getpid()}-xyz"  # a live run's: kept
    mine.mkdir()
    (tmp_path / "unrelated").mkdir()
    assert clean_stale(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == [mine.name, "unrelated"]
