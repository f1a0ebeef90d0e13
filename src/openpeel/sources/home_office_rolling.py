"""Home Office recorded crime by police force area over rolling 12 months (``rec-crime-pfa.csv``).

Publisher: the Home Office, Open Government Licence v3.0 ("Recorded crime data at Police Force
Area level"; PROVENANCE.md section 14). One row per period end, area and offence: the offences
recorded in the 12 months ending on the date, yearly to March 2007, then each quarter from June
2007. Read as published:

* the period is the 12 months ending on the date of ``12 months ending`` (``DD/MM/YYYY``),
  labelled ``12 months to YYYY-MM``; one quarter is published as ``30/12/2017`` and is the 12
  months to December 2017 like any other (``core_homeoffice__recorded_crime_rolling`` keeps
  the published date and says it was not a month end);
* the areas are the 43 forces, British Transport Police and three national fraud bodies
  (Action Fraud, CIFAS, UK Finance, each also written as its own offence): every row is kept
  and each body has its code in the force registry, outside the 43;
* the offence list changed over the years: each offence's comparable series and whether it
  counts in the total excluding fraud are declared in
  ``openpeel/reference/data/recorded_crime_offences.csv``, and an offence not listed there
  stops the file until it is classified;
* negative counts are kept, as published, and listed in the data-quality register.
"""

from __future__ import annotations

from openpeel.sources.base import Layout, Source, published_header

#: the header of rec-crime-pfa.csv, as published
REC_CRIME_PFA_HEADER = published_header("raw_homeoffice__recorded_crime_rolling")
#: the label of a row's period: "12 months to YYYY-MM" (uk_date is a warehouse macro)
ROLLING_PERIOD_SQL = "'12 months to ' || strftime(uk_date(r.period_end), '%Y-%m')"

SOURCES = (
    Source(
        kind="homeoffice_recorded_crime_rolling",
        title="Home Office recorded crime by police force area, rolling 12 months",
        publisher="Home Office",
        raw_table="raw_homeoffice__recorded_crime_rolling",
        layouts=(Layout("rec-crime-pfa.csv (12 months ending DD/MM/YYYY)", REC_CRIME_PFA_HEADER),),
        period_type="rolling_12_months",
        period_sql=ROLLING_PERIOD_SQL,
        force_sql="r.pfa",
        multi_force=True,
        notes="Rolling-year totals by force area and offence, years ending March 2003 to 2007, "
        "then every quarter from June 2007 (PROVENANCE.md section 14). Fraud bodies and British "
        "Transport Police are kept, outside the 43; the offence list's changes are declared in "
        "reference/data/recorded_crime_offences.csv.",
    ),
)
