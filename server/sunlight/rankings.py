"""Rankings above the community: communities within their street and the county, streets within
the county, over a month or any window of local days (docs/levels.md says the same in words).

The figures are ``server.sunlight.figures``, unchanged: one ``figures_for`` by community over the
window; a street's figures are its communities' requests together (counts added, durations
pooled, so its medians are the medians of all of them), the county's are every request's.

- Rank: by the mean of the three rates (三率: 响应率, 解决率, 满意率) that have a figure
  (``score``), highest first; equal scores share a rank (1, 2, 2, 4); a community or street
  without any of the three has no rank and is listed last. Ties are listed by requests received,
  then by id.
- Flags (staff only): each of the four rates of an item is compared with the same rate of its
  peers (the communities of its street, the communities of the county, the streets of the
  county). With Q1 and Q3 the quartiles of the peers' values (linear interpolation between
  order statistics, Python's ``statistics.quantiles(method="inclusive")``, Excel's
  ``QUARTILE.INC``) and IQR = Q3 − Q1, a rate below Q1 − 1.5·IQR is flagged ``low`` and one above
  Q3 + 1.5·IQR ``high``. Only when at least four peers (the item included) have a figure for
  that rate; with fewer nothing is flagged.
"""

from __future__ import annotations

import statistics
from calendar import monthrange
from datetime import date, datetime, timedelta

from sqlalchemy import select

from server.accounts.enums import Role
from server.accounts.models import User
from server.accounts.service import street_ids_of
from server.errors import Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid.models import Community, Street
from server.sunlight import figures
from server.sunlight.figures import RATE_LABELS, Figures
from server.sunlight.service import day_start, local, local_day

SCORED = ("response_rate", "resolution_rate", "satisfaction_rate")  # 三率
FLAGGED = tuple(RATE_LABELS)  # the three rates and the on-time rate
MIN_PEERS = 4
FENCE = 1.5
FLAG_LABELS = {"low": "明显偏低", "high": "明显偏高"}


# --- the window ------------------------------------------------------------------------------


def window(*, now: datetime, month: str | None = None, start: date | None = None,
           end: date | None = None) -> dict:
    """A month (``YYYY-MM``) or local days ``start``..``end`` (both included); default: the
    current month. ``start`` alone runs to today, ``end`` alone from the first of its month."""
    if month is not None and (start is not None or end is not None):
        raise Invalid("按月或按起止日期查询，二者只能选一",
                      errors={"month": ["month cannot be combined with start or end"]})
    if month is None and start is None and end is None:
        today = local_day(now)
        month = f"{today.year:04d}-{today.month:02d}"
    if month is not None:
        year, number = int(month[:4]), int(month[5:])
        start = date(year, number, 1)
        end = date(year, number, monthrange(year, number)[1])
    else:
        end = end or local_day(now)
        start = start or end.replace(day=1)
    if start > end:
        raise Invalid("开始日期不能晚于结束日期", errors={"start": ["after end"]})
    return {"month": month, "start": start, "end": end,
            "begin": day_start(start), "finish": day_start(end + timedelta(days=1))}


def neighbours(month: str | None) -> dict:
    """The months before and after ``month`` (for links), or nothing for a window of days."""
    if month is None:
        return {"previous": None, "next": None}
    year, number = int(month[:4]), int(month[5:])
    before = (year, number - 1) if number > 1 else (year - 1, 12)
    after = (year, number + 1) if number < 12 else (year + 1, 1)
    return {"previous": f"{before[0]:04d}-{before[1]:02d}", "next": f"{after[0]:04d}-{after[1]:02d}"}


# --- the rules ---------------------------------------------------------------------------------


def merge(parts) -> Figures:
    """The figures of the requests of several groups together (each request is in one group)."""
    out = Figures()
    for f in parts:
        out.merge(f)
    return out


def score(f: Figures) -> float | None:
    """The mean of the three rates that have a figure; None when none has."""
    values = [getattr(f, rate) for rate in SCORED if getattr(f, rate) is not None]
    return round(sum(values) / len(values), 4) if values else None


def rank(items: list[dict]) -> dict:
    """``{id: rank}`` by ``score``, highest first; equal scores share a rank; no score: None."""
    scored = sorted((i for i in items if i["score"] is not None), key=lambda i: -i["score"])
    out, previous, place = {}, None, 0
    for n, item in enumerate(scored, 1):
        if item["score"] != previous:
            place, previous = n, item["score"]
        out[item["id"]] = place
    return {**{i["id"]: None for i in items}, **out}


def outliers(values: dict) -> dict:
    """``{key: "low"|"high"}`` for the values beyond 1.5 IQR of the others' quartiles; nothing
    with fewer than four values (``None`` values are not values)."""
    present = {k: v for k, v in values.items() if v is not None}
    if len(present) < MIN_PEERS:
        return {}
    q1, _median, q3 = statistics.quantiles(sorted(present.values()), n=4, method="inclusive")
    low, high = q1 - FENCE * (q3 - q1), q3 + FENCE * (q3 - q1)
    return {k: "low" if v < low else "high" for k, v in present.items() if v < low or v > high}


