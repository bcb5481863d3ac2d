"""Use cases of the sunlight list: the public boards, the committee's stats, the weekly report.

Faces (HTML pages, JSON twins, the stats API, the job) call these and only format the result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.accounts import service as accounts
from server.accounts.enums import Role
from server.accounts.models import User
from server.discovery import emit
from server.errors import Forbidden, Invalid, NotFound
from server.extensions import db
from server.grid import queries as grid_queries
from server.grid.models import Community, Grid, Team
from server.notifications.service import notify
from server.requests.models import Request
from server.sunlight import boardcache, figures, maps, queries
from server.sunlight.figures import Figures
from server.sunlight.models import WeeklyReport
from server.sunlight.public import department_codes, display_name, local, public_request, public_timeline
from server.sunlight.schemas import PublicListArgs
from server.uploads.service import url_for_photo

TREND_WEEKS = 8
FIRST_PAGE = PublicListArgs().load({})  # the public list's arguments when none is given
# Event asked of other domains for a community's public warning cards (server.cards): each
# listener returns a list of {team, colour, label, rule, issued_on, expires_on}.
PUBLIC_CARDS = "sunlight.public_cards"


# --- local calendar -----------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def day_start(day: date) -> datetime:
    """Local midnight of ``day``, as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=_zone())


