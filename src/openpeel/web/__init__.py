"""The web dashboard and JSON API (``openpeel serve``)."""
