"""The shape of the code: modules of at most 500 lines, and layers that follow the data flow.

The layers are those of ``docs/architecture.md`` ("Layers"), lowest first; a module may import
its own layer and those below, never one above. What does not hold yet is listed here by name
with the reason, and the test fails when a listed exception no longer applies, so the lists only
shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "openpeel"
MAX_LINES = 500

#: the layers, lowest first: a top-level module or subpackage of ``openpeel`` per name
LAYERS: tuple[tuple[str, ...], ...] = (
    # the ground every layer stands on: errors, settings, the clock, the access rules
    (
        "__init__",
        "errors",
        "settings",
        "clock",
        "declarations",
        "numbers",
        "csvsafe",
        "faults",
        "private",
        "sample",
        "access",
    ),
    ("reference", "framework"),  # code tables and places; the PEEL framework editions
    ("sources", "warehouse", "ingest"),  # publisher formats, the warehouse, loading
    ("indicators",),
    ("assess", "forecast"),
    ("fetch",),  # download, then refresh: ingest, indicators and forecasts again
    ("presentation",),
    ("publishing",),
    ("demo", "web", "cli", "__main__"),
)

#: modules over MAX_LINES not split yet, and why
TOO_LONG: dict[str, str] = {}

#: imports from a lower layer into a higher one that remain, and why
UPWARD: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def _exists(module: str) -> bool:
    path = SRC.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or path.is_dir()


def _unit(module: str) -> str:
    """The layer unit of a module: ``openpeel.assess.models`` -> ``assess``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(module: str) -> int:
    unit = _unit(module)
    for n, names in enumerate(LAYERS):
        if unit in names:
            return n
    raise AssertionError(
        f"{module} is in no layer: add {unit!r} to LAYERS here and to docs/architecture.md"
    )


def _imports(path: Path) -> set[str]:
    """Every ``openpeel`` module imported, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("openpeel"))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and node.module
            and (node.module == "openpeel" or node.module.startswith("openpeel."))
        ):
            # from openpeel.indicators import comparison: the submodule where there is one
            found.update(
                f"{node.module}.{a.name}" if _exists(f"{node.module}.{a.name}") else node.module
                for a in node.names
            )
    return found


def test_no_module_is_over_500_lines_but_those_listed() -> None:
    lengths = {
        str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules().values()
    }
    long = {name for name, n in lengths.items() if n > MAX_LINES}
    assert long - set(TOO_LONG) == set(), "split these, or list them with the reason"
    fixed = {name for name in TOO_LONG if lengths.get(name, 0) <= MAX_LINES}
    assert fixed == set(), "no longer too long (or gone): take them off TOO_LONG"


def test_every_unit_is_in_one_layer() -> None:
    units = {_unit(m) for m in _modules()}
    declared = [u for names in LAYERS for u in names]
    assert len(declared) == len(set(declared))
    assert units == set(declared)


def test_no_lower_layer_imports_a_higher_one() -> None:
    upward = set()
    for module, path in _modules().items():
        for imported in _imports(path):
            if _layer(imported) > _layer(module):
                upward.add((module, imported))
    assert upward - set(UPWARD) == set(), "a lower layer imports a higher one"
    assert set(UPWARD) - upward == set(), "no longer imported upwards: take off UPWARD"


@pytest.mark.parametrize(
    ("module", "imported", "upward"),
    [
        ("openpeel.indicators.run", "openpeel.warehouse.db", False),
        ("openpeel.warehouse.db", "openpeel.indicators.run", True),
        ("openpeel.publishing.embargo", "openpeel.access", False),
        ("openpeel.access", "openpeel.publishing.embargo", True),
        ("openpeel.assess.models", "openpeel.assess.audit", False),
        ("openpeel", "openpeel.cli.app", True),
    ],
)
def test_the_layer_check_tells_up_from_down(module: str, imported: str, upward: bool) -> None:
    assert (_layer(imported) > _layer(module)) is upward


def test_the_layers_are_those_the_architecture_page_gives() -> None:
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    listed = [tuple(name.strip(" `") for name in row.split("|")[2].split(",")) for row in rows[1:]]
    assert tuple(listed) == LAYERS
