"""HMIC / HMICFRS PEEL graded judgements by force (``hmic/peel_grades.csv``).

Publisher: HM Inspectorate of Constabulary (from July 2017 HMICFRS), Crown copyright, Open
Government Licence v3.0. The table was transcribed by hand from the inspectorate's force pages
(and a few news pages), one row per graded judgement, with the page address in ``source``
(PROVENANCE.md section 9).

The file is read in Python so that every ``grade`` can be checked against the inspectorate's
wordings before anything is stored: a grade that is not one of them refuses the whole file,
naming the line and the field. A refusal rather than a quarantine because the grade is the one
fact a row carries. A mistyped or foreign wording ("excellent", "requires improvment") means the
transcription or the grading scale is not what OpenPEEL knows; quarantining the row would quietly
change the national counts (e.g. 28 forces good for effectiveness in 2016) with nothing wrong
visible in the core view, while fixing a 704-row hand-made file and ingesting it again is cheap.
The same rule holds for code columns in every other source: an unknown value stops the load.
"""

from __future__ import annotations

from pathlib import Path

from openpeel.reference import normalise
from openpeel.sources._readers import Row, as_row, csv_records, refuse
from openpeel.sources.base import Layout, Source, published_header

PEEL_GRADES_HEADER = published_header("raw_hmic__peel_grades")

#: the grading scale of PEEL 2015 to 2018/19 (four grades; "not graded" where HMIC said so)
GRADES_2015_TO_2018 = ("outstanding", "good", "requires improvement", "inadequate", "not graded")
#: PEEL 2021/22 onwards added "adequate" (a five-tier scale, not comparable with earlier years)
GRADES_FROM_2021 = (
    "outstanding",
    "good",
    "adequate",
    "requires improvement",
    "inadequate",
    "not graded",
)
#: every wording allowed in ``grade`` (compared after trimming and lower-casing)
PEEL_GRADES = GRADES_FROM_2021

FIRST_FIVE_TIER_YEAR = 2021


def read_peel_grades(path: Path) -> list[Row]:
    """The rows of a PEEL grades file; refuses it on a grade that is no inspectorate wording."""
    rows: list[Row] = []
    column = {name: i for i, name in enumerate(PEEL_GRADES_HEADER)}
    for line, fields in csv_records(path):
        if line == 1:
            continue  # the header, already matched by the sniffer
        if not fields:
            continue
        if len(fields) != len(PEEL_GRADES_HEADER):
            refuse(
                path,
                f"line {line} has {len(fields)} fields but the header has "
                f"{len(PEEL_GRADES_HEADER)}",
                hint="the file may be truncated or have an unquoted comma; fix the line",
            )
        grade = normalise(fields[column["grade"]])
        if grade and grade not in PEEL_GRADES:
            refuse(
                path,
                f"line {line}, field 'grade': {fields[column['grade']]!r} is not a "
                f"PEEL grade (allowed: {', '.join(PEEL_GRADES)})",
                hint="use the inspectorate's wording, lower case, as on the cited page",
            )
        year = fields[column["year"]].strip()
        if grade == "adequate" and year.isdigit() and int(year) < FIRST_FIVE_TIER_YEAR:
            refuse(
                path,
                f"line {line}, field 'grade': 'adequate' is only a PEEL grade from "
                f"PEEL {FIRST_FIVE_TIER_YEAR}/22; this row is for {year} "
                f"(allowed then: {', '.join(GRADES_2015_TO_2018)})",
                hint="check the grade against the cited page",
            )
        rows.append(as_row(fields))
    return rows


SOURCES = (
    Source(
        kind="hmic_peel_grades",
        title="HMIC/HMICFRS PEEL graded judgements",
        publisher="HMIC / HMICFRS (transcribed from the inspectorate's pages)",
        raw_table="raw_hmic__peel_grades",
        layouts=(Layout("force/year/pillar/question/grade/published/source", PEEL_GRADES_HEADER),),
        period_type="year",
        period_sql="r.year",
        force_sql="r.force",
        multi_force=True,
        reader=read_peel_grades,
        notes="Read in Python: a grade that is not an inspectorate wording refuses the file. "
        "Quarantined rows of this kind have no line number (the loader keeps none for files "
        "read in Python).",
    ),
)
