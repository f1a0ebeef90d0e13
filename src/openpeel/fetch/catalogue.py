"""The catalogue of the publishers' datasets (``catalogue.toml``), read into typed records."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from openpeel.errors import OpenPeelError, closest

Format = Literal["zip", "csv", "ods", "xlsx"]
Latest = Literal["api", "page"]
PeriodRule = Literal["archive_36_months", "release"]

_FORMATS = ("zip", "csv", "ods", "xlsx")
_LATEST = ("api", "page")
_RULES = ("archive_36_months", "release")
CATALOGUE = "catalogue.toml"


@dataclass(frozen=True)
class Dataset:
    """One publisher dataset: where its files are and how its newest release is found."""

    id: str
    title: str
    publisher: str
    licence: str
    format: Format
    latest: Latest
    period_rule: PeriodRule
    rate_limit: float
    kinds: tuple[str, ...]
    forecasts: tuple[str, ...]
    loads: bool = True
    url: str = ""
    latest_url: str = ""
    latest_field: str = ""
    page_url: str = ""
    link_pattern: str = ""
    member_pattern: str = ""

    def link_re(self) -> re.Pattern[str]:
        return re.compile(self.link_pattern)

    def member_re(self) -> re.Pattern[str]:
        return re.compile(self.member_pattern)


@cache
def catalogue() -> dict[str, Dataset]:
    """Every declared dataset, by id; a wrong declaration fails naming the field."""
    text = resources.files("openpeel.fetch").joinpath(CATALOGUE).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {key: _dataset(key, value) for key, value in data["datasets"].items()}


def dataset(name: str) -> Dataset:
    """A dataset by id, or an error naming the closest ones."""
    found = catalogue().get(name)
    if found is None:
        near = closest(name, catalogue())
        raise OpenPeelError(
            f"no dataset {name!r} in the fetch catalogue"
            + (f"; closest: {', '.join(near)}" if near else ""),
            hint=f"use one of {', '.join(catalogue())} (`openpeel fetch --list` describes them)",
        )
    return found


def _dataset(key: str, raw: dict[str, Any]) -> Dataset:
    where = f"openpeel/fetch/{CATALOGUE}, [datasets.{key}]"

    def choice(field: str, allowed: tuple[str, ...]) -> Any:
        value = raw.get(field)
        if value not in allowed:
            raise OpenPeelError(
                f"{where}: {field} = {value!r} is not one of {', '.join(allowed)}",
                hint="correct the catalogue",
            )
        return value

    try:
        ds = Dataset(
            id=key,
            title=str(raw["title"]),
            publisher=str(raw["publisher"]),
            licence=str(raw["licence"]),
            format=choice("format", _FORMATS),
            latest=choice("latest", _LATEST),
            period_rule=choice("period_rule", _RULES),
            rate_limit=float(raw["rate_limit"]),
            kinds=tuple(raw["kinds"]),
            forecasts=tuple(raw["forecasts"]),
            loads=bool(raw.get("loads", True)),
            url=str(raw.get("url", "")),
            latest_url=str(raw.get("latest_url", "")),
            latest_field=str(raw.get("latest_field", "")),
            page_url=str(raw.get("page_url", "")),
            link_pattern=str(raw.get("link_pattern", "")),
            member_pattern=str(raw.get("member_pattern", "")),
        )
    except KeyError as exc:
        raise OpenPeelError(f"{where}: {exc.args[0]} is missing", hint="add it") from exc
    needed = {"api": ("latest_url", "latest_field", "url"), "page": ("page_url", "link_pattern")}
    if ds.period_rule == "archive_36_months":
        needed = {**needed, ds.latest: (*needed[ds.latest], "member_pattern")}
    for field in needed[ds.latest]:
        if not getattr(ds, field):
            raise OpenPeelError(f"{where}: {field} is missing", hint="add it")
    return ds


def on_mirror(url: str, base_url: str | None) -> str:
    """``url`` with its scheme and host (and any path prefix) taken from ``base_url``."""
    if not base_url:
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))