def local_day(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def week_start(moment: datetime) -> datetime:
    """Local Monday 00:00 of the week holding ``moment``."""
    today = local_day(moment)
    return day_start(today - timedelta(days=today.weekday()))


def public_window(now: datetime) -> tuple[datetime, datetime]:
    """The public pages' window: the last ``SUNLIGHT_WINDOW_DAYS`` local days, today included
    (up to ``now``, and anything stamped later by a clock a little ahead)."""
    days = current_app.config.get("SUNLIGHT_WINDOW_DAYS", 30)
    return day_start(local_day(now) - timedelta(days=days - 1)), now


# --- public boards -------------------------------------------------------------------------


def headline(f: Figures) -> dict:
    return f.to_dict()


def communities_board(*, now: datetime) -> dict:
    """Every active community with its headline figures: two queries in all."""
    start, end = public_window(now)
    by_community = figures.figures_for(now=now, group="community", start=start, middles=True)
    return {
        "window": {"start": local(start), "end": local(end)},
        "items": [
            {"id": c.id, "name": c.name, "district": c.district,
             "figures": headline(by_community.get(c.id, Figures()))}
            for c in grid_queries.communities()
        ],
    }


def community_board(*, community_id: int, now: datetime, args: dict,
                    render: Callable[[dict], Any] | None = None, face: str = "board"):
    """The scoreboard and one page of the list of a community: a fixed number of queries.

    ``render`` turns the board into what a face sends (a page, a JSON body); the rendering is
    kept a few seconds while nothing changes (``server.sunlight.boardcache``), one per ``face``.
    """
    def board():
        community = queries.active_community(community_id)
        if community is None:
            raise NotFound("社区不存在")
        return _community_board(community, now=now, args=args)

    def version():
        return boardcache.community_version(community_id)

    given = sorted((k, v) for k, v in args.items() if v is not None)

    def compute():
        if render is None:
            return board()
        # One computation serves every face read under the same version within half a
        # lifetime: the scheduler renders the page, then the JSON, from one board (computed
        # per face, when its figures were still summed in Python, the refresher fell behind at
        # city scale; the busiest city board is still about 0.1 s, most of it PostgreSQL's).
        # Half a lifetime is the refresher's own period, so each of its rounds still computes
        # the board afresh.
        return render(boardcache.cached(("community", community_id, "board-data", *given), now,
                                        board, version=version, until=_half_a_lifetime))

    key = ("community", community_id, face, *given)
    # The first page, unfiltered, is what nearly everyone reads: shared by every worker and
    # kept fresh by the scheduler (``boardcache``); filtered pages stay each worker's own.
    return boardcache.cached(key, now, compute, version=version,
                             shared=render is not None and args == FIRST_PAGE)


def _half_a_lifetime(_version, now: datetime) -> datetime:
    return now + timedelta(seconds=current_app.config["SUNLIGHT_BOARD_CACHE_SECONDS"] / 2)


def _community_board(community: Community, *, now: datetime, args: dict) -> dict:
    start, end = public_window(now)
    grids = queries.grids_of(community.id)
    teams = queries.teams_of(community.id)
    page = queries.public_list(community_id=community.id, now=now, args=args)
    by, days, weeks = board_figures(community.id, now=now)
    users = queries.users_by_id([r.handler_id for r in page["items"]]
                                + [handler for _team, handler in by["member"]])
    return {
        "community": {"id": community.id, "name": community.name, "district": community.district},
        "window": {"start": local(start), "end": local(end)},
        "figures": headline(by["community"][None]),
        "teams": _team_ranking(by["team"], teams),
        "members": _member_ranking(by["member"], teams, users),
        "daily": [{"day": local_day(day).isoformat(), "count": by["day"].get(i, Figures()).total}
                  for i, day in enumerate(days[:-1])],
        "weekly": [{"week_start": local_day(week).isoformat(), **_trend(by["week"].get(i))}
                   for i, week in enumerate(weeks[:-1])],
        "map": maps.community_map(community.id, now),
        "cards": [card for found in emit(PUBLIC_CARDS, community_id=community.id, now=now)
                  for card in found],
        "filters": {
            "grids": [{"id": g.id, "name": g.name} for g in grids.values() if g.is_active],
            "categories": [{"code": c.code, "name": c.name} for c in queries.active_categories()],
        },
        "requests": {
            "items": [public_request(r, now=now, grids=grids, teams=teams, users=users)
                      for r in page["items"]],
            "next_cursor": page["next_cursor"],
        },
    }


def board_figures(community_id: int, *, now: datetime) -> tuple[dict, list, list]:
    """A community board's figures, counted by the database in one statement: the window's
    headline, by team (the team now responsible), by member (team, handler), the requests of
    each local day of the window and the figures of each of the last ``TREND_WEEKS`` weeks.

    Returns the groupings (days and weeks keyed by their index) and the bounds of the days and
    of the weeks (each span from one bound to the next; the last bound closes the last span).
    """
    start, _end = public_window(now)
    first_week = week_start(now) - timedelta(weeks=TREND_WEEKS - 1)
    # local midnights, each computed from its local day (a fixed zone has no DST; stay exact)
    weeks = [day_start(local_day(first_week + timedelta(weeks=i))) for i in range(TREND_WEEKS + 1)]
    first_day = local_day(start)
    days = [day_start(first_day + timedelta(days=i))
            for i in range((local_day(now) - first_day).days + 2)]
    submitted, team, handler = Request.submitted_at, Request.team_id, Request.handler_id
    recent = submitted >= start
    by = figures.groupings({
        "community": figures.Grouping(where=recent),
        "team": figures.Grouping(keys=(team,), where=recent & team.is_not(None)),
        "member": figures.Grouping(keys=(team, handler), where=recent & handler.is_not(None)),
        "week": figures.Grouping(keys=(figures.bucket(submitted, weeks),),
                                 where=(submitted >= weeks[0]) & (submitted < weeks[-1])),
        "day": figures.Grouping(keys=(figures.bucket(submitted, days),),
                                where=recent & (submitted < days[-1])),
    }, now=now, start=min(start, weeks[0]), community_id=community_id, middles=True)
    return by, days, weeks


def _trend(f: Figures | None) -> dict:
    f = f or Figures()
    return {"total": f.total, **{k: getattr(f, k) for k in figures.RATE_LABELS}}


def _rank_key(item: dict):
    f = item["figures"]
    return (-(f["on_time_rate"] or 0), -(f["response_rate"] or 0), -(f["satisfaction_rate"] or 0),
            -f["total"])


def _team_ranking(by_team: dict, teams: dict) -> list[dict]:
    items = [{"team": teams[tid].name if tid in teams else "—", "post": teams[tid].post
              if tid in teams else None, "figures": headline(f)} for tid, f in by_team.items()]
    items.sort(key=lambda i: (_rank_key(i), i["team"]))
    return [{"rank": n, **item} for n, item in enumerate(items, 1)]


def _member_ranking(by_member: dict, teams: dict, users: dict) -> list[dict]:
    items = [{"name": display_name(users.get(handler)),
              "team": teams[tid].name if tid in teams else "—", "figures": headline(f),
              "_id": handler} for (tid, handler), f in by_member.items()]
    items.sort(key=lambda i: (_rank_key(i), i["_id"]))
    return [{"rank": n, **{k: v for k, v in item.items() if k != "_id"}}
            for n, item in enumerate(items, 1)]


def public_request_page(*, no: str, now: datetime, face: str,
                        render: Callable[[dict], Any]):
    """One request's public page as ``render`` makes it from ``public_request_detail``, kept
    while the request does not change and its light stays (``server.sunlight.boardcache``)."""
    return boardcache.cached(("request", no, face), now,
                             lambda: render(public_request_detail(no=no, now=now)),
                             version=lambda: boardcache.request_version(no),
                             until=boardcache.request_light_changes,
                             family=(boardcache.request_versions, no))


def public_request_detail(*, no: str, now: datetime) -> dict:
    request = queries.by_no(no)
    if request is None:
        raise NotFound("诉求不存在")
    users = queries.users_by_id([request.handler_id] + [e.actor_id for e in request.events])
    grids = queries.grids_of(request.community_id)
    teams = queries.teams_of(request.community_id)
    community = queries.active_community(request.community_id)  # without its grids' sections
    return {
        **public_request(request, now=now, grids=grids, teams=teams, users=users),
        "community": {"id": community.id, "name": community.name},
        "timeline": public_timeline(request, users=users, photo_url=url_for_photo,
                                    departments=queries.department_names(department_codes(request))),
    }


# --- the committee's stats -----------------------------------------------------------------


def stats_scope(*, user: User, community_id: int | None) -> int | None:
    """Which community ``user`` may read figures of: admin any (None: all), committee their own."""
    roles = set(user.roles)
    if community_id is not None and queries.active_community(community_id) is None:
        raise NotFound("社区不存在")
    if Role.ADMIN in roles:
        return community_id
    mine = accounts.committee_communities(user)
    if not mine:
        raise Forbidden("只有社区两委或平台管理员可以查看统计")
    if community_id is None:
        return mine[0]
    if community_id not in mine:
        raise Forbidden("只能查看本社区的统计")
    return community_id


def stats(*, user: User, now: datetime, community_id: int | None, group: str,
          start: date | None, end: date | None, channel: str = "resident") -> dict:
    """Figures by group over a window of local days (``end`` included; default: last 30), of
    residents' requests or of members' patrol reports (``channel``)."""
    scope = stats_scope(user=user, community_id=community_id)
    end = end or local_day(now)
    start = start or end - timedelta(days=29)
    if start > end:
        raise Invalid("开始日期不能晚于结束日期", errors={"start": ["after end"]})

    def compute() -> dict:
        begin, finish = day_start(start), day_start(end + timedelta(days=1))
        result = figures.figures_for(now=now, group=group, start=begin, end=finish,
                                     community_id=scope, channel=channel, middles=True)
        names = _group_names(group, [k for k in result if k is not None])
        items = [{"key": key, "name": names.get(key, "全部" if key is None else str(key)),
                  **result[key].to_dict()}
                 for key in sorted(result, key=lambda k: (k is None, k or 0))]
        return {"community_id": scope, "group": group, "channel": channel,
                "start": start.isoformat(), "end": end.isoformat(), "generated_at": local(now),
                "items": items}

    if scope is None:  # every community: no version short of reading them all
        return compute()
    # Once allowed, everyone who may read a community's figures reads the same: kept a few
    # seconds while nothing of the community changes (``boardcache``; a city community's
    # 30 days take one statement of about 45 ms), ``generated_at`` saying when they were made.
    return boardcache.cached(("stats", scope, group, channel, start, end), now, compute,
                             version=lambda: boardcache.community_version(scope))


def _group_names(group: str, keys: list) -> dict:
    model = {"community": Community, "grid": Grid, "team": Team, "member": User}[group]
    if not keys:
        return {}
    found = db.session.execute(select(model).where(model.id.in_(keys))).scalars()
    if group == "member":
        return {u.id: u.name or u.nickname or f"#{u.id}" for u in found}
    return {row.id: row.name for row in found}


# --- the weekly report (每周会商) -----------------------------------------------------------


def store_weekly_reports(*, now: datetime) -> int:
    """Freeze last week's figures for each active community and tell its committee.

    State-based: a week already stored is skipped, so running late or twice does no harm.
    """
    end = week_start(now)
    start = day_start(local_day(end) - timedelta(days=7))
    done = set(db.session.scalars(
        select(WeeklyReport.community_id).where(WeeklyReport.week_start == start)))
    stored = 0
    for community in grid_queries.communities():
        if community.id in done:
            continue
        grouped = figures.groupings(
            {"community": figures.grouping_by(None),
             **{group: figures.grouping_by(group) for group in ("grid", "team", "member")}},
            now=now, start=start, end=end, community_id=community.id, middles=True)
        report = {"community": grouped.pop("community")[None].to_dict()}
        for group, by_key in grouped.items():
            report[group] = {str(k): f.to_dict() for k, f in by_key.items()}
        db.session.add(WeeklyReport(community_id=community.id, week_start=start, week_end=end,
                                    figures=report, created_at=now))
        notify(user_ids=accounts.committee_of(community.id), kind="weekly_report",
               title=f"{community.name}周报（{_md(start)}–{_md(end - timedelta(days=1))}）",
               body=_summary(report["community"]), now=now,
               data={"community_id": community.id, "week_start": local_day(start).isoformat()})
        stored += 1
    db.session.commit()
    return stored


def _md(moment: datetime) -> str:
    day = local_day(moment)
    return f"{day.month}月{day.day}日"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _summary(f: dict) -> str:
    return (f"上周共收到诉求{f['total']}件，办结{f['closed']}件，超期未办结{f['open_overdue']}件；"
            f"响应率{_percent(f['response_rate'])}，解决率{_percent(f['resolution_rate'])}，"
            f"满意率{_percent(f['satisfaction_rate'])}，按时办结率{_percent(f['on_time_rate'])}。")


def weekly_reports_query(*, user: User, community_id: int | None):
    scope = stats_scope(user=user, community_id=community_id)
    query = select(WeeklyReport)
    return query.where(WeeklyReport.community_id == scope) if scope is not None else query
