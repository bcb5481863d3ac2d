"""Build the structure import template and the Zhenlai-shaped sample in ``seed/``.

Run ``python -m seed.structure_files`` after changing the columns; the files are committed.
The sample is synthetic: names are made up and phones are in the 1380000xxxx test range.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from openpyxl import Workbook

from server.admin.importer import COLUMNS

HERE = Path(__file__).parent
HEADER = [f"{c.zh} {c.key}" for c in COLUMNS]

# The template's example community is its own (示例社区, code SL), never the demo community:
# importing the template as it is adds an example, it does not edit 庆生社区.
EXAMPLES = [
    # A place only: the grid and section are created with their A and B teams.
    ["SL", "示例社区", "示例街道", "第一网格", "示例小区片区", "", "", ""],
    # An A-post member of the grid's 暖心服务团.
    ["SL", "示例社区", "示例街道", "第一网格", "", "A", "王示例", "13800009001"],
    # A B-post member of the section's 先锋服务队.
    ["SL", "示例社区", "示例街道", "第一网格", "示例小区片区", "B", "赵示例", "13800009002"],
    # Committee staff (社区两委) of the community.
    ["SL", "示例社区", "示例街道", "", "", "两委", "刘示例", "13800009003"],
]

INSTRUCTIONS = [
    ["列 column", "说明", "notes"],
    ["社区编码 community_code", "字母和数字，最多16位；诉求编号的前缀",
     "letters/digits, ≤16; prefixes request numbers"],
    ["社区名称 community_name", "新社区必填", "required for a new community"],
    ["所属街道 street", "可选；街道/乡镇名称，新名称自动建立街道",
     "optional; the street or township, created when new"],
    ["网格 grid", "A岗、B岗成员必填", "required for posts A and B"],
    ["片区 section", "B岗成员必填", "required for post B"],
    ["岗位 post", "A、B 或 两委；只建网格/片区时留空",
     "A, B or 两委 (committee); blank for a place row"],
    ["姓名 name", "与手机号同时填写", "with the phone"],
    ["手机号 phone", "11位手机号；成员绑定此手机号后自动关联",
     "11-digit mobile; links the member when they bind it"],
]

COMMUNITIES = [
    ("WH", "文化社区", 4, "镇赉镇"), ("ZQ", "站前社区", 5, "镇赉镇"), ("TJ", "团结社区", 3, "镇赉镇"),
    ("FR", "繁荣社区", 4, "建平乡"), ("XF", "幸福社区", 5, "建平乡"), ("DF", "东方社区", 3, "建平乡"),
]
ESTATES = ["阳光小区", "粮库家属楼", "惠民小区", "平房区", "商业街", "教师楼", "供电小区",
           "水利家园"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "春梅", "志刚", "淑华", "立新", "玉兰", "海军", "桂芝", "晓东", "丽娟", "国庆",
         "秀英", "宏伟", "凤霞", "长青", "艳红"]


def sample_rows() -> list[list[str]]:
    names = (f"{s}{g}" for g, s in itertools.product(GIVEN, SURNAMES))
    phones = (f"1380000{n:04d}" for n in itertools.count(2001))
    rows = []
    for code, name, grids, street in COMMUNITIES:
        for _ in range(3):
            rows.append([code, name, street, "", "", "两委", next(names), next(phones)])
        for g in range(1, grids + 1):
            grid = f"第{'一二三四五六七八九'[g - 1]}网格"
            sections = [f"{ESTATES[(g + k) % len(ESTATES)]}片区" for k in range(1 + g % 2)]
            for section in sections:
                rows.append([code, name, street, grid, section, "", "", ""])
            for _ in range(4):
                rows.append([code, name, street, grid, "", "A", next(names), next(phones)])
            for section in sections:
                for _ in range(3):
                    rows.append([code, name, street, grid, section, "B", next(names),
                                 next(phones)])
    return rows


def _xlsx(path: Path, rows: list[list[str]], *, instructions: bool) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "结构 structure"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for column in "ABCDEFGH":
        sheet.column_dimensions[column].width = 18
    if instructions:
        notes = book.create_sheet("说明 instructions")
        for row in INSTRUCTIONS:
            notes.append(row)
    book.save(path)


def templates() -> None:
    with (HERE / "structure_template.csv").open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([HEADER, *EXAMPLES])
    _xlsx(HERE / "structure_template.xlsx", EXAMPLES, instructions=True)


def main() -> None:
    templates()
    _xlsx(HERE / "structure_sample.xlsx", sample_rows(), instructions=False)


if __name__ == "__main__":
    main()
