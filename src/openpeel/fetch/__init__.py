"""Fetching the publishers' files: the catalogue, the downloads and the refresh."""
