"""An unknown code (a force spelling, crime type, outcome...) stops the load of its file."""

from __future__ import annotations

from openpeel.errors import FileRefused, UnknownCodeError
from openpeel.ingest.batch import Batch, FileScan, Prepared, Refusal
from openpeel.ingest.bookkeeping import line_of
from openpeel.reference import forces, normalise
from openpeel.warehouse.db import Warehouse


def check_codes(wh: Warehouse, batch: Batch, scans: dict[int, FileScan]) -> None:
    """Refuse the first file of the batch that has a value missing from its code table.

    Quarantined rows are already accounted for (``scans`` has the values of the loaded rows
    only), and declared "not available" or suppressed markers are not codes, so neither is
    checked.
    """
    coded = [c for c in batch.table.published_columns if c.code and c.name in batch.raw_names]
    if not coded:
        return
    known = _aliases(wh)
    for file_id in sorted(scans):
        for col in coded:
            assert col.code is not None  # noqa: S101  (narrows the type: only coded columns)
            aliases = known.get(col.code, {})
            markers = set(col.na) | set(col.suppressed)
            bad = sorted(
                v
                for v in scans[file_id].codes.get(col.name, [])
                if v is not None and v.strip() and v not in markers and normalise(v) not in aliases
            )
            if bad:
                item = batch.item(file_id)
                refused = _unknown(wh, batch, item, col.name, col.code, bad[0], aliases)
                raise Refusal(refused)


def _aliases(wh: Warehouse) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for code_table, alias, value in wh.rows("SELECT * FROM ref_code_alias"):
        out.setdefault(code_table, {})[alias] = value
    return out


def _unknown(
    wh: Warehouse,
    batch: Batch,
    item: Prepared,
    column: str,
    code: str,
    value: str,
    aliases: dict[str, str],
) -> FileRefused:
    position = batch.raw_names.index(column)
    label = batch.layout.header[position]
    line = line_of(wh, batch, item, position, value)
    words = code.replace("_", " ")
    if code == "force":  # suggest force names rather than codes
        known = {n for f in forces().all() for n in (f.name, f.short_name)}
    else:
        known = set(aliases.values())
    error = UnknownCodeError(words, value, known, where=f"line {line}, field {label!r}")
    return FileRefused(
        item.input.display,
        error.message,
        hint=f"if it is a genuine new {words}, add it to openpeel/reference/data (see the "
        "README there) and ingest again",
    )
