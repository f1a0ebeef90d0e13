"""OpenPEEL: an open, reproducible implementation of PEEL police inspections."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openpeel")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
