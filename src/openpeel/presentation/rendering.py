"""Charts rendered offline by vl-convert, and what the report and the web read from a chart's
spec: `chart_svg` and `spec_svg` draw SVG whose <title> and <desc> are the chart's title and
description (its text alternative), the same text for the same spec whenever it is drawn;
`spec_title` and `spec_table` give its title as a line of text and its data table;
`save_chart` writes SVG, PNG or self-contained HTML (the JavaScript inlined) with no network
access.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

from openpeel.errors import OpenPeelError

__all__ = ["chart_svg", "save_chart", "spec_svg", "spec_table", "spec_title"]


def _vl_version() -> str | None:
    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def _with_text_alternative(svg: str, spec: dict[str, Any]) -> str:
    """The SVG with the chart's title and description as its <title> and <desc> (read aloud)."""
    text = spec_title(spec)
    alt_text = (
        f"<title>{html.escape(str(text))}</title>"
        f"<desc>{html.escape(str(spec.get('description', '')))}</desc>"
    )
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[:start] + alt_text + svg[start:]


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """``chart`` rendered offline as SVG text, its title and description as <title> and <desc>."""
    return spec_svg(chart.to_dict())


_CLIP_ID = re.compile(r"\bclip(\d+)\b")


def _numbered_clips(svg: str) -> str:
    """The SVG with its clip-path ids numbered from 1 in order of appearance: the renderer
    numbers them across the process, so the same chart drawn twice would differ."""
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        return "clip" + numbers.setdefault(match.group(1), str(len(numbers) + 1))

    return _CLIP_ID.sub(renumber, svg)


def spec_svg(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec (``chart.to_dict()``) rendered offline as SVG with its text alternative,
    the same text for the same spec whenever it is drawn."""
    svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    return _with_text_alternative(_numbered_clips(svg), spec)


def spec_table(spec: dict[str, Any]) -> dict[str, Any] | None:
    """A chart's data table (caption, columns, rows, notes), or None if it has none."""
    table = (spec.get("usermeta") or {}).get("table")
    return dict(table) if table else None


def save_chart(chart: alt.TopLevelMixin, path: Path) -> Path:
    """Write ``chart`` as .svg, .png or self-contained .html (JavaScript inlined), offline."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(chart_svg(chart), encoding="utf-8")
        return path
    spec = chart.to_dict()
    version = _vl_version()
    if suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=2))
    elif suffix == ".html":
        html = vlc.vegalite_to_html(spec, vl_version=version, bundle=True)
        path.write_text(html, encoding="utf-8")
    else:
        raise OpenPeelError(f"cannot write a chart to {path.name}", hint="use .svg, .png or .html")
    return path


def spec_title(spec: dict[str, Any]) -> str:
    """A chart's title as one line of text."""
    title = spec.get("title", "")
    text = title.get("text", "") if isinstance(title, dict) else title
    return " ".join(text) if isinstance(text, list) else str(text)
