"""Structure import in sync mode (``--prune``) and sections moving grids by import: what the
file's communities no longer list retires (never deleted), open work blocks it, a dry run names
it, another community is never touched, and the same file again changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from server.admin.models import AuditEntry, Person, PersonPost
from server.extensions import db
from server.grid.models import Community, Grid, Section, Team, TeamMember
from server.requests.models import Request
from tests.admin.conftest import csv_bytes, upload

QS = {"第一网格": ["幸福小区片区", "庆生家园片区"], "第二网格": ["建业小区片区", "粮库家属楼片区"],
      "第三网格": ["平房区片区", "商业街片区"]}
A_POST = ["QS", "庆生社区", "镇赉镇", "第一网格", "", "A", "王晓军", "13800004001"]
B_POST = ["QS", "庆生社区", "镇赉镇", "第二网格", "建业小区片区", "B", "钱晓红", "13800004002"]


def _rows(places: dict[str, list[str]], *people) -> list[list[str]]:
    return [["QS", "庆生社区", "镇赉镇", grid, section, "", "", ""]
            for grid, sections in places.items() for section in sections] + list(people)


def _active() -> dict:
    db.session.expire_all()
    return {model.__name__: sorted(r.id for r in db.session.scalars(
        select(model).where(model.is_active.is_(True))))
        for model in (Grid, Section, Team, PersonPost, TeamMember)}


def _grid(community_code: str, name: str) -> Grid:
    return db.session.scalar(select(Grid).join(Community).where(
        Community.code == community_code, Grid.name == name))


def _section(grid: str, name: str, code: str = "QS") -> Section:
    return db.session.scalar(select(Section).where(Section.grid_id == _grid(code, grid).id,
                                                   Section.name == name))


def test_prune_retires_what_the_file_no_longer_lists_after_a_dry_run_that_names_it(
        world, admin, ctx, tmp_path):
    full = upload(admin, csv_bytes(_rows(QS, A_POST, B_POST)), "qs.csv", "?prune=true")
    assert full.status == 200, full.body
    assert full.data["retired"] == {"grids": [], "sections": [], "teams": [], "posts": []}
    before = _active()
    rows = _rows({"第一网格": QS["第一网格"], "第二网格": ["建业小区片区"]}, A_POST)
    dry = upload(admin, csv_bytes(rows), "qs.csv", "?prune=true&dry_run=true")
    assert dry.status == 200, dry.body
    retired = dry.data["retired"]
    assert [g["name"] for g in retired["grids"]] == ["第三网格"]
    assert sorted(s["name"] for s in retired["sections"]) == ["商业街片区", "平房区片区",
                                                              "粮库家属楼片区"]
    assert len(retired["teams"]) == 4  # the grid's A team and three B teams
    [post] = retired["posts"]
    assert post["name"] == "钱*" and post["phone"] == "138****4002" and post["team"]
    assert dry.data["counts"]["grids_retired"] == 1 and dry.data["counts"]["posts_retired"] == 1
    assert _active() == before  # a dry run writes nothing

    file = tmp_path / "qs.csv"
    file.write_bytes(csv_bytes(rows))
    runner = ctx.test_cli_runner()
    done = runner.invoke(args=["import", "structure", str(file), "--prune"])
    assert done.exit_code == 0, done.output
    assert "已停用 retire grid QS/第三网格" in done.output
    assert "已停用 retire section QS/第二网格/粮库家属楼片区" in done.output
    assert "钱*" in done.output and "钱晓红" not in done.output
    db.session.expire_all()
    assert not _grid("QS", "第三网格").is_active
    assert not _section("第三网格", "平房区片区").is_active
    assert not _section("第二网格", "粮库家属楼片区").is_active
    assert _section("第二网格", "建业小区片区").is_active and _grid("QS", "第二网格").is_active
    three = db.session.scalar(select(Team).where(Team.grid_id == _grid("QS", "第三网格").id))
    assert not three.is_active
    person = db.session.scalar(select(Person).where(Person.phone == "13800004002"))
    assert person is not None and [p.is_active for p in person.posts] == [False]  # kept, retired
    # another community the file does not name is left alone
    assert all(g.is_active for g in db.session.scalars(select(Grid).join(Community).where(
        Community.code == "JS")))
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.in_(["grid.retire", "section.retire", "team.retire",
                               "member.remove"]))))
    assert actions == {"grid.retire", "section.retire", "team.retire", "member.remove"}

    after = _active()
    again = runner.invoke(args=["import", "structure", str(file), "--prune"])
    assert again.exit_code == 0, again.output
    assert "停用 retire" not in again.output and "grids_retired +0" in again.output
    assert _active() == after


def test_a_place_with_open_work_is_refused_with_the_requests_and_nothing_is_written(
        world, admin, ctx, tmp_path):
    waiting = world.submit()  # in 第一网格/幸福小区片区
    other = world.submit(section_id=_section("第三网格", "商业街片区").id)
    before = _active()
    rows = _rows({"第一网格": ["庆生家园片区"], "第二网格": QS["第二网格"]})
    refused = upload(admin, csv_bytes(rows), "qs.csv", "?prune=true&dry_run=true")
    assert refused.status == 422 and refused.code == 42220, refused.body
    problems = refused.body["errors"]["rows"]
    assert len(problems) == 2 and all(p["line"] is None for p in problems)
    happy = next(p for p in problems if "幸福小区片区" in p["reason"])
    assert waiting["no"] in happy["reason"] and waiting["no"] in happy["reason_en"]
    assert "未办结" in happy["reason"] and "open requests" in happy["reason_en"]
    assert any(other["no"] in p["reason"] for p in problems)
    assert _active() == before
    file = tmp_path / "qs.csv"
    file.write_bytes(csv_bytes(rows))
    result = ctx.test_cli_runner().invoke(args=["import", "structure", str(file), "--prune"])
    assert result.exit_code == 1 and waiting["no"] in result.output
    assert "nothing written" in result.output
    assert _active() == before
    # without --prune the same file only adds, and nothing is refused
    assert upload(admin, csv_bytes(rows), "qs.csv").status == 200
    assert _active() == before


def test_a_section_listed_under_another_grid_moves_there_and_its_waiting_work_follows(
        world, admin):
    waiting = world.submit()
    assert waiting["team_id"] == world.team_a.id
    second = _grid("QS", "第二网格")
    new_a = db.session.scalar(select(Team).where(Team.grid_id == second.id))
    db.session.add(TeamMember(team_id=new_a.id, user_id=world.user("demo-member-a2").id,
                              joined_at=world.clock.now()))
    db.session.commit()
    places = {"第一网格": ["庆生家园片区"], "第二网格": [*QS["第二网格"], "幸福小区片区"],
              "第三网格": QS["第三网格"]}
    dry = upload(admin, csv_bytes(_rows(places)), "qs.csv", "?prune=true&dry_run=true")
    assert dry.status == 200, dry.body
    assert dry.data["moved"] == [{"community_code": "QS", "section": "幸福小区片区",
                                  "from_grid": "第一网格", "to_grid": "第二网格"}]
    assert dry.data["retired"]["sections"] == []  # a moved section is not missing
    assert db.session.get(Section, world.section.id).grid_id == world.section.grid_id

    done = upload(admin, csv_bytes(_rows(places)), "qs.csv", "?prune=true")
    assert done.status == 200, done.body
    assert done.data["counts"]["moved"] == 1 and done.data["counts"]["rerouted"] == 1
    assert done.data["counts"]["sections"] == 0  # moved, not created
    db.session.expire_all()
    section = db.session.get(Section, world.section.id)
    assert section.grid_id == second.id and section.is_active
    assert db.session.get(Team, world.team_b.id).section_id == section.id
    request = db.session.get(Request, waiting["id"])
    assert (request.team_id, request.grid_id, request.status) == (new_a.id, second.id,
                                                                  "dispatched")
    assert request.events[-1].action == "reroute"
    assert world.submit()["team_id"] == new_a.id  # its A-post hop is the new grid's team

    again = upload(admin, csv_bytes(_rows(places)), "qs.csv", "?prune=true")
    assert again.data["moved"] == [] and again.data["counts"]["moved"] == 0
    assert db.session.get(Section, world.section.id).grid_id == second.id
