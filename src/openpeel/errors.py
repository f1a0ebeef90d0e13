"""Errors that tell the user what went wrong, where, and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class OpenPeelError(Exception):
    """Base class: a message for the user and, where there is one, a hint on how to fix it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UnknownCodeError(OpenPeelError):
    """A value that is not in a code table (a force spelling, a crime type, an outcome...)."""

    def __init__(
        self,
        table: str,
        value: str,
        known: Iterable[str],
        *,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.table = table
        self.value = value
        self.suggestions = closest(value, known)
        place = f" in {where}" if where else ""
        near = (
            "; closest known: " + ", ".join(repr(s) for s in self.suggestions)
            if self.suggestions
            else ""
        )
        super().__init__(f"unknown {table} {value!r}{place}{near}", hint=hint)


class FileRefused(OpenPeelError):
    """A whole file that cannot be loaded: nothing of it is stored."""

    def __init__(self, path: str | Path, problem: str, *, hint: str | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}", hint=hint)


def closest(value: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names nearest to ``value``, case-insensitively, best first."""
    by_folded: dict[str, str] = {}
    for name in known:
        by_folded.setdefault(name.casefold(), name)
    matches = difflib.get_close_matches(value.casefold(), list(by_folded), n=n, cutoff=0.5)
    return [by_folded[m] for m in matches]
