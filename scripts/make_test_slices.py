"""Build the test slices of publisher files (tests/sources/data) from the real data.

* ``prc-outcomes-open-data-mar2019-tables-slice.csv.gz``: the Home Office crime outcomes table
  2018/19 as published (``../shared/data/home_office/prc-outcomes-open-data-mar2019-tables.csv.gz``,
  PROVENANCE.md section 14), cut to the rows of two forces (Hampshire and City of London). The
  header and every kept line are byte-identical to the published ones (the byte-order mark,
  CRLF line endings and the missing final newline are kept); no value is changed.
* ``...-slice.xlsx`` and ``...-slice.ods``: the same rows re-encoded as the spreadsheets the Home
  Office publishes now, one sheet named as the Home Office names its data sheets. A re-encoding,
  not a download: every CSV field is one cell, a field that is a whole number written as
  Python writes it (``12``, ``-2``, no leading zero) is a number cell, every other field is a
  text cell, and an empty field is an empty cell. No value is added or changed; the tests
  check that each spreadsheet loads into exactly the rows the CSV slice loads into.

Run (deterministic: the same input gives the same rows; the spreadsheets' zip timestamps are
fixed too):

    .venv/bin/python scripts/make_test_slices.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import io
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "sources" / "data"
OUTCOMES = "home_office/prc-outcomes-open-data-mar2019-tables.csv.gz"
SLICE = "prc-outcomes-open-data-mar2019-tables-slice"
FORCES = ("Hampshire", "London, City of")
SHEET = "Outcomes_open_data__2018-19"
#: the zip timestamp of every member of the spreadsheets written here
FIXED_TIME = (2019, 7, 18, 0, 0, 0)


def _write_gzip(data: bytes, out: Path) -> None:
    with (
        out.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=9) as gz,
    ):
        gz.write(data)


def cut_lines(source: Path) -> bytes:
    """The published header and the lines of FORCES, byte for byte."""
    data = gzip.decompress(source.read_bytes())
    lines = data.split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:]:
        (row,) = csv.reader(io.StringIO(line.decode("utf-8"), newline=""))
        if row[2] in FORCES:
            kept.append(line)
    return b"\r\n".join(kept)


def typed(field: str) -> int | str | None:
    """The cell a field becomes: a number for a plain whole number, text otherwise."""
    if field == "":
        return None
    if field.lstrip("-").isdigit() and str(int(field)) == field:
        return int(field)
    return field


def rows_of(data: bytes) -> list[list[int | str | None]]:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    return [list(header), *([typed(f) for f in row] for row in body)]


def write_xlsx(rows: list[list[int | str | None]], out: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for row in rows:
        sheet.append(row)
    book.properties.created = datetime.datetime(*FIXED_TIME)
    book.save(out)
    _fix_zip_times(out)


def write_ods(rows: list[list[int | str | None]], out: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=SHEET)
    for row in rows:
        line = TableRow()
        for value in row:
            if value is None:
                cell = TableCell()
            elif isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            line.addElement(cell)
        table.addElement(line)
    doc.spreadsheet.addElement(table)
    doc.save(str(out))
    _fix_zip_times(out)


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip with every member, and the XLSX save date, at FIXED_TIME (so the output
    is reproducible)."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FIXED_TIME).encode()
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in members:
            if info.filename == "docProps/core.xml":  # openpyxl dates the save itself
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    TARGET.mkdir(parents=True, exist_ok=True)
    data = cut_lines(args.shared / OUTCOMES)
    _write_gzip(data, TARGET / f"{SLICE}.csv.gz")
    rows = rows_of(data)
    write_xlsx(rows, TARGET / f"{SLICE}.xlsx")
    write_ods(rows, TARGET / f"{SLICE}.ods")
    for path in sorted(TARGET.glob(f"{SLICE}*")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")
    print(f"{len(rows) - 1:,} rows of {', '.join(FORCES)}")


if __name__ == "__main__":
    main()
