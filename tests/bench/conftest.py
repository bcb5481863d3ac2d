from __future__ import annotations

import pytest
from sqlalchemy import event

from server.extensions import db


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@pytest.fixture
def count_queries(ctx):
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)
