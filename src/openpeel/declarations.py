"""Reading the declaration files (TOML) that ship inside the package."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

from openpeel.errors import OpenPeelError


def toml_documents(
    package: str, folder: str, error: type[OpenPeelError]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, document) for every ``*.toml`` in a package folder, in name order.

    ``where`` names the file for messages (``warehouse/schema/10_policeuk.toml``); a file that
    is not valid TOML raises ``error`` naming it.
    """
    root = resources.files(package) / folder
    prefix = package.removeprefix("openpeel.").replace(".", "/")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        where = f"{prefix}/{folder}/{entry.name}"
        try:
            yield where, tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{where}: {exc}") from exc
