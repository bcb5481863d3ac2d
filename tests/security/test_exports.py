"""One control character must not break an export; a formula start must not run.

Names arrive through the API (cleaned at input) but also through imports and older data, so
the exports clean what they write as well.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import update

from server.extensions import db
from server.grid.models import Team
from server.inservice.models import Registration
from server.sheets import cell
from tests.inservice.conftest import approved


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_becomes_a_cell_xlsx_can_hold_and_no_formula(text):
    value = cell(text)
    Workbook().active.append([value])  # raises IllegalCharacterError on what XLSX cannot hold
    assert value[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_csv_and_xlsx_neutralise_a_leading_tab():
    assert cell("\t=1+1") == "'\t=1+1" and cell("\r@x") == "'\r@x" and cell("张三") == "张三"


def _get(world, token, path):
    return world.client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_the_exports_survive_control_characters_in_stored_names(world, clock):
    approved(world, "cadre-1", work_unit="镇赉县教育局", name="孙明")
    db.session.execute(update(Registration).values(name="孙\u0001明", work_unit="\u0002=教育局"))
    db.session.execute(update(Team).where(Team.id == world.team_a.id).values(name="\u0001第一网格"))
    db.session.commit()
    committee = world.as_("demo-committee").token
    for path in ("/api/v1/inservice/reports?year=2026&format=xlsx",
                 "/api/v1/inservice/reports?year=2026&format=csv",
                 "/api/v1/stats/export?group=team", "/api/v1/stats/export?group=team&format=csv"):
        response = _get(world, committee, path)
        assert response.status_code == 200, (path, response.get_data()[:300])
    report = _get(world, committee, "/api/v1/inservice/reports?year=2026&format=xlsx")
    values = [c.value for row in load_workbook(io.BytesIO(report.get_data())).active.iter_rows()
              for c in row]
    assert "孙明" in values and "'=教育局" in values
    admin = world.as_("demo-admin").token
    assert _get(world, admin, "/api/v1/stats/export?group=team").status_code == 200


def test_control_characters_and_lone_surrogates_at_input(world):
    created = approved(world, "cadre-2", name="孙\u0001明", work_unit="教育局\u0007")
    assert (created["name"], created["work_unit"]) == ("孙明", "教育局")
    raw = '{"name": "\\ud800"}'
    response = world.client.post("/api/v1/inservice/registrations", data=raw,
                                 content_type="application/json",
                                 headers={"Authorization": f"Bearer {world.as_('cadre-3').token}"})
    assert response.status_code == 400 and response.get_json()["code"] == 40000
