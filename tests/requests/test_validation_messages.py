"""Validation errors: ``msg`` in Chinese with the field as residents know it; details kept."""

from __future__ import annotations

import re

import marshmallow as ma
import pytest

from mini_program_api.schemas import auth, inservice, requests
from server.validation import FIELD_LABELS, chinese

ASCII_WORDS = re.compile(r"[A-Za-z]{2,}")


def test_a_short_description_is_refused_in_chinese_with_the_details_kept(world):
    resident = world.as_("demo-resident")
    answer = resident.post("/api/v1/requests", {"category_code": "sanitation", "description": "太脏",
                                                "section_id": world.section.id})
    assert answer.status == 422 and answer.code == 42200
    assert answer.body["msg"] == "描述需为5至2000字"
    assert answer.body["errors"] == {"description": ["Length must be between 5 and 2000."]}


def test_unknown_and_missing_fields_are_said_in_chinese(world):
    resident = world.as_("demo-resident")
    answer = resident.post("/api/v1/requests", {"description": "楼道里堆满了杂物", "status": "closed"})
    assert answer.status == 422
    assert not ASCII_WORDS.search(answer.body["msg"].replace("status", "")), answer.body["msg"]
    assert "类别为必填项" in answer.body["msg"] and "不支持的字段status" in answer.body["msg"]
    assert set(answer.body["errors"]) == {"category_code", "status"}


RESIDENT_FORMS = [requests.SubmitIn, requests.PatrolIn, requests.NoteIn, requests.ReasonIn, requests.RateIn,
                  auth.WeChatLoginIn, inservice.RegisterIn]


@pytest.mark.parametrize("schema", RESIDENT_FORMS, ids=lambda s: s.__name__)
def test_every_field_a_resident_fills_in_has_a_chinese_name(schema):
    fields = schema().load_fields
    unnamed = sorted(name for name in fields if name not in FIELD_LABELS)
    assert not unnamed, f"add these fields to server.validation.FIELD_LABELS: {unnamed}"


@pytest.mark.parametrize("schema", RESIDENT_FORMS, ids=lambda s: s.__name__)
def test_whatever_a_resident_gets_wrong_the_msg_has_no_english(schema):
    wrong_values = [None, "", "x" * 3000, 10**12, -1, [], {}, "not-a-number", True, [None] * 20]
    for name in schema().load_fields:
        for value in wrong_values:
            try:
                schema().load({name: value})
            except ma.ValidationError as error:
                msg = chinese(error.messages)
                assert not ASCII_WORDS.search(msg), (name, value, msg, error.messages)


def test_nested_and_listed_errors_name_the_field_not_the_index():
    assert chinese({"json": {"photo_ids": {"0": ["Not a valid integer."]}}}) == "照片需为数字"
    assert chinese({"photo_ids": ["Longer than maximum length 9."]}) == "照片最多9项"
    assert chinese({}) == "参数校验失败"
    assert chinese({"_schema": ["something odd"]}) == "请求内容的值无效"
