"""Rankings above the community: the rules (rank, 1.5 IQR flags), the window, the county and
street boards and their public faces, and the staff endpoint with its flags and scopes."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import update

from server.extensions import db
from server.grid.models import Community, Street
from server.requests.models import Request
from server.sunlight import figures, rankings
from server.sunlight.service import day_start

# --- the rules -------------------------------------------------------------------------------


def test_outliers_need_four_values_and_use_the_inclusive_quartiles():
    assert rankings.outliers({"a": 0.1, "b": 1.0, "c": 1.0}) == {}  # three: never flagged
    assert rankings.outliers({"a": 0.1, "b": 1.0, "c": 1.0, "d": None}) == {}  # None is no value
    # [0.5, 1, 1, 1]: Q1 = 0.875, Q3 = 1, IQR = 0.125, fences 0.6875 and 1.1875
    assert rankings.outliers({"a": 0.5, "b": 1.0, "c": 1.0, "d": 1.0}) == {"a": "low"}
    # [0.69, 1, 1, 1]: Q1 = 0.9225, IQR = 0.0775, low fence 0.80625 → still low
    assert rankings.outliers({"a": 0.69, "b": 1.0, "c": 1.0, "d": 1.0}) == {"a": "low"}
    values = {"a": 0.1, "b": 0.12, "c": 0.11, "d": 0.13, "e": 0.9}
    assert rankings.outliers(values) == {"e": "high"}
    assert rankings.outliers({"a": 0.4, "b": 0.5, "c": 0.6, "d": 0.7}) == {}  # nothing far


def test_rank_shares_places_on_equal_scores_and_leaves_no_score_unranked():
    items = [{"id": 1, "score": 0.5}, {"id": 2, "score": 0.9}, {"id": 3, "score": 0.5},
             {"id": 4, "score": None}, {"id": 5, "score": 0.2}]
    assert rankings.rank(items) == {2: 1, 1: 2, 3: 2, 5: 4, 4: None}


def test_score_is_the_mean_of_the_three_rates_with_a_figure():
    f = figures.Figures(dispatched=4, responded=3, rated=2, rated_resolved=1, rated_satisfied=2)
    assert rankings.score(f) == round((0.75 + 0.5 + 1.0) / 3, 4)
    assert rankings.score(figures.Figures(dispatched=2, responded=1)) == 0.5  # not rated yet
    assert rankings.score(figures.Figures()) is None


def test_merge_pools_counts_and_durations():
    a = figures.Figures(total=2, dispatched=2, responded=1, by_status={"closed": 2},
                        accept_minutes=[1.0, 3.0])
    b = figures.Figures(total=1, dispatched=1, responded=1, by_status={"closed": 1},
                        accept_minutes=[10.0])
    merged = rankings.merge([a, b])
    assert (merged.total, merged.response_rate, merged.median_accept_minutes) == (3, 0.6667, 3.0)
    assert merged.by_status == {"closed": 3}


# --- the boards ------------------------------------------------------------------------------


_serial = itertools.count(1)


def _more_communities(world, n: int) -> list[Community]:
    """``n`` more communities in the demo community's street."""
    out = []
    for _ in range(n):
        i = next(_serial)
        out.append(Community(code=f"RK{i}", name=f"排名社区{i}", street_id=world.community.street_id))
    db.session.add_all(out)
    db.session.commit()
    return out


def _move(request_ids: list[int], community: Community) -> None:
    """File requests under another community of the street (the figures read only the id)."""
    db.session.execute(update(Request).where(Request.id.in_(request_ids))
                       .values(community_id=community.id))
    db.session.commit()


def _accept(world, ids):
    for rid in ids:
        assert world.as_("demo-member-a").post(f"/api/v1/requests/{rid}/accept").status == 200


@pytest.fixture
def ranked(world, clock):
    """Five communities in the demo street: four answer every request in time, one none; and
    one request in the other street. Returns the extra communities."""
    extra = _more_communities(world, 3)
    responsive = [world.submit()["id"] for _ in range(4)]
    _accept(world, responsive)
    late = [world.submit()["id"] for _ in range(2)]
    for community, rid in zip(extra, responsive[1:], strict=True):
        _move([rid], community)
    lazy = _more_communities(world, 1)[0]
    _move(late, lazy)
    clock.advance(days=2)  # the two left alone are past their accept deadline
    return {"extra": extra, "lazy": lazy, "responsive": responsive, "late": late}


