"""Ingestion: find the input files, recognise them, load them into the warehouse."""
