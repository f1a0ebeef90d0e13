"""Comparison words live only in indicators/wording.toml: no code string and no template line
elsewhere in the package repeats one of its phrases (docstrings and comments may quote them)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import openpeel
from openpeel.indicators.comparison import wording

PACKAGE = Path(openpeel.__file__).parent
#: known repeats still to move into wording.toml, each with why it is still in code (a new one
#: fails the test; a listed one that disappears fails it too, so the list stays current)
KNOWN: set[str] = set()
#: a phrase is the fixed text of a wording between its {placeholders}, of at least this many words
MIN_WORDS = 3


def phrases() -> set[str]:
    found = set()
    for section in wording().values():
        for text in section.values():
            for part in re.split(r"\{[^}]*\}|[():;]", str(text)):
                part = part.strip(" ,.:;()").lower()
                if len(part.split()) >= MIN_WORDS:
                    found.add(part)
    return found


def code_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a module that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def template_lines(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(lines, 1) if not line.lstrip().startswith("{#")]


def other_toml_values(path: Path) -> list[tuple[int, str]]:
    """The string values of a declaration file (its comments left out), with no line."""
    out: list[tuple[int, str]] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append((0, value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return out


def test_the_wording_has_phrases_to_look_for() -> None:
    assert "above the range expected across forces" in phrases()
    assert "better than england and wales" in phrases()


def test_no_comparison_phrase_outside_the_wording_file() -> None:
    wanted = phrases()
    # templates are *.html.j2
    readers = {".py": code_strings, ".j2": template_lines, ".toml": other_toml_values}
    found: dict[str, int] = {}  # path and phrase -> the line it was seen on
    for path in sorted(PACKAGE.rglob("*")):
        read = readers.get(path.suffix)
        # every wording file (publishing has its own) is where words belong
        if read is None or path.name == "wording.toml" or "static" in path.parts:
            continue
        for line, text in read(path):
            lowered = " ".join(text.split()).lower()
            for phrase in sorted(wanted):
                if phrase in lowered:
                    found.setdefault(f"{path.relative_to(PACKAGE)}: {phrase!r}", line)
    assert set(found) == KNOWN, f"{found}: say it in indicators/wording.toml and read it there"
