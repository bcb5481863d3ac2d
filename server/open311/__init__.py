"""Open311 GeoReport v2: the standard face through which hotlines and civic apps push requests
in and read their progress out (``/open311/v2/``)."""
