"""Administration: places, teams, people before they log in, roles, the catalogue, imports."""
