"""The weekly meeting pack of each street (每周会商): stored once a week by the job, the street's
staff told, read by its staff and the county, downloadable as XLSX."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.jobs import all_jobs
from server.notifications.models import Notification


def test_the_job_stores_each_streets_pack_once_and_tells_its_staff(world, clock):
    member, committee = world.as_("demo-member-a"), world.as_("demo-committee")
    late = world.submit()
    whistled = world.submit()["id"]
    member.post(f"/api/v1/requests/{whistled}/accept")
    committee.post(f"/api/v1/requests/{whistled}/escalate", {"department": "housing", "note": "需维修"})
    clock.advance(days=7)  # Monday 30 November: last week holds both requests, now overdue
    job = all_jobs()["meeting_packs"].func
    assert job(clock.now()) == "2 meeting packs stored"  # one per street
    assert job(clock.now() + timedelta(hours=1)) == "0 meeting packs stored"  # once a week

    street = world.as_("demo-street")
    listed = street.get("/api/v1/meeting-packs").data["items"]
    assert len(listed) == 1 and listed[0]["street_id"] == world.community.street_id
    assert (listed[0]["week_start"], listed[0]["week_end"]) == ("2026-11-23", "2026-11-29")
    assert (listed[0]["red_lights"], listed[0]["overdue_whistles"]) == (2, 1)
    data = street.get(f"/api/v1/meeting-packs/{listed[0]['id']}").data["data"]
    mine = next(c for c in data["communities"] if c["community_id"] == world.community.id)
    assert mine["total"] == 2 and mine["name"] == "庆生社区"
    numbers = {r["no"] for r in data["red_lights"]}
    assert len(numbers) == 2 and late["no"] in numbers
    assert data["overdue_whistles"][0]["department"] == "县住房和城乡建设局"
    assert data["outliers"] == []  # one community in the street: no peers to compare
    told = db.session.scalars(select(Notification).where(
        Notification.kind == "meeting_pack", Notification.user_id == world.user("demo-street").id)).all()
    assert len(told) == 1 and "红灯诉求2件" in told[0].body

    county = world.as_("demo-county")
    assert len(county.get("/api/v1/meeting-packs").data["items"]) == 2
    other = next(p for p in county.get("/api/v1/meeting-packs").data["items"]
                 if p["street_id"] != world.community.street_id)
    assert street.get(f"/api/v1/meeting-packs/{other['id']}").status == 404
    assert street.get(f"/api/v1/meeting-packs?street_id={other['street_id']}").status == 403
    for openid in ("demo-committee", "demo-member-a", "demo-resident"):
        assert world.as_(openid).get("/api/v1/meeting-packs").status == 403

    book = street.client.get(f"/api/v1/meeting-packs/{listed[0]['id']}?format=xlsx",
                             headers={"Authorization": f"Bearer {street.token}"})
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.get_data()))
    assert workbook.sheetnames == ["各社区指标", "偏离均值", "红灯诉求", "超时吹哨"]
    assert workbook["红灯诉求"].max_row == 3  # a header and two red lights
