"""Row validation generated from the raw tables' declarations.

For a raw table, :func:`reason_sql` gives one SQL expression that is null for a row that loads and
otherwise says, field by field, why the row is quarantined ("Longitude: '1.2.3' is not a number").

Nearly every row loads, so the expression first asks a cheaper question, :func:`valid_sql`, that
is true only for rows that load; only the rows it is not sure of get the field-by-field reasons.
"""

from __future__ import annotations

from openpeel.warehouse.catalog import EXPECT_FORMATS, Column, Table
from openpeel.warehouse.ddl import literal, quote


def _absent(col: Column, *, suppressed_too: bool = True) -> str:
    """SQL true when the field holds no value (blank, or a published 'not available' marker).

    A suppressed value was published as withheld, so it counts as present for ``required``
    (``suppressed_too=False``) and as absent for the format check.
    """
    ref = quote(col.name)
    markers = col.na + (col.suppressed if suppressed_too else ())
    # blank as reference.normalise sees it: whitespace of any kind (a tab, a no-break space)
    # only, which trim() would keep, and then no code could be looked up for it
    cond = f"{ref} IS NULL OR norm_code({ref}) = ''"
    if markers:
        cond += f" OR {ref} IN (" + ", ".join(literal(m) for m in markers) + ")"
    return f"({cond})"


def _checks(col: Column, label: str) -> list[str]:
    ref = quote(col.name)
    checks: list[str] = []
    if col.required:
        missing = _absent(col, suppressed_too=False)
        checks.append(f"CASE WHEN {missing} THEN {literal(label + ': missing')} END")
    test, words = EXPECT_FORMATS[col.expect]
    if test != "false":
        bad = _substitute(test, ref)
        checks.append(
            f"CASE WHEN NOT {_absent(col)} AND ({bad}) THEN "
            f"{literal(label + ': ')} || {literal(chr(39))} || {ref} || "
            f"{literal(chr(39) + ' is not ' + words)} END"
        )
    return checks


def _substitute(test: str, ref: str) -> str:
    """Put the column reference in place of the placeholder ``v`` of an EXPECT_FORMATS test."""
    out = []
    i = 0
    while i < len(test):
        ch = test[i]
        if (
            ch == "v"
            and (i == 0 or not (test[i - 1].isalnum() or test[i - 1] == "_"))
            and (i + 1 == len(test) or not (test[i + 1].isalnum() or test[i + 1] == "_"))
        ):
            out.append(ref)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _surely_present(col: Column) -> str:
    """SQL true only when the field holds a value (as ``_absent(col, suppressed_too=False)``
    sees it): its first character is printable ASCII other than a space, which ``trim`` keeps,
    and it is no "not available" marker. Cheaper than ``trim``, which copies the text."""
    ref = quote(col.name)
    cond = f"{ref} >= '!' AND {ref} < chr(127)"
    if col.na:
        cond += f" AND {ref} NOT IN (" + ", ".join(literal(m) for m in col.na) + ")"
    return f"({cond})"


def valid_sql(table: Table) -> str:
    """SQL true only for rows :func:`reasons_sql` finds nothing wrong with (false or null for a
    row it is not sure of): every required field surely present, every other check passed
    where the field is not null, and, with no required field, some field surely present (not a
    blank row)."""
    published = table.published_columns
    tests = [_surely_present(c) for c in published if c.required]
    if not tests and published:
        tests.append("(" + " OR ".join(_surely_present(c) for c in published) + ")")
    for col in published:
        test, _ = EXPECT_FORMATS[col.expect]
        if test != "false":
            ref = quote(col.name)
            tests.append(f"({ref} IS NULL OR NOT ({_substitute(test, ref)}))")
    return " AND ".join(tests) or "false"


def reasons_sql(table: Table, headers: dict[str, str] | None = None) -> str:
    """SQL that is null for a valid row, else the reasons it is quarantined, field by field.

    ``headers`` maps raw column names to the header text of the file's layout, so reasons name
    the field as the user sees it in the file.
    """
    published = table.published_columns
    labels = {c.name: (headers or {}).get(c.name, c.header or c.name) for c in published}
    # a row with nothing but blanks and "not available" markers is a blank row
    blank = " AND ".join(_absent(c, suppressed_too=False) for c in published)
    parts = [check for col in published for check in _checks(col, labels[col.name])]
    fields = f"NULLIF(concat_ws('; ', {', '.join(parts)}), '')" if parts else "NULL"
    return f"CASE WHEN {blank} THEN 'blank row' ELSE {fields} END"


def reason_sql(table: Table, headers: dict[str, str] | None = None) -> str:
    """:func:`reasons_sql`, asked only of the rows :func:`valid_sql` is not sure of."""
    return f"CASE WHEN {valid_sql(table)} THEN NULL ELSE {reasons_sql(table, headers)} END"
