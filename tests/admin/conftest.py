"""Fixtures of the administration tests: the demo world plus helpers to upload spreadsheets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.extensions import db

SEED = Path(__file__).resolve().parent.parent.parent / "seed"
HEADER = ["社区编码 community_code", "社区名称 community_name", "所属街道 district", "网格 grid",
          "片区 section", "岗位 post", "姓名 name", "手机号 phone"]


@pytest.fixture
def admin(world):
    return world.as_("demo-admin")


@pytest.fixture
def committee(world):
    return world.as_("demo-committee")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def upload(api, data: bytes, filename: str, query: str = ""):
    return api.call("POST", f"/api/v1/admin/imports/structure{query}",
                    data={"file": (io.BytesIO(data), filename)},
                    content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
