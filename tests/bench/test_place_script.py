"""The place benchmark's in-process part runs and reports what it measured."""

from __future__ import annotations

import random

from bench.place import bench_locate


def test_locate_figures_are_measured_on_a_small_tessellation():
    lines = bench_locate(400, 300, random.Random(1))
    text = "\n".join(lines)
    assert "400 Voronoi sections" in text and "300 random points in town (300 inside a section)" in text
    assert "p50" in text and "index build" in text
