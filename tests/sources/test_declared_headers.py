"""Publishers' headers are declared once, in the warehouse schema (each raw column's
``header``); the sources take them from there. Where a header must exist a second time (a layout
the schema does not describe, a fixture file standing in for a publisher's), these tests fail
when the copies differ."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from openpeel import sources
from openpeel.sample import sample_path
from openpeel.sources import all_sources, identify
from openpeel.sources.base import is_gzip, published_header, sniff
from openpeel.warehouse.catalog import load_schema

SOURCES = sorted(all_sources().values(), key=lambda s: s.kind)
FIXTURES = Path(__file__).parent / "data"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.kind)
def test_every_source_reads_its_declared_header(source: object) -> None:
    from openpeel.sources.base import Source

    assert isinstance(source, Source)
    table = load_schema()[source.raw_table]
    declared = tuple(str(c.header) for c in table.published_columns)
    names = tuple(c.name for c in table.published_columns)
    assert published_header(source.raw_table) == declared
    matching = [layout for layout in source.layouts if layout.header == declared]
    assert matching, f"{source.kind}: no layout has the header {source.raw_table} declares"
    for layout in source.layouts:
        # every other layout maps each of its header cells to a declared raw column
        columns = layout.columns or names
        assert len(columns) == len(layout.header), (source.kind, layout.name)
        assert set(columns) <= set(names), (source.kind, layout.name)


def _string_tuples(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    """(line, values) of every tuple of string literals written in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and node.elts:
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
                found.append((node.lineno, tuple(str(v) for v in values)))
    return found


def test_no_source_module_writes_a_declared_header_out_again() -> None:
    declared = {published_header(s.raw_table): s.raw_table for s in SOURCES}
    copies = [
        f"{path.name}:{line} repeats the header of {declared[values]}"
        for path in sorted(Path(sources.__file__).parent.glob("*.py"))
        for line, values in _string_tuples(path)
        if values in declared
    ]
    assert copies == [], "use published_header(raw_table) instead"


def _data_files() -> list[Path]:
    files = [p for p in sorted(FIXTURES.iterdir()) if p.suffix not in {".ods", ".xlsx"}]
    files += [
        p
        for p in sorted(sample_path().rglob("*"))
        if p.is_file()
        and p.name not in {"README.md", "MANIFEST.csv"}
        and p.suffix not in {".json", ".geojson"}
    ]
    return files


@pytest.mark.parametrize("path", _data_files(), ids=lambda p: p.name)
def test_each_fixture_and_sample_file_has_a_declared_layout(path: Path) -> None:
    """Fixture and sample files copy a publisher's header: each must be one a source reads."""
    facts = sniff(path, path.name)
    assert facts.compressed == is_gzip(path)
    source, layout = identify(facts, path.name)
    assert facts.header == layout.header
    assert source.raw_table in load_schema().tables
