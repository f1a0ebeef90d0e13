"""PDF rendering shares no state between renders: two reports rendered at once in threads (as
the web serves them) are byte for byte the reports rendered alone, and a render leaves the
process environment as it found it."""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fontTools.misc.timeTools import timestampSinceEpoch  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from pypdf import PdfReader

from openpeel.assess.bulk import load_yaml
from openpeel.assess.store import Store
from openpeel.publishing import workflow
from openpeel.publishing.render import render
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse
from tests.publishing.conftest import BUILT

Context = dict[str, Any]


@pytest.fixture(scope="module")
def contexts(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Context]:
    """Hampshire's 2016 report and the 2016 national overview, drafted at BUILT."""
    folder = tmp_path_factory.mktemp("render")
    store = Store(f"sqlite:///{folder / 'assessments.sqlite'}")
    try:
        with Warehouse(built_home, read_only=True) as wh, store.session() as s:
            load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
            workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
            workflow.draft_national(s, wh, 2016, "tester", BUILT)
            return {
                "report": workflow.find(s, "hampshire-2016").context["report"],
                "overview": workflow.find(s, "national-2016").context["overview"],
            }
    finally:
        store.close()


def _whole_font_sum(font: bytes) -> int:
    padded = font + bytes(-len(font) % 4)
    words = (int.from_bytes(padded[i : i + 4], "big") for i in range(0, len(padded), 4))
    return sum(words) % 2**32


def _font_times(pdf: bytes) -> set[int]:
    """The ``head`` modified time of every font embedded in a PDF (fontTools' epoch), each
    font's table checksums and checksum adjustment checked on the way."""
    times: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        fonts = resources.get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            for key in ("/FontFile2", "/FontFile3"):
                if key in descriptor:
                    data = descriptor[key].get_object().get_data()
                    # checkChecksums=2 makes fontTools raise on a table whose checksum is wrong
                    times.add(TTFont(io.BytesIO(data), checkChecksums=2)["head"].modified)
                    # the OpenType rule: a whole font, adjustment included, sums to 0xB1B0AFBA
                    assert _whole_font_sum(data) == 0xB1B0AFBA
    return times


def test_concurrent_renders_are_each_byte_identical_to_a_render_alone(
    contexts: dict[str, Context],
) -> None:
    alone = {name: render(context, "pdf") for name, context in contexts.items()}
    assert alone["report"] != alone["overview"]
    # at least a second later, so a wall-clock time in the output would show
    time.sleep(1.1)
    jobs = [name for name in contexts for _ in range(2)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        together = list(pool.map(lambda name: render(contexts[name], "pdf"), jobs))
    for name, pdf in zip(jobs, together, strict=True):
        assert pdf == alone[name], name
    # the fonts are dated at the context's build time, not when they were embedded
    built = timestampSinceEpoch(
        int(datetime.fromisoformat(contexts["report"]["built_at"]).timestamp())
    )
    assert _font_times(alone["report"]) == {built}


def test_a_render_leaves_the_environment_untouched(contexts: dict[str, Context]) -> None:
    before = dict(os.environ)
    seen: list[dict[str, str]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        rendering = pool.submit(render, contexts["report"], "pdf")
        # watch the environment while the other thread renders
        while not rendering.done():
            now = dict(os.environ)
            if now != before:
                seen.append(now)
            time.sleep(0.001)
        assert rendering.result().startswith(b"%PDF-")
    changed = {key for now in seen for key in now.keys() ^ before.keys()} | {
        key for now in seen for key in now.keys() & before.keys() if now[key] != before[key]
    }
    assert changed == set()
    assert dict(os.environ) == before
