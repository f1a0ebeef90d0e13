"""The ``openpeel`` command line."""
