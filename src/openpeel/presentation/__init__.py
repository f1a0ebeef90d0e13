"""The presentation layer both the report and the web use: number formats from the units'
declarations (``numbers``), comparisons in words (``comparison``, words in ``wording.toml``),
and every chart with its data table (``charts``)."""
