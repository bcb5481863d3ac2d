"""Reference and demo data, and their loader."""
