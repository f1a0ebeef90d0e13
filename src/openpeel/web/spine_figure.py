"""A force's spine chart as one standalone SVG picture (and PNG from it), for download: the rows
the force page draws (``contexts/spine.py``), each with its indicator's name, under its
PEEL question, in the page's colours, with the key and the footnotes written under it."""

from __future__ import annotations

from html import escape
from textwrap import wrap
from typing import Any

from openpeel.web.contexts.spine import SPINE_WIDTH

#: the picture's geometry, in pixels
LABEL, BAR, ROW, HEADING, MARGIN = 430, 480, 24, 30, 16
#: an indicator's name is cut to this many characters, so that its value and markers fit
TITLE_CHARS = 44

#: the colour of the force's box by comparison (as openpeel.css colours the page's)
FILLS = {
    "op-c-better": "#00703c",
    "op-c-similar": "#ffdd00",
    "op-c-worse": "#d4351c",
    "op-c-higher": "#003078",
    "op-c-lower": "#5694ca",
    "op-c-none": "#ffffff",
}

KEY = (
    "Grey bar: lowest to highest of all the forces; darker: 25th to 75th percentile; black "
    "line: {centre}; box: the force, coloured by its comparison with {centre} (green better, "
    "yellow similar, red worse, dark blue higher, light blue lower). Better is to the right."
)


def _text(x: float, y: float, words: str, size: int = 13, weight: str = "normal") -> str:
    return (
        f'<text x="{x}" y="{y}" font-family="Arial, sans-serif" font-size="{size}" '
        f'font-weight="{weight}" fill="#0b0c0c">{escape(words)}</text>'
    )


def spine_svg(force_name: str, groups: list[dict[str, Any]]) -> str:
    """The spine chart of ``groups`` (the force page's ``spine``) as SVG text."""
    scale = BAR / SPINE_WIDTH
    parts: list[str] = []
    y = MARGIN + 20
    parts.append(_text(MARGIN, y, f"{force_name}: where the force stands", 18, "bold"))
    y += 14
    notes: list[str] = []
    for g in groups:
        y += HEADING
        parts.append(_text(MARGIN, y - 8, str(g["description"]), 14, "bold"))
        for r in g["rows"]:
            mark = ""
            if r.get("spread_footnote"):
                if r["spread_footnote"] not in notes:
                    notes.append(r["spread_footnote"])
                mark = "*" * (notes.index(r["spread_footnote"]) + 1)
            symbols = " ".join(m["symbol"] for m in r.get("marks", []))
            title = str(r["title"])
            title = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
            label = f"{title}{mark} ({r['texts']['value']}) {symbols}"
            parts.append(_text(MARGIN, y + 16, label, 12))
            geo = r.get("geometry")
            left = MARGIN + LABEL
            if geo:
                (rx, rw), (qx, qw) = geo["range"], geo["quartiles"]
                centre = left + geo["centre"] * scale
                parts.append(
                    f'<rect x="{left + rx * scale:.1f}" y="{y + 4}" width="{rw * scale:.1f}" '
                    f'height="14" fill="#dee0e2"/>'
                    f'<rect x="{left + qx * scale:.1f}" y="{y + 4}" width="{qw * scale:.1f}" '
                    f'height="14" fill="#b1b4b6"/>'
                    f'<line x1="{centre:.1f}" x2="{centre:.1f}" y1="{y}" y2="{y + 22}" '
                    f'stroke="#0b0c0c" stroke-width="2"/>'
                )
                if geo["value"] is not None:
                    parts.append(
                        f'<rect x="{left + geo["value"] * scale - 5:.1f}" y="{y + 3}" width="10" '
                        f'height="16" fill="{FILLS.get(r["css"], "#ffffff")}" stroke="#0b0c0c"/>'
                    )
            y += ROW
    y += 8
    centres = [
        r["geometry"]["centre_label"] for g in groups for r in g["rows"] if r.get("geometry")
    ]
    key = KEY.format(centre=centres[0] if centres else "England and Wales")
    lines = wrap(key, 150) + [
        w for n, t in enumerate(notes, 1) for w in wrap(f"{'*' * n} {t}", 150)
    ]
    for line in lines:
        y += 16
        parts.append(_text(MARGIN, y, line, 11))
    width, height = MARGIN * 2 + LABEL + BAR, y + MARGIN
    title = f"Spine chart of {force_name}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )
