"""The scheduler process: APScheduler in its own process, one leader across processes."""
