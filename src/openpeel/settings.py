"""Settings: one table of (name, environment variable, default, help).

Each setting can be given on the command line (where the command has the option), in the
environment, or left at its default. ``docs/settings.md`` is generated from this table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS = (
    Setting(
        "home",
        "OPENPEEL_HOME",
        "./openpeel-home",
        "Folder that holds the warehouse and all other state of OpenPEEL.",
    ),
    Setting(
        "sample",
        "OPENPEEL_SAMPLE",
        "",
        "Folder of the bundled sample to use instead of the one inside the package.",
    ),
)


def setting(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(name)


def default_home() -> Path:
    return Path(setting("home"))