def test_county_board_ranks_communities_and_streets_on_the_same_figures(world, clock, ranked):
    board = world.client.get("/api/v1/public/county").get_json()["data"]
    assert board["level"] == "county" and board["month"] == "2026-11"
    assert board["window"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert (board["previous"], board["next"]) == ("2026-10", "2026-12")
    whole = figures.figures_for(now=clock.now(), start=day_start(date(2026, 11, 1)))[None]
    assert board["figures"]["total"] == whole.total == 6
    assert board["figures"]["response_rate"] == whole.response_rate == round(4 / 6, 4)
    assert board["communities"][-1]["id"] == world.other_community.id  # no figure: last
    lazy = next(c for c in board["communities"] if c["id"] == ranked["lazy"].id)
    assert lazy["figures"]["response_rate"] == 0.0 and lazy["rank_in_county"] == 5
    assert lazy["street"] == world.community.street.name
    top = [c for c in board["communities"] if c["rank_in_county"] == 1]
    assert {c["id"] for c in top} == {world.community.id} | {c.id for c in ranked["extra"]}
    other = next(c for c in board["communities"] if c["id"] == world.other_community.id)
    assert other["rank_in_county"] is None and other["figures"]["total"] == 0
    streets = {s["id"]: s for s in board["streets"]}
    mine = streets[world.community.street_id]
    assert mine["figures"]["total"] == 6 and mine["communities"] == 5 and mine["rank"] == 1
    assert streets[world.other_community.street_id]["rank"] is None
    assert "flags" not in mine and all("flags_in_county" not in c for c in board["communities"])


def test_street_board_ranks_within_the_street_and_places_it_in_the_county(world, clock, ranked):
    sid = world.community.street_id
    board = world.client.get(f"/api/v1/public/streets/{sid}").get_json()["data"]
    assert board["level"] == "street" and board["street"]["id"] == sid
    assert board["street"]["rank"] == 1 and board["streets"] == []
    assert board["figures"]["total"] == 6
    assert [c["id"] for c in board["communities"]][-1] == ranked["lazy"].id
    assert {c["street_id"] for c in board["communities"]} == {sid}
    assert [c["rank_in_street"] for c in board["communities"]] == [1, 1, 1, 1, 5]
    other = world.client.get(f"/api/v1/public/streets/{world.other_community.street_id}")
    assert [c["id"] for c in other.get_json()["data"]["communities"]] == [world.other_community.id]


def test_month_by_month_and_windows_of_days(world, clock, ranked):
    clock.advance(days=10)  # into December
    december = world.client.get("/api/v1/public/county").get_json()["data"]
    assert december["month"] == "2026-12" and december["figures"]["total"] == 0
    november = world.client.get("/api/v1/public/county?month=2026-11").get_json()["data"]
    assert november["figures"]["total"] == 6
    days = world.client.get("/api/v1/public/county?start=2026-11-24&end=2026-12-31")
    assert days.get_json()["data"]["figures"]["total"] == 0  # all came on the 23rd
    assert days.get_json()["data"]["month"] is None
    days = world.client.get("/api/v1/public/county?start=2026-11-23").get_json()["data"]
    assert days["figures"]["total"] == 6 and days["window"]["end"] == "2026-12-05"


@pytest.mark.parametrize("query", ["month=2026-13", "month=2026-11&start=2026-11-01",
                                   "start=2026-11-05&end=2026-11-01", "start=1999-01-01",
                                   "month=26-11"])
def test_a_bad_window_is_a_422(world, clock, query):
    response = world.client.get(f"/api/v1/public/county?{query}")
    assert response.status_code == 422, response.get_json()
    page = world.client.get(f"/sunlight/county?{query}")
    assert page.status_code == 422 and "<script" not in page.get_data(as_text=True)


def test_a_retired_or_unknown_street_is_not_found(world, clock):
    sid = world.other_community.street_id
    db.session.execute(update(Street).where(Street.id == sid).values(is_active=False))
    db.session.commit()
    for path in (f"/api/v1/public/streets/{sid}", "/api/v1/public/streets/99999",
                 f"/sunlight/streets/{sid}"):
        assert world.client.get(path).status_code == 404
    board = world.client.get("/api/v1/public/county").get_json()["data"]
    assert [s["id"] for s in board["streets"]] == [world.community.street_id]
    other = next(c for c in board["communities"] if c["id"] == world.other_community.id)
    assert other["street_id"] is None and other["rank_in_street"] is None


def test_public_rankings_carry_aggregates_only(world, clock, ranked):
    body = world.client.get("/api/v1/public/county").get_data(as_text=True)
    body += world.client.get(f"/api/v1/public/streets/{world.community.street_id}").get_data(as_text=True)
    body += world.client.get("/sunlight/county").get_data(as_text=True)
    for secret in ("王", "13800", "幸福小区", "demo-", "openid", "phone", "address"):
        assert secret not in body


# --- the pages -------------------------------------------------------------------------------


def test_pages_link_the_levels_and_months(world, clock, ranked):
    sid = world.community.street_id
    county = world.client.get("/sunlight/county?month=2026-11").get_data(as_text=True)
    assert county.count('class="street"') == 2 and county.count('class="community"') == 6
    assert f'/sunlight/streets/{sid}?month=2026-11' in county
    assert '/sunlight/county?month=2026-10' in county and "<svg" in county and "<script" not in county
    street = world.client.get(f"/sunlight/streets/{sid}?month=2026-11").get_data(as_text=True)
    assert street.count('class="community"') == 5 and 'class="street"' not in street
    assert f'/sunlight/streets/{sid}?month=2026-12' in street
    assert "全县排名" in street and "在全县街道中排名" in street
    index = world.client.get("/sunlight/").get_data(as_text=True)
    assert "/sunlight/county" in index


# --- staff -----------------------------------------------------------------------------------


def test_staff_read_the_flags(world, clock, ranked):
    county = world.as_("demo-county").get("/api/v1/rankings?month=2026-11")
    assert county.status == 200 and county.data["level"] == "county"
    lazy = next(c for c in county.data["communities"] if c["id"] == ranked["lazy"].id)
    # response rates 1, 1, 1, 1, 0 (and none in the other community): 0 is far below
    assert lazy["flags_in_county"] == {"response_rate": "low"}
    assert lazy["flags_in_street"] == {"response_rate": "low"}
    assert all(c["flags_in_county"] == {} for c in county.data["communities"] if c is not lazy)
    assert all(s["flags"] == {} for s in county.data["streets"])  # two streets: too few peers
    street = world.as_("demo-street").get("/api/v1/rankings")
    assert street.status == 200 and street.data["level"] == "street"
    assert street.data["street"]["id"] == world.community.street_id
    assert street.data["communities"][-1]["flags_in_street"] == {"response_rate": "low"}
    public = world.client.get(f"/api/v1/public/streets/{world.community.street_id}").get_json()["data"]
    assert [c["figures"] for c in public["communities"]] == \
        [c["figures"] for c in street.data["communities"]]


def test_staff_scopes(world, clock):
    other = world.other_community.street_id
    street = world.as_("demo-street")
    assert street.get(f"/api/v1/rankings?level=street&street_id={other}").status == 403
    assert street.get("/api/v1/rankings?level=county").status == 403
    assert street.get("/api/v1/rankings?street_id=99999").status == 404
    county = world.as_("demo-county")
    assert county.get(f"/api/v1/rankings?street_id={other}").data["street"]["id"] == other
    assert county.get("/api/v1/rankings?level=street").status == 422  # which street?
    assert county.get(f"/api/v1/rankings?level=county&street_id={other}").status == 422
    assert county.get("/api/v1/rankings?sort=name").status == 422  # unknown field
    assert world.as_("demo-admin").get("/api/v1/rankings").data["level"] == "county"
    for openid in ("demo-committee", "demo-resident", "demo-member-a"):
        response = world.as_(openid).get("/api/v1/rankings")
        assert response.status == 403 and response.body["msg"]
    assert world.as_(None).get("/api/v1/rankings").status == 401


def test_a_demoted_street_officer_loses_the_rankings_at_once(world, clock):
    street = world.as_("demo-street")
    assert street.get("/api/v1/rankings").status == 200
    response = world.as_("demo-admin").post("/api/v1/admin/roles/revoke", {
        "role": "street", "user_id": world.user("demo-street").id,
        "street_id": world.community.street_id})
    assert response.status == 200, response.body
    assert street.get("/api/v1/rankings").status == 403


def test_the_board_costs_a_fixed_number_of_queries(world, clock, ranked, app):
    from sqlalchemy import event

    def count(path):
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert world.client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = count("/api/v1/public/county")
    _more_communities(world, 5)
    world.submit()
    assert count("/api/v1/public/county") == before
