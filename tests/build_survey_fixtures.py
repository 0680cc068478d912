"""Builds realistic 附件4 questionnaire exports (问卷星-like) for the survey tests.

Run at test time into a temporary folder (no binaries in the repository); also runnable by
hand: ``python tests/build_survey_fixtures.py OUTDIR`` writes a sample of each kind.

Each export comes with what a correct reader must find in it (``Export.expected``), counted
while the rows are generated, so the tests compare against facts, not against the reader.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import xlsxwriter
import xlwt

from jnqh.read.workbook import cell_ref

META = ["序号", "提交答卷时间", "所用时间", "来自IP", "来源", "来源详情"]

# The questionnaire of the seed's 附件4, with its full question texts (the reader only
# knows their beginnings). `None` options mean a fill-in question.
GENDER = ("男", "女")
JOBS = ("公职人员", "个体户、私营业主", "工人", "农民", "教师", "医生", "科研技术人员", "文艺工作者",
        "企业管理者", "学生", "商业服务从业人员", "自由职业者", "退休", "失业、待岗人员", "其他")
AGES = ("18岁以下", "18-30岁", "31-45岁", "46-60岁", "60岁以上")
INCOMES = ("3000元以下", "3000-5000元", "5000-8000元", "8000元以上")
BASIC_TYPES = ("便利店", "综合超市", "菜市场（菜店）", "生鲜超市", "早餐店", "理发店", "药店", "小修小补点")
QUALITY_TYPES = ("社区养老服务机构", "托育机构（含托育点）", "特色餐饮店", "茶饮咖啡店", "健身场地", "社区食堂")
MEET = ("能够满足", "基本满足", "不能满足")
RATED = {
    "q_basic": ("您认为上述基本保障类业态，是否能够满足您日常生活的消费，在基本保障方面做到网点齐全、"
                "数量充足？（指商业、服务业）", MEET),
    "q_quality": ("您认为上述品质提升类业态，是否能够满足您的生活品质消费，文化、休闲、娱乐、健康等网点齐全？"
                  "（指商业、服务业）", MEET),
    "q_convenience": ("您认为在一刻钟便民生活圈中消费是否足够便利？", ("非常便利", "比较便利", "不便利")),
    "q_service": ("您对于一刻钟便民生活圈中购物、餐饮、生活服务等商业网点的服务体验是否满意？",
                  ("很满意", "比较满意", "不满意")),
    "q_smart": ("您对于一刻钟便民生活圈中的商业网点提供的智能结算、自助售卖、小程序平台等智慧服务是否满意？",
                ("很满意", "比较满意", "不满意")),
    "q_order": ("您认为一刻钟便民生活圈中的商业网点在经营中是否做到规范有序、卫生安全、环境整洁，无污染、"
                "无私搭乱占、无安全隐患，不扰民？", ("全部做到", "大部分做到", "少部分做到")),
    "q_harmony": ("您认为一刻钟便民生活圈是否实现商居和谐、文明舒适、特色鲜明，宜居宜业宜学宜养？",
                  ("已经实现", "基本实现", "没有实现")),
}
BUSINESS = ("q_basic", "q_quality")
RESIDENCE_QUESTION = "您居住在____小区，属于____街道/社区"
SUGGESTIONS = ("", "", "多开几家早餐店", "希望增加社区食堂", "停车难", "菜市场再近一点", "无")


def _questions() -> list[tuple[str, str, tuple[str, ...] | None, bool]]:
    """(key, text, options, multi) in questionnaire order."""
    return [
        ("gender", "您的性别", GENDER, False),
        ("job", "您的职业", JOBS, False),
        ("age", "您的年龄", AGES, False),
        ("income", "您的月收入", INCOMES, False),
        ("residence", RESIDENCE_QUESTION, None, False),
        ("basic_types", "您所在的一刻钟便民生活圈配备了以下哪些基本保障类业态？（多选）", BASIC_TYPES, True),
        ("q_basic", *RATED["q_basic"], False),
        ("quality_types", "您所在的一刻钟便民生活圈配备了以下哪些品质提升类业态？（多选）", QUALITY_TYPES, True),
        ("q_quality", *RATED["q_quality"], False),
        *((key, *RATED[key], False) for key in ("q_convenience", "q_service", "q_smart", "q_order", "q_harmony")),
        ("suggestion", "您对于一刻钟便民生活圈建设有何具体建议，还需要“补什么”：", None, False),
    ]


@dataclass
class CircleSpec:
    """Respondents of one circle: where they live and how satisfied they are."""

    name: str
    communities: tuple[str, ...]
    respondents: int
    positive_rate: float = 0.9  # chance that a rated answer is one of the two positive ones


@dataclass
class Export:
    path: Path
    headers: list[str]
    expected: dict = field(default_factory=dict)  # circle name → counts; "_unassigned" → count
    unknown_cells: dict[str, list[str]] = field(default_factory=dict)  # question id → cells


def _rated_answer(rng: random.Random, options: tuple[str, ...], rate: float) -> int:
    """1-based option index: 1 or 2 (positive) with probability `rate`, else 3."""
    if rng.random() < rate:
        return rng.choice((1, 2))
    return 3


def _encode(index: int, options: tuple[str, ...], encoding: str) -> object:
    return index if encoding == "number" else options[index - 1]


def _skip(rng: random.Random, encoding: str) -> object:
    if encoding == "number":
        return rng.choice((-2, -3))
    return rng.choice(("(跳过)", "", "-2"))


def _respondent(rng: random.Random, number: int, residence: str, rate: float, encoding: str,
                skip_rate: float, tally: dict | None) -> list:
    start = datetime(2024, 5, 6, 8, 0) + timedelta(minutes=number * 7 + rng.randint(0, 5))
    row: list = [number, start.strftime("%Y/%m/%d %H:%M:%S"), f"{rng.randint(40, 600)}秒",
                 f"223.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}(山东-济宁)",
                 rng.choice(("微信", "手机提交", "链接")), "N/A"]
    for key, _text, options, multi in _questions():
        if key == "residence":
            row.append(residence)
        elif key == "suggestion":
            row.append(rng.choice(SUGGESTIONS))
        elif multi:
            picked = sorted(rng.sample(range(1, len(options) + 1), rng.randint(1, 4)))
            row.append("┋".join(str(_encode(i, options, encoding)) for i in picked))
        elif key in RATED and rng.random() < skip_rate:
            row.append(_skip(rng, encoding))
        else:
            index = _rated_answer(rng, options, rate) if key in RATED else rng.randint(1, len(options))
            row.append(_encode(index, options, encoding))
            if key in RATED and tally is not None:
                group = "business" if key in BUSINESS else "service"
                tally[f"{group}_answered"] += 1
                tally[f"{group}_positive"] += index <= 2
    return row


def _residence_text(rng: random.Random, community: str) -> str:
    """How people type where they live: with or without the 小区 part, stray spaces."""
    estate = f"{community.removesuffix('社区')}{rng.choice(('花园', '家园', '小区', '新村'))}"
    return rng.choice((f"{estate}┋{community}", f"{estate}┋{community} ", f" {community}",
                       f"{estate}┋{community[:-2]} 社区" if community.endswith("社区") else community))


def generate(circles: list[CircleSpec], *, encoding: str = "text", seed: int = 0, skip_rate: float = 0.04,
             unassigned: int = 0, unknown_every: int = 0) -> tuple[list[str], list[list], dict, dict]:
    """Headers, rows, expected counts and the (row, question) of each unknown answer."""
    rng = random.Random(seed)
    headers = META + [f"{n}、{text}" for n, (_, text, _, _) in enumerate(_questions(), start=1)]
    people = [(spec, community) for spec in circles for community in spec.communities
              for _ in range(spec.respondents // len(spec.communities))]
    people += [(None, f"外区{n}号院") for n in range(unassigned)]
    rng.shuffle(people)
    expected = {spec.name: dict.fromkeys(("answers", "business_positive", "business_answered",
                                          "service_positive", "service_answered"), 0) for spec in circles}
    expected["_unassigned"] = unassigned
    rows, unknown = [], {}
    column = {key: len(META) + i for i, (key, *_rest) in enumerate(_questions())}
    for number, (spec, community) in enumerate(people, start=1):
        tally = expected[spec.name] if spec else None
        rate = spec.positive_rate if spec else 0.5
        residence = _residence_text(rng, community) if spec else community
        row = _respondent(rng, number, residence, rate, encoding, skip_rate, tally)
        if tally is not None:
            tally["answers"] += 1
        if unknown_every and number % unknown_every == 0:
            _spoil(row, column["q_service"], encoding, tally)
            unknown.setdefault("q_service", []).append(number)
        rows.append(row)
    return headers, rows, expected, unknown


def _spoil(row: list, col: int, encoding: str, tally: dict | None) -> None:
    """Replace a q_service answer with one that is no option (a typed-in "说不清", or 7)."""
    old = row[col]
    if tally is not None and old not in ("(跳过)", "", "-2", -2, -3):
        index = old if isinstance(old, int) else RATED["q_service"][1].index(old) + 1
        tally["service_answered"] -= 1
        tally["service_positive"] -= index <= 2
    row[col] = 7 if encoding == "number" else "说不清"


def write_xlsx(path: Path, headers: list[str], rows: list[list], *, origin: tuple[int, int] = (0, 0)) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                               "strings_to_urls": False})
    sheet = workbook.add_worksheet("Sheet1")
    top, left = origin
    sheet.write_row(top, left, headers)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(top + i, left, row)
    workbook.close()


def write_xls(path: Path, headers: list[str], rows: list[list], *, origin: tuple[int, int] = (0, 0)) -> None:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Sheet1")
    top, left = origin
    for i, row in enumerate([headers, *rows]):
        for j, value in enumerate(row):
            sheet.write(top + i, left + j, value)
    workbook.save(str(path))


def build_export(directory: Path, name: str, circles: list[CircleSpec], *, fmt: str = "xlsx",
                 encoding: str = "text", origin: tuple[int, int] = (0, 0), **options) -> Export:
    """Write one export (`fmt` "xlsx" or "xls") and return it with what it holds."""
    headers, rows, expected, unknown_rows = generate(circles, encoding=encoding, **options)
    path = Path(directory) / f"{name}.{fmt}"
    (write_xlsx if fmt == "xlsx" else write_xls)(path, headers, rows, origin=origin)
    col = origin[1] + headers.index(next(h for h in headers if RATED["q_service"][0] in h))
    cells = {qid: [cell_ref(origin[0] + number, col) for number in numbers]
             for qid, numbers in unknown_rows.items()}
    return Export(path, headers, expected, cells)


# A realistic county: three circles, a few thousand respondents.
COUNTY_CIRCLES = [
    CircleSpec("古槐生活圈", ("古槐社区", "南池社区"), 1400, 0.93),
    CircleSpec("济阳生活圈", ("济阳社区", "仙营社区", "观音阁社区"), 1200, 0.86),
    CircleSpec("金城生活圈", ("金城社区",), 900, 0.7),
]


def county_circles_json() -> list[dict]:
    """The CIRCLE records (as the JSON contract has them) for COUNTY_CIRCLES."""
    residents = {"古槐生活圈": 1.2, "济阳生活圈": 1.5, "金城生活圈": 0.9}
    return [{"name": spec.name, "communities": list(spec.communities), "residents_10k": residents[spec.name]}
            for spec in COUNTY_CIRCLES]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for fmt in ("xlsx", "xls"):
        for encoding in ("text", "number"):
            export = build_export(out, f"问卷_{encoding}", COUNTY_CIRCLES, fmt=fmt, encoding=encoding,
                                  unassigned=25, unknown_every=400)
            print(export.path)