def flags(items: list[dict]) -> dict:
    """``{id: {rate: "low"|"high"}}`` of ``items`` among themselves, for each of the four rates."""
    out: dict = {i["id"]: {} for i in items}
    for rate in FLAGGED:
        for key, direction in outliers({i["id"]: i["figures"][rate] for i in items}).items():
            out[key][rate] = direction
    return out


def _order(items: list[dict], rank_field: str) -> list[dict]:
    return sorted(items, key=lambda i: (i[rank_field] is None, i[rank_field] or 0,
                                        -i["figures"]["total"], i["id"]))


# --- the boards --------------------------------------------------------------------------------


def _county(now: datetime, span: dict) -> dict:
    """Everything both levels show: streets and communities ranked, with their flags."""
    by_community = figures.figures_for(now=now, group="community", start=span["begin"],
                                       end=span["finish"])
    every = list(db.session.execute(
        select(Community.id, Community.name, Community.street_id, Community.is_active)
        .order_by(Community.id)))
    streets = list(db.session.scalars(
        select(Street).where(Street.is_active.is_(True)).order_by(Street.id)))
    names = {s.id: s.name for s in streets}
    communities = [
        {"id": c.id, "name": c.name, "street_id": c.street_id if c.street_id in names else None,
         "street": names.get(c.street_id), "_figures": by_community.get(c.id, Figures())}
        for c in every if c.is_active]
    for item in communities:
        item["figures"] = item["_figures"].to_dict()
        item["score"] = score(item["_figures"])
    street_items = []
    for s in streets:
        mine = [by_community[c.id] for c in every if c.street_id == s.id and c.id in by_community]
        f = merge(mine)
        street_items.append({
            "id": s.id, "name": s.name, "figures": f.to_dict(), "score": score(f),
            "communities": sum(1 for c in communities if c["street_id"] == s.id)})
    county_ranks, county_flags = rank(communities), flags(communities)
    for item in communities:
        item["rank_in_county"] = county_ranks[item["id"]]
        item["flags_in_county"] = county_flags[item["id"]]
        item["rank_in_street"], item["flags_in_street"] = None, {}
        del item["_figures"]
    for s in streets:
        peers = [c for c in communities if c["street_id"] == s.id]
        ranks, marks = rank(peers), flags(peers)
        for item in peers:
            item["rank_in_street"], item["flags_in_street"] = ranks[item["id"]], marks[item["id"]]
    ranks, marks = rank(street_items), flags(street_items)
    for item in street_items:
        item["rank"], item["flags"] = ranks[item["id"]], marks[item["id"]]
    county = merge(by_community.values())
    return {
        "month": span["month"], **neighbours(span["month"]),
        "window": {"start": span["start"].isoformat(), "end": span["end"].isoformat()},
        "generated_at": local(now),
        "figures": county.to_dict(), "score": score(county),
        "streets": _order(street_items, "rank"),
        "communities": _order(communities, "rank_in_county"),
    }


def county_board(*, now: datetime, month: str | None = None, start: date | None = None,
                 end: date | None = None) -> dict:
    board = _county(now, window(now=now, month=month, start=start, end=end))
    return {"level": "county", "street": None, **board}


def street_board(*, street_id: int, now: datetime, month: str | None = None,
                 start: date | None = None, end: date | None = None) -> dict:
    street = db.session.get(Street, street_id)
    if street is None or not street.is_active:
        raise NotFound("街道不存在")
    span = window(now=now, month=month, start=start, end=end)
    board = _county(now, span)
    mine = next(s for s in board["streets"] if s["id"] == street_id)
    peers = [c for c in board["communities"] if c["street_id"] == street_id]
    return {**board, "level": "street", "street": mine, "figures": mine["figures"],
            "score": mine["score"], "streets": [], "communities": _order(peers, "rank_in_street")}


# --- staff -------------------------------------------------------------------------------------


def staff_rankings(*, user: User, now: datetime, level: str | None, street_id: int | None,
                   month: str | None, start: date | None, end: date | None) -> dict:
    """The county's or one street's rankings with the flags: street staff their own street,
    the county centre and admins any level and street."""
    roles = set(user.roles)
    if street_id is not None and db.session.get(Street, street_id) is None:
        raise NotFound("街道不存在")
    everything = Role.ADMIN in roles or Role.COUNTY in roles
    mine = [] if everything else street_ids_of(user)
    if not everything and not mine:
        raise Forbidden("只有街道、县城乡治理服务中心或平台管理员可以查看排名")
    if level is None:
        level = "street" if street_id is not None or not everything else "county"
    if level == "county":
        if not everything:
            raise Forbidden("街道只能查看本街道的排名")
        if street_id is not None:
            raise Invalid("县级排名不按街道筛选", errors={"street_id": ["only with level=street"]})
        return county_board(now=now, month=month, start=start, end=end)
    if street_id is None:
        if not mine:
            raise Invalid("请指定街道", errors={"street_id": ["required for level=street"]})
        street_id = mine[0]
    if not everything and street_id not in mine:
        raise Forbidden("只能查看本街道的排名")
    return street_board(street_id=street_id, now=now, month=month, start=start, end=end)
