"""Counts made by third parties from the data.police.uk archive
(``openpeel/sources/policeuk_aggregates.py``, ``schema/40_other.toml``).

The Alrababa'h et al. monthly counts and the BBC England Data Unit yearly outcome counts load
whole and give the check values of PROVENANCE.md sections 10 and 12; the 'All' totals reconcile;
the truncated thames-valley 2018-09 is flagged; the BBC file's CR-only line endings are read, and
broken CR-only copies are quarantined or refused with file, line and field.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.sources.base import sniff
from openpeel.warehouse.db import Warehouse
from tests.sources.real_files import loaded, only

#: the bundled sample holds the same files (byte-identical), for the broken-copy tests
SAMPLE = sample_path()

HAMPSHIRE = "E23000030"
WEST_YORKSHIRE = "E23000010"
THAMES_VALLEY = "E23000029"

MONTHLY = (
    "police_uk_aggregates/"
    "alrababah_marble_policeuk_street_counts_by_force_crime_type_month_2015_2018.csv.gz"
)
YEARLY = "police_uk_aggregates/bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"
FILES = {MONTHLY: "policeuk_agg_street_counts_monthly", YEARLY: "policeuk_agg_outcomes_yearly"}


@pytest.fixture(scope="module")
def wh(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with loaded(tmp_path_factory.mktemp("aggregates"), shared_data, FILES) as warehouse:
        yield warehouse


# -- monthly street counts (Alrababa'h et al.) ----------------------------------------------------


def all_count(wh: Warehouse, force: str, month: str) -> int:
    return int(
        wh.scalar(
            "SELECT all_count FROM core_policeuk_agg__street_count_totals "
            "WHERE force_code = ? AND month = CAST(? AS DATE)",
            [force, month],
        )
    )


@pytest.mark.shared
def test_monthly_check_values(wh: Warehouse) -> None:
    # PROVENANCE.md section 12
    assert all_count(wh, HAMPSHIRE, "2017-02-01") == 14_834
    assert all_count(wh, HAMPSHIRE, "2015-01-01") == 13_376
    assert all_count(wh, HAMPSHIRE, "2018-09-01") == 13_692
    west_yorkshire = [all_count(wh, WEST_YORKSHIRE, f"{y}-07-01") for y in (2016, 2017, 2018)]
    assert west_yorkshire == [27_176, 28_537, 31_635]


@pytest.mark.shared
def test_monthly_counts_leave_out_the_all_rows_but_keep_them_in_raw(wh: Warehouse) -> None:
    raw_all = wh.rows(
        "SELECT count(*), sum(CAST(num_crimes AS BIGINT)) "
        "FROM raw_policeuk_agg__street_counts_monthly WHERE crime_type = 'All'"
    )
    core = wh.rows(
        "SELECT count(*), count(crime_type), sum(num_crimes) FROM core_policeuk_agg__street_counts"
    )
    assert core == [(30_271 - 2_022, 30_271 - 2_022, raw_all[0][1])]
    assert raw_all[0][0] == 2_022
    assert (
        wh.scalar("SELECT count(DISTINCT crime_type) FROM core_policeuk_agg__street_counts") == 14
    )
    assert (
        wh.scalar("SELECT count(DISTINCT force_code) FROM core_policeuk_agg__street_counts") == 45
    )
    # the authors' additions stay in raw only
    assert (
        wh.scalar(
            "SELECT count(*) FROM raw_policeuk_agg__street_counts_monthly "
            "WHERE police_area_pop IS NULL"
        )
        == 614
    )  # btp, as published


@pytest.mark.shared
def test_all_equals_the_sum_of_types_in_every_month(wh: Warehouse) -> None:
    summary = wh.rows(
        "SELECT count(*), count(*) FILTER (WHERE NOT all_matches_types), sum(unknown_type_rows) "
        "FROM core_policeuk_agg__street_count_totals"
    )
    assert summary == [(2_022, 0, 0)]


@pytest.mark.shared
def test_small_months_are_flagged_not_dropped(wh: Warehouse) -> None:
    suspect = wh.rows(
        "SELECT county, month, all_count FROM core_policeuk_agg__street_count_totals "
        "WHERE is_suspect_month ORDER BY county"
    )
    assert suspect == [
        ("btp", date(2016, 9, 1), 814),
        ("cambridgeshire", date(2018, 5, 1), 3_063),
        ("thames-valley", date(2018, 9, 1), 2_207),  # truncated at source (PROVENANCE.md §12)
    ]
    flagged = wh.rows(
        "SELECT count(*), sum(num_crimes), bool_and(is_suspect_month) "
        "FROM core_policeuk_agg__street_counts WHERE force_code = ? AND month = '2018-09-01'",
        [THAMES_VALLEY],
    )
    assert flagged[0][1:] == (2_207, True)
    assert (
        wh.scalar(
            "SELECT count(*) FROM core_policeuk_agg__street_counts "
            "WHERE force_code = ? AND is_suspect_month",
            [HAMPSHIRE],
        )
        == 0
    )


def test_a_mismatched_all_row_is_reported(warehouse: Warehouse, tmp_path: Path) -> None:
    lines = gzip.decompress((SAMPLE / MONTHLY).read_bytes()).decode("utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if ",hampshire,2017-02-01," in line]
    i = next(i for i, line in enumerate(kept) if line.startswith("All,14834,"))
    kept[i] = kept[i].replace("All,14834,", "All,14835,")
    copy = tmp_path / "counts.csv"
    copy.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert only(ingest(warehouse, [copy])).status == "loaded"
    rows = warehouse.rows(
        "SELECT force_code, all_count, types_sum, difference, all_matches_types "
        "FROM core_policeuk_agg__street_count_totals"
    )
    assert rows == [(HAMPSHIRE, 14_835, 14_834, 1, False)]


# -- yearly outcome counts (BBC England Data Unit) ------------------------------------------------


def test_bbc_file_has_cr_only_line_endings() -> None:
    path = SAMPLE / YEARLY
    assert sniff(path, str(path)).new_line == "\r"
    text = gzip.decompress(path.read_bytes())
    assert b"\n" not in text
    assert not text.endswith(b"\r")  # no final newline


@pytest.mark.shared
def test_bbc_check_values(wh: Warehouse) -> None:
    # PROVENANCE.md section 10
    crimes, unable = wh.rows(
        "SELECT sum(crimes), sum(crimes) FILTER "
        "(WHERE last_outcome_category = 'Unable to prosecute suspect') "
        "FROM core_policeuk_agg__outcomes_yearly "
        "WHERE force_code = ? AND year = 2016 AND crime_type <> 'Anti-social behaviour'",
        [HAMPSHIRE],
    )[0]
    assert (crimes, unable) == (97_696, 28_675)
    violence = wh.rows(
        "SELECT sum(crimes), sum(crimes) FILTER "
        "(WHERE last_outcome_category = 'Unable to prosecute suspect') "
        "FROM core_policeuk_agg__outcomes_yearly "
        "WHERE force_code = ? AND year = 2016 AND crime_type = 'Violence and sexual offences'",
        [HAMPSHIRE],
    )
    assert violence == [(26_445, 15_992)]
    share = wh.scalar(
        "SELECT round(100 * sum(crimes) FILTER "
        "(WHERE last_outcome_category = 'Unable to prosecute suspect') / sum(crimes), 1) "
        "FROM core_policeuk_agg__outcomes_yearly "
        "WHERE year = 2016 AND crime_type <> 'Anti-social behaviour'"
    )
    assert share == 15.8


@pytest.mark.shared
def test_bbc_codes_are_canonical(wh: Warehouse) -> None:
    per_year = dict(
        wh.rows("SELECT year, count(*) FROM core_policeuk_agg__outcomes_yearly GROUP BY 1")
    )
    assert per_year == {2012: 8_027, 2013: 10_636, 2014: 9_489, 2015: 9_717, 2016: 9_708}
    assert wh.rows(
        "SELECT count(DISTINCT force_code), count(*) FILTER (WHERE force_code IS NULL), "
        "count(*) FILTER (WHERE crime_type IS NULL) FROM core_policeuk_agg__outcomes_yearly"
    ) == [(45, 0, 0)]
    types = {
        t for (t,) in wh.rows("SELECT DISTINCT crime_type FROM core_policeuk_agg__outcomes_yearly")
    }
    assert {"Violent crime", "Public disorder and weapons"} <= types  # pre-2013 types
    # every published outcome resolves; blank (null) for anti-social behaviour, and also for
    # crimes with no outcome published (BTP, PSNI, many 2012 crimes)
    core, raw = (
        wh.scalar(f"SELECT count(last_outcome_category) FROM {t}_policeuk_agg__outcomes_yearly")
        for t in ("core", "raw")
    )
    assert core == raw == 46_794
    assert (
        wh.scalar(
            "SELECT count(*) FROM core_policeuk_agg__outcomes_yearly "
            "WHERE crime_type = 'Anti-social behaviour' AND last_outcome_category IS NOT NULL"
        )
        == 0
    )


def _cr_copy(tmp_path: Path, last: str) -> Path:
    """Header and five real rows of the BBC file, then ``last``, CR-only, no final newline."""
    text = gzip.decompress((SAMPLE / YEARLY).read_bytes()).decode("utf-8")
    lines = [*text.split("\r")[:6], last]
    path = tmp_path / "bbc.csv"
    path.write_bytes("\r".join(lines).encode("utf-8"))
    return path


def test_cr_only_file_truncated_mid_row_is_refused_or_quarantined_with_allow_shrink(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    bad = _cr_copy(tmp_path, "2016,5,Burglary,Hampshire Constab")
    refused = only(ingest(warehouse, [bad]))  # a file cut short: refused unless allowed
    assert refused.status == "refused"
    assert refused.message.startswith("ends inside line 7: the file was cut short")
    result = only(ingest(warehouse, [bad], allow_shrink=True))
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 6, 5)
    assert result.rows_quarantined == 1
    lines = warehouse.rows("SELECT DISTINCT line, raw_text FROM meta_quarantine")
    assert lines == [(7, "2016,5,Burglary,Hampshire Constab")]
    reason = warehouse.scalar("SELECT min(reason) FROM meta_quarantine")
    assert "too few columns: 4 fields, the header has 5" in reason
    assert warehouse.scalar("SELECT count(*) FROM core_policeuk_agg__outcomes_yearly") == 5


def test_cr_only_file_truncated_inside_a_value_is_refused_naming_line_and_field(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    bad = _cr_copy(tmp_path, "2016,5,Burglary,Hampshire Constabulary,Under investiga")
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert result.message.startswith(
        "unknown policeuk outcome 'Under investiga' in line 7, field 'last_outcome_category'"
    )
    assert warehouse.scalar("SELECT path FROM meta_refused_file") == str(bad)
    assert warehouse.scalar("SELECT count(*) FROM raw_policeuk_agg__outcomes_yearly") == 0
