"""Image uploads: decoded, capped, re-encoded without metadata, stored under random names."""
