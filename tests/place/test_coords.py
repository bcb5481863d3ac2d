"""Coordinate systems against published reference values, in both directions."""

from __future__ import annotations

import pytest

from server.place import coords

# Reference values published with the widely used coordtransform library (its test/app.js),
# for the point (39.915 N, 116.404 E) near Tiananmen, given as (lat, lng).
SOURCE = (39.915, 116.404)
WGS_TO_GCJ = (39.91640428150164, 116.41024449916938)
GCJ_TO_BD = (39.92133699351021, 116.41036949371029)
BD_TO_GCJ = (39.90865673957631, 116.39762729119315)
GCJ_TO_WGS_ONE_STEP = (39.91359571849836, 116.39775550083061)  # their approximate inverse


def close(a, b, tol=1e-9):
    return abs(a[0] - b[0]) < tol and abs(a[1] - b[1]) < tol


def test_wgs84_to_gcj02_matches_the_published_value():
    assert close(coords.wgs84_to_gcj02(*SOURCE), WGS_TO_GCJ)


def test_gcj02_and_bd09_match_the_published_values_both_ways():
    assert close(coords.gcj02_to_bd09(*SOURCE), GCJ_TO_BD)
    assert close(coords.bd09_to_gcj02(*SOURCE), BD_TO_GCJ)


def test_gcj02_to_wgs84_inverts_exactly_and_agrees_with_the_one_step_inverse_to_a_metre():
    back = coords.gcj02_to_wgs84(*SOURCE)
    assert close(coords.wgs84_to_gcj02(*back), SOURCE, 1e-10)  # the exact inverse
    assert coords.distance_m(*back, *GCJ_TO_WGS_ONE_STEP) < 1.0
    assert coords.distance_m(*back, *SOURCE) > 400  # GCJ-02 moves Beijing by ~600 m


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_every_system_round_trips_in_zhenlai(system):
    zhenlai = (45.85, 123.20)
    sent = coords.from_wgs84(*zhenlai, system)
    # BD-09 → GCJ-02 is Baidu's published one-step inverse: right to well under a metre.
    assert coords.distance_m(*coords.to_wgs84(*sent, system), *zhenlai) < 0.5
    if system != "wgs84":
        assert coords.distance_m(*sent, *zhenlai) > 100


def test_outside_china_nothing_moves():
    paris = (48.8566, 2.3522)
    assert coords.wgs84_to_gcj02(*paris) == paris
    assert coords.gcj02_to_wgs84(*paris) == paris


def test_distance_of_one_degree_of_latitude():
    assert abs(coords.distance_m(45.0, 123.0, 46.0, 123.0) - 111_195) < 1
