"""Reference tables that other projects compiled from public sources.

* ``reference/police_most_similar_groups.csv``: most similar groups of forces as printed in three
  public sources (HMIC 2010/11, a newspaper report of the Home Office 2001/02 groups, the IOPC
  groups used by Surrey PCC for 2023/24); transcribed, one row per (vintage, force, member).
* ``reference/home_office_offence_code_to_policeuk_category.csv``: Home Office offence code to
  data.police.uk crime type, compiled by the crime-sim-toolkit authors (``CrimeCatMappings.csv``);
  its first column is a pandas index with an empty header.
* ``reference/lsoa2011_to_police_force_england.csv.gz``: 2011 LSOA to police force for England,
  built by the crime-sim-toolkit authors (``PoliceforceLSOA.csv``); 3,335 LSOAs have no force.

See PROVENANCE.md sections 5 and 13. These are lookups, not periodic data: each kind has no
period, so a newer file of the same kind replaces the one loaded before.
"""

from __future__ import annotations

from openpeel.sources.base import Layout, Source, published_header

MOST_SIMILAR_GROUPS_HEADER = published_header("raw_reference__most_similar_groups")
OFFENCE_CODE_MAPPING_HEADER = published_header("raw_reference__offence_code_policeuk_category")
LSOA_FORCE_HEADER = published_header("raw_reference__lsoa2011_police_force")

SOURCES = (
    Source(
        kind="reference_most_similar_groups",
        title="Most similar groups of police forces (partial, transcribed)",
        publisher="HMIC / Home Office / IOPC, as printed in public sources",
        raw_table="raw_reference__most_similar_groups",
        layouts=(Layout("vintage/force/msg_member/rank/source", MOST_SIMILAR_GROUPS_HEADER),),
        period_type="none",
        period_sql=None,
        force_sql="r.force",
        multi_force=True,
        notes="Membership is asymmetric; the 2023/24 rows are IOPC groups, not HMICFRS MSGs.",
    ),
    Source(
        kind="reference_offence_code_policeuk_category",
        title="Home Office offence code to data.police.uk crime type (crime-sim-toolkit)",
        publisher="crime-sim-toolkit authors, from Home Office offence codes",
        raw_table="raw_reference__offence_code_policeuk_category",
        layouts=(Layout("crime-sim-toolkit CrimeCatMappings.csv", OFFENCE_CODE_MAPPING_HEADER),),
        period_type="none",
        period_sql=None,
    ),
    Source(
        kind="reference_lsoa2011_police_force",
        title="2011 LSOA to police force, England (crime-sim-toolkit)",
        publisher="crime-sim-toolkit authors, from ONS 2011 geography",
        raw_table="raw_reference__lsoa2011_police_force",
        layouts=(Layout("crime-sim-toolkit PoliceforceLSOA.csv", LSOA_FORCE_HEADER),),
        period_type="none",
        period_sql=None,
        force_sql="r.police_force",
        multi_force=True,
        notes="3,335 LSOAs have a blank Police_force: loaded, with a null force in the core.",
    ),
)
