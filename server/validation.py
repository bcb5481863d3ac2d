"""Validation errors in words residents read: ``msg`` in Chinese, ``errors`` kept for developers.

marshmallow and webargs describe a refused field in English ("Length must be between 5 and
2000."); the envelope keeps those details under ``errors`` (by field, for the front end's
developers) and says the same in Chinese in ``msg`` ("描述需为5至2000字"), naming the field as
the form the resident filled in names it. A message without a translation still gives a Chinese
sentence ("描述的值无效").
"""

from __future__ import annotations

import re

GENERIC = "参数校验失败"

# Field names as the mini-program's forms and the committee's screens call them.
FIELD_LABELS = {
    "category_code": "类别", "description": "描述", "section_id": "片区", "grid_id": "网格",
    "community_id": "社区", "address": "地址", "lat": "纬度", "lng": "经度", "photo_ids": "照片",
    "public": "是否公开", "note": "说明", "reason": "原因", "comment": "评价内容",
    "resolved": "是否解决", "satisfaction": "满意度", "member_id": "成员", "department": "部门",
    "phone": "手机号", "name": "名称", "title": "标题", "code": "编码", "district": "所属区县",
    "work_unit": "工作单位", "party_branch": "所在党支部", "starts_at": "开始时间",
    "ends_at": "结束时间", "capacity": "名额", "week_start": "开始周", "week_end": "结束周",
    "deadline": "期限", "response_hours": "响应时限", "accept_minutes": "接单时限",
    "resolve_hours": "办结时限", "dispatch_order": "派单顺序", "is_active": "是否启用",
    "person_id": "人员", "user_id": "用户", "role": "角色", "post": "岗位", "team_id": "服务队",
    "file": "文件", "limit": "每页条数", "cursor": "分页游标", "scope": "范围", "status": "状态",
    "since": "开始时间", "until": "结束时间", "date": "日期", "grade": "评议等级", "hours": "时长",
    "activity_id": "活动", "nickname": "昵称", "refresh_token": "刷新令牌", "days": "天数",
    "format": "格式", "window": "时间范围", "state": "状态", "page": "页码", "skills": "专长", "coord_system": "坐标系",
    "accept_now": "立即接单", "channel": "渠道",
    "kind": "规则类型", "level": "对象层级", "colour": "牌色", "params": "规则参数",
    "window_days": "统计天数", "expiry_days": "有效天数", "decision": "处理决定", "standing": "仅有效亮牌",
}

_RULES: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in [
    (r"^Missing data for required field\.?$", "{label}为必填项"),
    (r"^Unknown field\.?$", "不支持的字段{field}"),
    (r"^Field may not be null\.?$", "{label}不能为空"),
    (r"^Length must be between (\d+) and (\d+)\.?$", "{label}需为{0}至{1}{unit}"),
    (r"^Shorter than minimum length (\d+)\.?$", "{label}至少需{0}{unit}"),
    (r"^Longer than maximum length (\d+)\.?$", "{label}最多{0}{unit}"),
    (r"^Length must be (\d+)\.?$", "{label}需为{0}{unit}"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.?$",
     "{label}需在{0}至{1}之间"),
    (r"^Must be greater than or equal to (\S+)\.?$", "{label}不能小于{0}"),
    (r"^Must be less than or equal to (\S+)\.?$", "{label}不能大于{0}"),
    (r"^Must be greater than (\S+)\.?$", "{label}需大于{0}"),
    (r"^Must be less than (\S+)\.?$", "{label}需小于{0}"),
    (r"^Must be one of: (.+)\.?$", "{label}的取值不在可选范围内"),
    (r"^Not a valid string\.?$", "{label}需为文字"),
    (r"^Not a valid (integer|number)\.?$", "{label}需为数字"),
    (r"^Not a valid boolean\.?$", "{label}需为是或否"),
    (r"^Not a valid list\.?$", "{label}需为列表"),
    (r"^Not a valid (datetime|date|time)\.?$", "{label}需为有效的时间"),
    (r"^Not a valid mapping type\.?$", "{label}格式有误"),
    (r"^Invalid input type\.?$", "请求内容格式有误"),
    (r"^Invalid value\.?$", "{label}的值无效"),
]]

_MAX_ITEMS = 3
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_NOT_FIELDS = {"_schema", "json", "query", "form", "files", "headers"}  # webargs' locations
_MAX_DEPTH = 8


def label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def chinese(errors) -> str:
    """One Chinese sentence per refused field (at most a few), for ``msg``."""
    sentences: list[str] = []
    for field, message in _pairs(errors, None, 0):
        sentence = _translate(field, message)
        if sentence not in sentences:
            sentences.append(sentence)
        if len(sentences) > _MAX_ITEMS:
            break
    if not sentences:
        return GENERIC
    more = "等" if len(sentences) > _MAX_ITEMS else ""
    return ("；".join(sentences[:_MAX_ITEMS]) + more)[:200]


def _pairs(errors, field, depth):
    """(innermost named field, English message) for every message, however nested."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = field
            if isinstance(key, str) and not key.isdigit() and key not in _NOT_FIELDS:
                name = key
            yield from _pairs(value, name, depth + 1)
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _pairs(item, field, depth + 1)
    else:
        yield field, str(errors)


def _translate(field: str | None, message: str) -> str:
    shown = label(field) if field else "请求内容"
    if _CHINESE.search(message):
        return message  # the schema already says it in Chinese
    unit = "字" if field in _TEXT_FIELDS else ("项" if field in _LIST_FIELDS else "")
    for pattern, template in _RULES:
        match = pattern.match(message.strip())
        if match:
            return template.format(*match.groups(), label=shown, field=field or "", unit=unit)
    return f"{shown}的值无效"


_LIST_FIELDS = {"photo_ids", "dispatch_order", "skills"}
_TEXT_FIELDS = {name for name in FIELD_LABELS if name not in _LIST_FIELDS} - {
    "section_id", "grid_id", "community_id", "lat", "lng", "public", "resolved", "member_id",
    "person_id", "user_id", "team_id", "activity_id", "capacity", "response_hours",
    "accept_minutes", "resolve_hours", "is_active", "limit", "hours", "days", "page",
    "accept_now", "params", "window_days", "expiry_days", "standing",
}
