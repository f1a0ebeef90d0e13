"""The presentation layer both the report and the web use: every chart with its data table
(``charts``). The number formats (``openpeel.indicators.units``) and the comparisons in words
(``openpeel.indicators.comparison``, words in ``indicators/wording.toml``) are a layer below,
where the evidence signals use them too."""
