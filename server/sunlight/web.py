"""The public pages of the sunlight list (晒单): server-rendered, no login, no scripts.

They work in a phone browser and inside the mini-program's web-view; every request shown
passes through ``server.sunlight.public`` (the whitelist).
"""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, render_template, request, url_for

from server import clock
from server.errors import DomainError, NotFound
from server.http import bounded_id
from server.requests.enums import STATUS_LABELS
from server.sunlight import charts, maps, rankings, service
from server.sunlight.caching import Rendered, conditional
from server.sunlight.figures import RATE_LABELS
from server.sunlight.public import LIGHT_LABELS
from server.sunlight.schemas import PublicListArgs, RankingWindowArgs

blp = Blueprint("sunlight", __name__, url_prefix="/sunlight")
blp.after_request(conditional)

MAX_NO = 32
HTML = "text/html"
LIST_ARGS = PublicListArgs()  # schemas load without state: one instance serves every reading


@blp.get("/")
def communities():
    """Communities with their headline figures."""
    return render_template("sunlight/index.html", board=service.communities_board(now=clock.now()))


@blp.get("/communities/<int:community_id>")
def community(community_id: int):
    """The scoreboard, the rankings, the trends and one page of the list of requests."""
    given = {k: v for k, v in request.args.items() if v != ""}
    args = LIST_ARGS.load(given)

    def page(board: dict) -> Rendered:
        return Rendered.of(render_template(
            "sunlight/community.html", board=board, args=args, status_labels=STATUS_LABELS,
            light_labels=LIGHT_LABELS, pictures=_pictures(board),
            next_url=_next_url(board, args)), HTML)

    return service.community_board(community_id=bounded_id(community_id), now=clock.now(),
                                   args=args, face="html", render=page).response()


@blp.get("/county")
def county():
    """The county's streets and communities ranked on the three rates, month by month."""
    board = rankings.county_board(now=clock.now(), **_window_args())
    return render_template("sunlight/rankings.html", board=board, pictures=_ranking_pictures(board))


@blp.get("/streets/<int:street_id>")
def street(street_id: int):
    """One street's communities ranked within it, and the street's place in the county."""
    board = rankings.street_board(street_id=bounded_id(street_id), now=clock.now(),
                                  **_window_args())
    return render_template("sunlight/rankings.html", board=board, pictures=_ranking_pictures(board))


def _window_args() -> dict:
    return RankingWindowArgs().load({k: v for k, v in request.args.items() if v != ""})


def _ranking_pictures(board: dict) -> dict:
    out = {"communities": charts.rate_bars(
        "各社区三率均值", [(c["name"], c["score"]) for c in board["communities"]])}
    if board["streets"]:
        out["streets"] = charts.rate_bars(
            "各街道三率均值", [(s["name"], s["score"]) for s in board["streets"]])
    return out


@blp.get("/requests/<no>")
def request_page(no: str):
    """One request's public timeline."""
    if len(no) > MAX_NO:
        raise NotFound("诉求不存在")
    return service.public_request_page(
        no=no, now=clock.now(), face="html",
        render=lambda detail: Rendered.of(render_template("sunlight/request.html", r=detail),
                                          HTML)).response()


def _next_url(board: dict, args: dict) -> str | None:
    cursor = board["requests"]["next_cursor"]
    if cursor is None:
        return None
    kept = {k: v for k, v in args.items() if v is not None and k != "cursor"}
    return url_for(".community", community_id=board["community"]["id"], cursor=cursor, **kept)


def _pictures(board: dict) -> dict:
    weeks = board["weekly"]
    return {
        "map": maps.svg(board["map"], f"{board['community']['name']}片区地图"),
        "daily": charts.bars("每日诉求量", [(d["day"][5:], d["count"]) for d in board["daily"]]),
        "weekly": charts.lines("近八周各项比率", [w["week_start"][5:] for w in weeks],
                               {label: [w[key] for w in weeks]
                                for key, label in RATE_LABELS.items()}),
    }


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return render_template("sunlight/error.html", status=error.status, msg=error.msg), error.status


@blp.errorhandler(ma.ValidationError)
def _bad_filter(error: ma.ValidationError):
    return render_template("sunlight/error.html", status=422, msg="筛选条件无效"), 422
