"""Indicators: definitions, computation and the statistics for comparing forces."""
