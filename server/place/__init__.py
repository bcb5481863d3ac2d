"""Place: section boundaries, coordinate systems, locating a point, nearby requests, maps."""
