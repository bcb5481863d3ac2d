"""Places and the people who serve them: communities, grids, sections and duty teams."""
