"""Publishing: force reports, the inspector's summary, press releases and the national overview."""
