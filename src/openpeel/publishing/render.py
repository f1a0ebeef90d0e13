"""Render a frozen context as HTML (Jinja2), Markdown, JSON or PDF (WeasyPrint).

Rendering is a pure function of the context: the same context gives the same bytes. For the
PDF, the creation time is the context's build time and the document identifier its hash, and
the embedded fonts are dated at the build time too (not from the process-wide
``SOURCE_DATE_EPOCH``, so concurrent renders share no state), and a report rebuilt later from
its frozen context is byte-identical.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import jinja2

from openpeel.assess.audit import frozen_hash, frozen_json
from openpeel.clock import uk
from openpeel.errors import OpenPeelError
from openpeel.indicators.comparison import wording

FORMATS = ("html", "pdf", "md", "json")
#: how an embedded TrueType (two spellings) or OpenType font file begins
SFNT_TAGS = (b"\x00\x01\x00\x00", b"true", b"OTTO")
#: OpenType times count seconds from 1904-01-01 UTC, this many before the Unix epoch
FONT_EPOCH_OFFSET = 2_082_844_800
#: the template of each kind of context
TEMPLATES = {
    "report": "report",
    "summary": "summary",
    "press_release": "press_release",
    "national": "national",
}


#: in Markdown, text is kept text: no HTML tag or autolink (``<``) and no link (``[``, ``]``)
#: can come from a finding, a name or a note; a character already escaped is left alone, so a
#: macro's output (escaped inside it) is not escaped twice
_MARKDOWN_SPECIAL = re.compile(r"<|(?<!\\)[\[\]]")


def markdown_text(value: Any) -> str:
    """A value as Markdown that shows it as text: ``<`` as ``&lt;``, ``[`` and ``]`` escaped."""
    return _MARKDOWN_SPECIAL.sub(
        lambda m: "&lt;" if m.group() == "<" else "\\" + m.group(), str(value)
    )


def web_link(url: Any) -> str:
    """``url`` if it is an http(s) link, else "" (a report built before links were checked
    when stored shows no ``javascript:`` link)."""
    from openpeel.assess.service import checked_link

    try:
        return checked_link(str(url)) or "" if url else ""
    except OpenPeelError:
        return ""


@cache
def _environment(markdown: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openpeel.publishing", "templates"),
        autoescape=not markdown,  # noqa: S701  (Markdown: markdown_text escapes)
        finalize=markdown_text if markdown else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["link"] = web_link
    env.globals["csp"] = REPORT_CSP
    env.globals["wording"] = wording()  # the words of comparisons (indicators/wording.toml)
    env.filters["uk_date"] = _uk_date
    env.filters["label"] = lambda s: str(s).replace("_", " ")
    env.filters["anchor"] = lambda s: str(s).replace("/", "-")
    env.filters["b64"] = lambda s: base64.b64encode(str(s).encode()).decode()
    return env


#: the content-security policy of a report's HTML, in the file itself (a report exported to a
#: folder and served by any web server, or opened from disk, keeps it): nothing is loaded or
#: run; only the report's own inline styles and its charts as data: images
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)


def _uk_date(value: str | None) -> str:
    if not value:
        return "not set"
    if "T" in value:
        return uk(datetime.fromisoformat(value))
    d = datetime.fromisoformat(value)
    return f"{d.day} {d:%B %Y}"


def to_json(context: dict[str, Any]) -> bytes:
    return frozen_json(context)


def context_hash(context: dict[str, Any]) -> str:
    return frozen_hash(context)


def render(context: dict[str, Any], fmt: str) -> bytes:
    """One output of a context, as bytes."""
    if fmt == "json":
        return to_json(context)
    template = TEMPLATES.get(str(context.get("kind")))
    if template is None:
        raise OpenPeelError(f"no template for a context of kind {context.get('kind')!r}")
    if fmt == "md":
        return _environment(True).get_template(f"{template}.md.j2").render(c=context).encode()
    html = _environment(False).get_template(f"{template}.html.j2").render(c=context, pdf=False)
    if fmt == "html":
        return html.encode()
    if fmt == "pdf":
        printed = (
            _environment(False).get_template(f"{template}.html.j2").render(c=context, pdf=True)
        )
        return _pdf(printed, context)
    raise OpenPeelError(f"unknown format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")


def _font_dated(font: bytes, epoch: int) -> bytes:
    """An embedded font with its ``head`` modified time set to ``epoch`` (Unix seconds).

    fontTools stamps a subset font with the time it was saved, or ``SOURCE_DATE_EPOCH``; that
    variable is process-wide and the web renders PDFs from several threads, so the time is set
    here instead, font by font: the eight bytes in place, then the ``head`` checksum and the
    font's checksum adjustment (OpenType spec, "head" and "Table directory"), so the rest of
    the font is byte for byte as embedded."""
    data = bytearray(font)
    tables = int.from_bytes(data[4:6], "big")
    for record in range(12, 12 + 16 * tables, 16):
        if data[record : record + 4] == b"head":
            break
    else:
        return font
    offset, length = (int.from_bytes(data[record + i : record + i + 4], "big") for i in (8, 12))
    data[offset + 8 : offset + 12] = bytes(4)  # checkSumAdjustment, 0 while summing
    data[offset + 28 : offset + 36] = (epoch + FONT_EPOCH_OFFSET).to_bytes(8, "big", signed=True)
    data[record + 4 : record + 8] = _checksum(data[offset : offset + length]).to_bytes(4, "big")
    adjustment = (0xB1B0AFBA - _checksum(data)) % 2**32
    data[offset + 8 : offset + 12] = adjustment.to_bytes(4, "big")
    return bytes(data)


def _checksum(data: bytes | bytearray) -> int:
    """The OpenType checksum: the sum of big-endian 32-bit words, zero-padded, modulo 2^32."""
    padded = bytes(data) + bytes(-len(data) % 4)
    return sum(int.from_bytes(padded[i : i + 4], "big") for i in range(0, len(padded), 4)) % 2**32


def _date_fonts(epoch: int) -> Callable[[Any, Any], None]:
    """A WeasyPrint finisher that dates every embedded TrueType or OpenType font at ``epoch``."""
    import pydyf  # type: ignore[import-untyped]

    def finish(_document: Any, pdf: Any) -> None:
        for stream in pdf.objects:
            extra = getattr(stream, "extra", None)
            if not isinstance(stream, pydyf.Stream) or extra is None:
                continue
            if "Length1" not in extra and extra.get("Subtype") != "/OpenType":
                continue
            content = b"".join(bytes(part) for part in stream.stream)
            if content[:4] not in SFNT_TAGS:
                continue
            stream.stream = [_font_dated(content, epoch)]

    return finish


def _pdf(html: str, context: dict[str, Any]) -> bytes:
    """A tagged PDF (PDF/UA-1: language, headings, text alternatives of the charts)."""
    import weasyprint

    # WeasyPrint warns that it subsets fonts with fontTools where HarfBuzz-Subset is missing
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    built = datetime.fromisoformat(str(context["built_at"]))
    document = weasyprint.HTML(string=html)
    pdf: bytes = document.write_pdf(
        pdf_variant="pdf/ua-1",
        pdf_identifier=context_hash(context)[:32].encode(),
        finisher=_date_fonts(int(built.timestamp())),
    )
    return pdf
