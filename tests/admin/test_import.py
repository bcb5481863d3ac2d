"""Loading a county from a spreadsheet: all or nothing, every bad row named, re-import inert."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from server.accounts import service as accounts
from server.admin.models import AuditEntry, CommitteeSeat, Person, PersonPost
from server.extensions import db
from server.grid.models import Community, Grid, Section, Team
from tests.admin.conftest import HEADER, SEED, count, csv_bytes, upload
from tests.factories import reread

TABLES = (Community, Grid, Section, Team, Person, PersonPost, CommitteeSeat)


def _snapshot() -> dict:
    return {model.__name__: count(model) for model in TABLES}


def test_the_sample_county_loads_from_the_command_line_and_reloads_as_a_no_op(ctx):
    runner = ctx.test_cli_runner()
    sample = str(SEED / "structure_sample.xlsx")
    first = runner.invoke(args=["import", "structure", sample])
    assert first.exit_code == 0, first.output
    assert "communities +6" in first.output
    loaded = _snapshot()
    assert loaded["Community"] == 6 and loaded["Grid"] == 24
    assert loaded["Team"] == loaded["Grid"] + loaded["Section"]
    assert loaded["CommitteeSeat"] == 18 and loaded["PersonPost"] > 150
    # Every B-post person sits on the B team of a section, every A-post one on a grid's team.
    kinds = {(t.post, t.grid_id is not None) for t in db.session.scalars(
        select(Team).join(PersonPost, PersonPost.team_id == Team.id))}
    assert kinds == {("A", True), ("B", False)}

    again = runner.invoke(args=["import", "structure", sample])
    assert again.exit_code == 0, again.output
    assert "communities +0, grids +0, sections +0, teams +0, people +0, posts +0" in again.output
    assert _snapshot() == loaded
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import.structure")
                               .order_by(AuditEntry.id)).all()
    assert len(audit) == 2 and audit[0].actor_id is None and audit[1].data["people"] == 0


def test_the_template_loads_through_the_api_and_a_dry_run_writes_nothing(world, admin):
    data = (SEED / "structure_template.csv").read_bytes()
    before = _snapshot()
    dry = upload(admin, data, "structure_template.csv", "?dry_run=true")
    assert dry.status == 200, dry.body
    assert dry.data["dry_run"] is True and dry.data["counts"]["people"] == 3
    assert _snapshot() == before

    done = upload(admin, data, "structure_template.csv")
    assert done.status == 200 and done.data["counts"]["people"] == 3
    assert done.data["counts"]["posts"] == 2 and done.data["counts"]["committee_seats"] == 1
    assert upload(admin, data, "structure_template.csv").data["counts"]["people"] == 0
    xlsx = upload(admin, (SEED / "structure_template.xlsx").read_bytes(), "t.xlsx")
    assert xlsx.status == 200 and set(xlsx.data["counts"].values()) == {0}


@pytest.mark.parametrize("openid", ["demo-committee", "demo-resident"])
def test_only_admins_import_through_the_api(world, openid):
    response = upload(world.as_(openid), (SEED / "structure_template.csv").read_bytes(), "t.csv")
    assert response.status == 403
    assert count(Person) == 0


GOOD = ["WH", "文化社区", "镇赉镇", "第一网格", "阳光片区", "B", "张晓东", "13800003001"]

BAD_ROWS = [
    ({"community_code": ""}, "community_code", "缺少社区编码"),
    ({"community_code": "W-H"}, "community_code", "字母和数字"),
    ({"community_code": "NEW", "community_name": ""}, "community_name", "新社区必须填写社区名称"),
    ({"grid": ""}, "grid", "缺少网格"),
    ({"section": ""}, "section", "B岗成员必须填写片区"),
    ({"post": "C"}, "post", "岗位只能是"),
    ({"post": ""}, "post", "缺少岗位"),
    ({"name": ""}, "name", "缺少姓名"),
    ({"phone": ""}, "phone", "缺少手机号"),
    ({"phone": "1234567"}, "phone", "手机号格式不正确"),
    ({"name": "", "phone": ""}, "name", "缺少姓名和手机号"),
    ({"grid": "网" * 65}, "grid", "超过64个字符"),
]
KEYS = ["community_code", "community_name", "district", "grid", "section", "post", "name", "phone"]


@pytest.mark.parametrize(("change", "column", "reason"), BAD_ROWS,
                         ids=[f"{c}-{r}" for _, c, r in BAD_ROWS])
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_written(
        world, admin, change, column, reason):
    bad = [change.get(k, v) for k, v in zip(KEYS, GOOD, strict=True)]
    rows = [GOOD, ["WH", "文化社区", "", "第二网格", "", "A", "李春梅", "13800003002"], bad]
    before = _snapshot()
    response = upload(admin, csv_bytes(rows), "county.csv")
    assert response.status == 422, response.body
    assert response.code == 42220
    [error] = response.body["errors"]["rows"]
    assert error["line"] == 4 and error["column"] == column, error
    assert reason in error["reason"] and error["reason_en"]
    assert _snapshot() == before


def test_rows_that_contradict_each_other_or_the_database(world, admin):
    rows = [
        GOOD,
        ["WH", "文化社区二", "", "", "", "", "", ""],  # same code, another name
        ["WH", "文化社区", "", "第一网格", "", "A", "王某", "13800003001"],  # phone, other name
        ["QS", "庆生社区", "", world.section.grid.name, "", "A", "赵某", "13800003009"],
    ]
    admin.post(f"/api/v1/admin/teams/{world.team_b.id}/members",
               {"name": "钱某", "phone": "13800003009"})
    admin.call("PATCH", f"/api/v1/admin/teams/{world.team_a.id}", json={"is_active": False})
    before = _snapshot()
    response = upload(admin, csv_bytes(rows), "county.csv")
    assert response.status == 422
    found = [(e["line"], e["column"]) for e in response.body["errors"]["rows"]]
    assert found == [(3, "community_name"), (4, "phone"), (5, "phone"), (5, "post")]
    assert _snapshot() == before


def test_every_bad_row_is_listed_at_once(world, admin):
    rows = [GOOD, [*GOOD[:5], "X", *GOOD[6:]], GOOD, [*GOOD[:7], "1"], [""] * 8]
    response = upload(admin, csv_bytes(rows), "county.csv")
    assert [e["line"] for e in response.body["errors"]["rows"]] == [3, 5]


@pytest.mark.parametrize(("filename", "data", "reason"), [
    ("county.txt", b"whatever", "只支持"),
    ("county.xlsx", b"not a zip", "无法读取"),
    ("county.csv", b"", "文件为空"),
    ("county.csv", csv_bytes([GOOD], header=HEADER[:-1]), "缺少列「手机号」"),
    ("county.csv", csv_bytes([]), "没有数据行"),
])
def test_unreadable_files_are_refused(world, admin, filename, data, reason):
    response = upload(admin, data, filename)
    assert response.status == 422
    assert reason in response.body["errors"]["rows"][0]["reason"]
    assert count(Community) == 2
    if filename == "county.txt":  # about the file, not about a line of it
        assert response.body["errors"]["rows"][0]["line"] is None


def test_the_file_itself_is_named_not_a_line_zero_and_a_dry_run_says_it_keeps_nothing(world):
    from server.admin.importer import RowError, import_structure

    assert RowError(None, None, "只支持 .xlsx 或 .csv 文件", "only .xlsx or .csv").render() == \
        "文件：只支持 .xlsx 或 .csv 文件 / file: only .xlsx or .csv"
    labels = []

    def track(items, _length, label):
        labels.append(label)
        return items

    data = (SEED / "structure_template.csv").read_bytes()
    report = import_structure(filename="t.csv", data=data, actor=None, now=world.clock.now(),
                              dry_run=True, track=track)
    assert report.ok and not any("写入" in label or "writing" in label for label in labels), labels
    labels.clear()
    import_structure(filename="t.csv", data=data, actor=None, now=world.clock.now(), track=track)
    assert "写入 writing" in labels


def test_excel_numbers_gbk_csv_and_english_headers_are_understood(world, admin):
    book = Workbook()
    book.active.append(["community_code", "community_name", "district", "grid", "section",
                        "post", "name", "phone"])
    book.active.append(["wh", "文化社区", None, "第一网格", None, "A", "张晓东", 13800003001])
    out = io.BytesIO()
    book.save(out)
    response = upload(admin, out.getvalue(), "county.xlsx")
    assert response.status == 200, response.body
    assert db.session.scalar(select(Person.phone)) == "13800003001"
    gbk = csv_bytes([GOOD]).decode("utf-8-sig").encode("gb18030")
    assert upload(admin, gbk, "county.csv").data["counts"]["posts"] == 1


def test_a_typed_phone_never_links_an_imported_person(world, admin):
    typed = world.as_("demo-resident").post("/api/v1/me/phone", {"phone": "138 0000 3001"})
    assert typed.status == 200 and typed.data["phone_verified"] is False
    response = upload(admin, csv_bytes([GOOD]), "county.csv")
    assert response.data["counts"]["linked"] == 0
    assert not accounts.has_role(reread(world.user("demo-resident")), "member")


def test_an_import_links_people_whose_phone_a_user_already_bound(world, admin):
    bound = world.as_("demo-resident").post("/api/v1/me/phone", {"code": "phone-13800003001"})
    assert bound.status == 200 and bound.data["phone_verified"] is True
    resident = world.user("demo-resident")
    response = upload(admin, csv_bytes([GOOD]), "county.csv")
    assert response.data["counts"]["linked"] == 1
    team = db.session.scalar(select(Team).join(Section, Section.id == Team.section_id)
                             .where(Section.name == "阳光片区"))
    assert team.id in {t.id for t in __import__("server.grid.queries", fromlist=["x"])
                       .teams_of(resident.id)}
    assert accounts.has_role(reread(resident), "member")


def test_the_command_lists_bad_rows_in_both_languages_and_fails(ctx, tmp_path):
    bad = tmp_path / "county.csv"
    bad.write_bytes(csv_bytes([GOOD, [*GOOD[:7], "1"]]))
    result = ctx.test_cli_runner().invoke(args=["import", "structure", str(bad)])
    assert result.exit_code == 1
    assert "第3行 [phone] 手机号格式不正确 / line 3: phone is not a valid" in result.output
    assert "nothing written" in result.output
    assert count(Community) == 0 and count(Person) == 0


def test_the_admin_api_is_in_the_openapi_document(world):
    paths = world.client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/admin/communities", "/api/v1/admin/roles/grant",
                 "/api/v1/admin/imports/structure", "/api/v1/admin/teams/{team_id}/members",
                 "/api/v1/admin/invitations", "/api/v1/me/invitation"):
        assert path in paths, path


def test_the_template_has_its_own_example_community():
    import json

    demo = json.loads((SEED / "demo.json").read_text(encoding="utf-8"))
    demo_codes = {c["code"] for c in demo["communities"]}
    rows = list(csv.reader(io.StringIO((SEED / "structure_template.csv").read_text(encoding="utf-8-sig"))))
    assert {row[0] for row in rows[1:]}.isdisjoint(demo_codes), "importing the template would edit a demo community"
    sheet = load_workbook(SEED / "structure_template.xlsx").worksheets[0]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}.isdisjoint(demo_codes)
