"""The run's workbooks (consolidated, upward, feedback), checked by reading cells back."""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from jnqh import forms
from jnqh.consolidate import figures
from jnqh.write.feedback import FEEDBACK_SHEETS, write_feedback
from jnqh.targets import DEFAULT_TARGETS
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, FILE_ACCEPTED, FILE_SUPERSEDED,
    FILE_UNREADABLE, CircleEntry, FileEntry, Run,
)
from jnqh.write.workbooks import (
    CITY_TOTAL_SHEET, CONSOLIDATED_SHEETS, FORM6_SHEET, city_total, write_consolidated, write_upward,
)
from jnqh.issues import ERROR, SEVERITY_LABEL, make
from jnqh.read.registry import RegisteredCircle, Registry
from jnqh.score.rubric import Rubric
from jnqh.samples.circles import FORMULA_TEXTS, inject_mistakes, make_circle, make_projects
from jnqh.score.items import score_circle

AS_OF = dt.date(2024, 4, 30)
EARLIER = dt.date(2024, 4, 15)

# (county, circle, level): the accepted circles of the fixture run
PLAN = (
    ("任城区", "古槐街道南池一刻钟便民生活圈", "excellent"),
    ("任城区", "济阳街道运河一刻钟便民生活圈", "good"),
    ("任城区", "阜桥街道竹竿巷一刻钟便民生活圈", "weak"),
    ("曲阜市", "鲁城街道文昌阁一刻钟便民生活圈", "pass"),
    ("曲阜市", "书院街道杨柳一刻钟便民生活圈", "good"),
    ("济宁高新区", "洸河街道和平一刻钟便民生活圈", "excellent"),
    ("济宁高新区", "黄屯街道光明一刻钟便民生活圈", "pass"),
)
# Registered but never (correctly) submitted
NOT_SUBMITTED = (
    ("任城区", "越河街道东关一刻钟便民生活圈"),
    ("曲阜市", "时庄街道幸福一刻钟便民生活圈"),
    ("鱼台县", "谷亭街道康乐一刻钟便民生活圈"),
    ("泗水县", "泗河街道崇文一刻钟便民生活圈"),
)
UNMATCHED_NAME = "时庄街办幸福一刻钟便民生活圈"
FORMULA_CIRCLE = "鲁城街道文昌阁一刻钟便民生活圈"
BROKEN_FILE = "鱼台县/鱼台县报送.xlsx"
SUPERSEDED_FILE = "任城区/任城区报送_0415.xlsx"


def file_of(county: str) -> str:
    return f"{county}/{county}报送_0430.xlsx"


# ---------------------------------------------------------------------------
# Building a Run as the pipeline would (the benchmark builds its Run with these too)
# ---------------------------------------------------------------------------


def scored(circle: dict, projects: list[dict]) -> dict:
    return {**circle, "score": score_circle(circle, Rubric(), projects=projects)}


def with_overdue(projects: list[dict], as_of: dt.date) -> list[dict]:
    cutoff = as_of.isoformat()
    return [{**p, "overdue": bool(p["planned_finish"] < cutoff and p["status"] != forms.STATUS_DONE)}
            for p in projects]


def accepted_circles(plan, rng: random.Random, as_of: dt.date) -> tuple[list[CircleEntry], list[dict]]:
    circles, projects = [], []
    for county, name, level in plan:
        data = make_circle(rng, name=name, county=county, as_of=as_of, level=level)
        if name == FORMULA_CIRCLE:
            data = inject_mistakes(data, ["formula_text"])
            data["notes"], data["boundaries"] = FORMULA_TEXTS
        own = with_overdue(make_projects(rng, data, as_of), as_of)
        if name == FORMULA_CIRCLE:
            own[0]["content"] = FORMULA_TEXTS[0]
        projects += own
        circles.append(CircleEntry(name=name, county=county, main_city=county in forms.MAIN_CITY_COUNTIES,
                                   status=CIRCLE_ACCEPTED, file=file_of(county), sheet=f"附件5-{name[:4]}",
                                   data=scored(data, own)))
    return circles, projects


def other_circles(rng: random.Random) -> list[CircleEntry]:
    """A superseded older submission and a circle the registry does not know."""
    county, name, _ = PLAN[0]
    old = make_circle(rng, name=name, county=county, as_of=EARLIER, level="pass")
    unknown = make_circle(rng, name=UNMATCHED_NAME, county="曲阜市", as_of=AS_OF, level="good")
    return [
        CircleEntry(name=name, county=county, main_city=True, status=CIRCLE_SUPERSEDED, file=SUPERSEDED_FILE,
                    sheet="附件5", data=scored(old, []), superseded_by=file_of(county)),
        CircleEntry(name=UNMATCHED_NAME, county="曲阜市", main_city=False, status=CIRCLE_UNMATCHED,
                    file=file_of("曲阜市"), sheet="附件5-时庄", data=scored(unknown, []),
                    nearest=NOT_SUBMITTED[1][1]),
    ]


def fixture_issues(projects: list[dict]) -> list:
    qufu = file_of("曲阜市")
    found = [
        make("V-TOTAL-MISMATCH", file=qufu, sheet="附件5-鲁城", cell="C14", field="total.outlets",
             column=forms.OUTLET_COLUMN["outlets"].label, total=70, sum=67),
        make("V-CIRCLE-UNKNOWN", file=qufu, sheet="附件5-时庄", cell="B3", field="name", value=UNMATCHED_NAME,
             suggestion=f"，最接近的是“{NOT_SUBMITTED[1][1]}”"),
        make("V-PERCENT-FRACTION", file=file_of("济宁高新区"), sheet="附件5-洸河", cell="F20",
             field="categories.breakfast.satisfaction_pct", value=FORMULA_TEXTS[1], percent=95),
        make("F-CORRUPT", file=BROKEN_FILE, reason="压缩包不完整"),
    ]
    for project in projects:
        if project["overdue"]:
            found.append(make("P-OVERDUE", file=file_of(project["county"]), sheet="附件6", cell="L5",
                              field="project.status", finish=project["planned_finish"], as_of=AS_OF.isoformat(),
                              status=project["status"]))
    return found


def fixture_files(circles: list[CircleEntry], projects: list[dict], issues: list) -> list[FileEntry]:
    def entry(path: str, status: str, county: str, **more) -> FileEntry:
        mine = [i for i in issues if i.file == path]
        errors = sum(i.severity == ERROR for i in mine)
        return FileEntry(path=path, sha256=f"{abs(hash(path)) % 10**16:016x}" * 4, status=status, size=20480,
                         modified="2024-04-30T09:00:00", circles=[c.name for c in circles if c.file == path],
                         projects=sum(p["county"] == county for p in projects), errors=errors,
                         warnings=len(mine) - errors, county=county, **more)

    counties = dict.fromkeys(county for county, _, _ in PLAN)
    files = [entry(file_of(county), FILE_ACCEPTED, county) for county in counties]
    files.append(entry(SUPERSEDED_FILE, FILE_SUPERSEDED, "任城区", reason="其中的生活圈已被新报送替代", reused=True))
    files.append(FileEntry(path=BROKEN_FILE, sha256=None, status=FILE_UNREADABLE, size=1000,
                           modified="2024-04-29T10:00:00", errors=1, reason="文件已损坏或不完整", county="鱼台县"))
    return files


def registry_for(plan, extra=NOT_SUBMITTED) -> Registry:
    listed = [(county, name) for county, name, _ in plan] + list(extra)
    return Registry(circles=[RegisteredCircle(county, name, county in forms.MAIN_CITY_COUNTIES)
                             for county, name in listed])


def build_run(plan=PLAN, seed: int = 7) -> Run:
    """A realistic Run: accepted, superseded and unmatched circles, issues, overdue projects."""
    rng = random.Random(seed)
    circles, projects = accepted_circles(plan, rng, AS_OF)
    circles += other_circles(rng)
    issues = fixture_issues(projects)
    run = Run(as_of=AS_OF, number=3, generated="2024-05-06", files=fixture_files(circles, projects, issues),
              ignored=["说明材料.pdf"], locks=["任城区/~$任城区报送_0430.xlsx"], circles=circles,
              projects=projects, issues=issues)
    return finish_run(run, registry_for(plan))


def finish_run(run: Run, registry: Registry) -> Run:
    """The summary numbers, as the pipeline computes them."""
    previous = {"targets": [{"key": "circles", "actual": 3}, {"key": "satisfaction", "actual": 90.0}]}
    figures.compute(run, registry, DEFAULT_TARGETS, previous, [])
    run.missing_counties = [row.county for row in run.counties if row.target and not row.files]
    return run


# ---------------------------------------------------------------------------
# Reading back
# ---------------------------------------------------------------------------


def values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def every_cell(path: Path):
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            yield from row


def table(path: Path, sheet: str) -> list[dict]:
    """A sheet's rows as dicts keyed by the header row."""
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


@pytest.fixture(scope="module")
def run() -> Run:
    return build_run()


@pytest.fixture(scope="module")
def out(tmp_path_factory, run) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("outbox")
    paths = {"consolidated": folder / f"济宁市一刻钟便民生活圈汇总_{run.date_tag}.xlsx",
             "upward": folder / f"济宁市_附件5_附件6_{run.date_tag}.xlsx"}
    write_consolidated(run, paths["consolidated"])
    write_upward(run, paths["upward"])
    for row in run.counties:
        paths[row.county] = folder / "反馈" / f"{row.county}_反馈_{run.date_tag}.xlsx"
        write_feedback(run, row.county, paths[row.county])
    return paths


# ---------------------------------------------------------------------------
# The consolidated workbook
# ---------------------------------------------------------------------------


def test_consolidated_sheets_in_order(out):
    assert openpyxl.load_workbook(out["consolidated"]).sheetnames == list(CONSOLIDATED_SHEETS)


def test_one_county_row_each_with_the_right_numbers(out, run):
    rows = table(out["consolidated"], "县市区汇总")
    counties = [row[forms.PROJECT_FIELD["county"].label] for row in rows]
    assert counties == [r.county for r in run.counties] + [forms.TOTAL_LABEL]
    rencheng = rows[counties.index("任城区")]
    assert (rencheng["目标数（名册生活圈）"], rencheng["已报送"], rencheng["已采用"]) == (4, 3, 3)
    mine = [c for c in run.accepted if c.county == "任城区"]
    built = sum(c.final_type != "未达标" for c in mine)
    assert rencheng["报送率（%）"] == 75.0
    assert rencheng["建成数（基础型及以上）"] == built
    assert rencheng["建成率（%）"] == figures.round_half_up(100 * built / 4)
    assert rencheng["排名"] == next(r.rank for r in run.counties if r.county == "任城区")
    for final in ("品质型", "提升型", "基础型", "未达标"):
        assert rencheng[final] == sum(c.final_type == final for c in mine)
    projects = [p for p in run.projects if p["county"] == "任城区"]
    assert rencheng["项目数"] == len(projects)
    assert rencheng["逾期项目"] == sum(p["overdue"] for p in projects)
    assert rencheng["总投资（万元）"] == pytest.approx(sum(p["investment_10k_yuan"] for p in projects))
    total = rows[-1]
    assert total["已采用"] == len(run.accepted) == 7
    assert total["目标数（名册生活圈）"] == len(PLAN) + len(NOT_SUBMITTED)
    assert total["报送率（%）"] == run.city.submitted_pct
    assert total["建成数（基础型及以上）"] == sum(c.final_type != "未达标" for c in run.accepted)
    # errors of the files in use: the superseded and the unreadable files' are not counted
    in_use = {f.path for f in run.files if f.status in ("accepted", "no_circles")}
    assert total["错误数（采用的文件）"] == sum(1 for i in run.issues if i.file in in_use and i.severity == "error")


def test_lagging_counties_are_marked(out, run):
    ws = openpyxl.load_workbook(out["consolidated"])["县市区汇总"]
    rules = [(str(cf.sqref), rule.formula) for cf in ws.conditional_formatting for rule in cf.rules]
    # 建成率 (column I) below the city's, for a county with a target (column D)
    assert any(ref.startswith("A2:") and "$I2<$I$" in formula[0] and "$D2>0" in formula[0] for ref, formula in rules)
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(run.counties) + 1}"


def test_circle_detail_has_every_accepted_circle_and_every_form_field(out, run):
    rows = table(out["consolidated"], "生活圈明细")
    assert [r["试点生活圈名称"] for r in rows] == [c.name for c in run.accepted]
    header = rows[0].keys()
    for spec in forms.CIRCLE_FIELDS:
        assert any(h.startswith(spec.label) for h in header), spec.label
    first = rows[0]
    circle = run.accepted[0].data
    operators = forms.CIRCLE_FIELD["operators"]
    assert first["运营主体"] == "、".join(operators.option_by_id(i).label for i in circle["operators"])
    assert first["服务社区"] == "、".join(circle["communities"])
    assert first["截至日期"] == dt.datetime(2024, 4, 30)
    assert first["最终类型"] == run.accepted[0].final_type
    assert first["来源文件"] == run.accepted[0].file


def test_outlets_scores_needs_and_projects(out, run):
    accepted = run.accepted
    assert len(table(out["consolidated"], "业态网点")) == len(accepted)  # a circle × category matrix
    scores = table(out["consolidated"], "评分")
    assert len(scores) == len(accepted) * 13  # 附件2, ten items, 附件3 合计, 最终评定
    item = next(r for r in scores if r["序号"] == 7 and r["生活圈名称"] == accepted[0].name)
    expected = next(i for i in accepted[0].score["service"]["items"] if i["no"] == 7)
    assert (item["得分"], item["满分"], item["说明"]) == (expected["points"], expected["max"], expected["explanation"])
    needs = table(out["consolidated"], "需求清单")
    assert len(needs) == sum(1 for c in accepted for row in c.data["categories"].values() if row.get("needs"))
    projects = table(out["consolidated"], "项目清单")
    assert len(projects) == len(run.projects)
    assert sum(r["逾期"] == "是" for r in projects) == sum(p["overdue"] for p in run.projects) > 0


def test_issue_list_has_every_issue_errors_first(out, run):
    rows = table(out["consolidated"], "问题清单")
    assert len(rows) == len(run.issues)
    levels = [r["级别"] for r in rows]
    errors = sum(i.severity == ERROR for i in run.issues)
    assert levels == [SEVERITY_LABEL[ERROR]] * errors + [SEVERITY_LABEL["warning"]] * (len(rows) - errors)
    broken = next(r for r in rows if r["文件"] == BROKEN_FILE)
    assert broken["县市区"] == "鱼台县" and broken["代码"] == "F-CORRUPT" and broken["怎么改"]


def test_file_list_shows_status_hash_and_what_was_not_counted(out, run):
    rows = {r["文件"]: r for r in table(out["consolidated"], "文件清单")}
    assert set(rows) == {f.path for f in run.files} | set(run.ignored) | set(run.locks)
    superseded = rows[SUPERSEDED_FILE]
    assert superseded["状态"] == "已被新报送替代"
    assert "沿用上次结果" not in superseded  # reuse differs between a run and its rerun
    assert "已被替代" in superseded["未计入的生活圈"]
    assert UNMATCHED_NAME in rows[file_of("曲阜市")]["未计入的生活圈"]
    assert rows[file_of("任城区")]["SHA-256（前12位）"] == run.files[0].sha256[:12]


def test_overview_has_targets_ranking_types_and_two_charts(out, run):
    book = openpyxl.load_workbook(out["consolidated"])
    ws = book["总览"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for target in run.targets:
        assert target.label in texts
    assert all(t in texts for t in ("品质型", "提升型", "基础型", "未达标"))
    ranking = [row for row in ws.iter_rows(values_only=True) if row[0] in {r.county for r in run.counties}]
    assert [(row[0], row[1]) for row in ranking] == [(r.county, r.rank) for r in figures.ranked(run)]
    assert len(ws._charts) == 2 and len(book["历次"]._charts) == 1
    with zipfile.ZipFile(out["consolidated"]) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        xml = "".join(archive.read(n).decode() for n in charts)
    # one period so far: the type mix beside the progress bars; the trend's line chart on 历次
    assert len(charts) == 3 and "<c:barChart>" in xml and "<c:pieChart>" in xml and "<c:lineChart>" in xml
    assert "县市区汇总" in xml  # the bar chart reads the county table


def test_every_table_prints_on_a4_with_header_rows_and_page_numbers(out):
    book = openpyxl.load_workbook(out["consolidated"])
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        # one page wide (1 is the default, so it may be left out); the 30-odd columns of
        # 生活圈明细 print two pages wide with the circle's name repeated
        wide = ws.title == "生活圈明细"
        assert ws.page_setup.fitToWidth in ((2,) if wide else (None, 1)) and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_cols == ("$A:$A" if wide else None)
        assert ws.page_setup.fitToHeight in ((None, 1) if ws.title == "总览" else (0,))
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        if ws.title != "总览":
            assert ws.print_title_rows in ("1:1", "$1:$1") and ws.freeze_panes and ws.auto_filter.ref


def test_widths_fit_chinese_text(out):
    ws = openpyxl.load_workbook(out["consolidated"])["县市区汇总"]
    assert ws.column_dimensions["B"].width >= 2 * len("济宁经济技术开发区")
    detail = openpyxl.load_workbook(out["consolidated"])["生活圈明细"]
    assert detail.column_dimensions["A"].width >= 2 * len(PLAN[0][1])
    assert all((d.width or 0) <= 62 for d in detail.column_dimensions.values())


def test_document_properties_are_fixed(out):
    props = openpyxl.load_workbook(out["consolidated"]).properties
    assert props.creator == "jnqh" and props.created == dt.datetime(2024, 4, 30)
    assert "第3期" in props.title


# ---------------------------------------------------------------------------
# Text that looks like a formula stays text
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["consolidated", "upward", "曲阜市"])
def test_formula_looking_text_stays_text(out, which):
    found = [c for c in every_cell(out[which]) if c.value in FORMULA_TEXTS]
    # the feedback holds the project's content, not the needs list or the boundaries
    assert {c.value for c in found} == (set(FORMULA_TEXTS) if which in ("consolidated", "upward")
                                        else {FORMULA_TEXTS[0]})
    assert all(c.data_type == "s" for c in found)
    assert not [c for c in every_cell(out[which]) if c.data_type == "f"]


# ---------------------------------------------------------------------------
# Feedback
# ---------------------------------------------------------------------------


def test_feedback_sheets_and_standing(out, run):
    path = out["任城区"]
    assert path.parent.name == "反馈"
    assert openpyxl.load_workbook(path).sheetnames == list(FEEDBACK_SHEETS)
    about = {r["项目"]: r["内容"] for r in table(path, "说明")}
    assert about["县市区"] == "任城区" and about["已采用"] == 3 and about["报送率（%）"] == 75.0
    rank = next(r.rank for r in run.counties if r.county == "任城区")
    assert about["在全市的排名"].startswith(f"第 {rank} 名")
    assert "只含本县市区" in about["说明"]
    circles = table(path, "生活圈")
    assert {r["状态"] for r in circles} == {"已采用", f"已被替代，以 {file_of('任城区')} 为准"}
    assert len(table(path, "评分明细")) == 3 * 13
    assert len(table(path, "问题")) == len(run.issues_of("任城区"))


def test_each_feedback_holds_only_its_own_county(out, run):
    for row in run.counties:
        others = [c.name for c in run.circles if c.county != row.county]
        others += [f.path for f in run.files if f.county != row.county]
        text = "\n".join(str(c.value) for c in every_cell(out[row.county]) if c.value is not None)
        leaked = [name for name in others if name in text]
        assert not leaked, f"{row.county} feedback shows {leaked}"
        own = [c.name for c in run.accepted_of(row.county)]
        assert all(name in text for name in own)


# ---------------------------------------------------------------------------
# Determinism and atomicity
# ---------------------------------------------------------------------------


def test_same_run_gives_the_same_cells(tmp_path, run, out):
    write_consolidated(run, tmp_path / "a.xlsx")
    write_upward(run, tmp_path / "b.xlsx")
    write_feedback(run, "曲阜市", tmp_path / "c.xlsx")
    assert values(tmp_path / "a.xlsx") == values(out["consolidated"])
    assert values(tmp_path / "b.xlsx") == values(out["upward"])
    assert values(tmp_path / "c.xlsx") == values(out["曲阜市"])
    assert not list(tmp_path.glob("*.part"))


def test_a_failed_write_leaves_no_file(tmp_path, run):
    broken = replace(run, counties=None)  # the county table cannot be built
    with pytest.raises(TypeError):
        write_consolidated(broken, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# The upward report
# ---------------------------------------------------------------------------


def test_upward_has_a_sheet_per_county_then_city_total_and_form6(out, run):
    names = openpyxl.load_workbook(out["upward"]).sheetnames
    assert names == ["任城区", "曲阜市", "济宁高新区", CITY_TOTAL_SHEET, FORM6_SHEET]


def test_upward_form6_reads_county_circle_first_and_totals_the_city(out, run):
    ws = openpyxl.load_workbook(out["upward"])[FORM6_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[2]  # below 附件6 and its title
    assert header[:5] == ("序号", "县市区", "生活圈名称", "社区名称", "项目名称")
    body, total = rows[3:-1], dict(zip(header, rows[-1]))
    assert [r[0] for r in body] == list(range(1, len(run.projects) + 1))
    assert total["县市区"] == "合计" and total["总投资（万元）"] == run.city.investment_10k_yuan
    assert total["已完成投资（万元）"] == run.city.invested_10k_yuan
    assert ws.print_title_cols == "$A:$C" and ws.page_setup.fitToWidth == 2


def test_upward_form5_layout(out, run):
    ws = openpyxl.load_workbook(out["upward"])["任城区"]
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert column_a.count("附件5") == 3
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts.count(forms.FORM5_TITLE) == 3
    assert texts.count("基本保障类") == 3 and texts.count("品质提升类") == 3
    assert any("☑" in t and "□" in t for t in texts)
    assert "运营主体（多选，打√）" in texts
    assert len(ws.row_breaks.brk) == 2  # a page per circle
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9


def test_city_total_sums_counts_and_weights_satisfaction_by_residents(run):
    total = city_total(run)
    accepted = [c.data for c in run.accepted]
    for cat in ("convenience_store", "breakfast"):
        assert total["categories"][cat]["outlets"] == sum(c["categories"][cat]["outlets"] for c in accepted)
    assert total["total"]["outlets"] == sum(c["total"]["outlets"] for c in accepted)
    weights = [c["residents_10k"] for c in accepted]
    scores = [c["total"]["satisfaction_pct"] for c in accepted]
    expected = sum(s * w for s, w in zip(scores, weights)) / sum(weights)
    # the 全市合计's satisfaction is the city's satisfaction figure itself
    satisfaction = next(t for t in run.targets if t.key == "satisfaction")
    assert total["total"]["satisfaction_pct"] == figures.round_half_up(expected) == satisfaction.actual


def test_city_total_leaves_out_flagged_values_and_says_so():
    circles = [{"residents_10k": 1.0, "total": {"satisfaction_pct": 90}},
               {"residents_10k": 30600, "total": {"satisfaction_pct": 98}}]
    flags = [{}, {"residents_10k": {"code": "V-RESIDENTS-PEOPLE", "message": "像是人数", "sheet": "s",
                                    "cell": "F10", "value": "30600", "suggestion": 3.06}}]
    run = Run(as_of=AS_OF, number=1, generated="2024-05-01", circles=[
        CircleEntry(name=f"c{i}", county="任城区", main_city=True, status=CIRCLE_ACCEPTED, file="f", sheet="s",
                    data=data, flags=flag) for i, (data, flag) in enumerate(zip(circles, flags))])
    figures.compute(run, registry_for([("任城区", "c0", ()), ("任城区", "c1", ())], extra=()), DEFAULT_TARGETS,
                    None, [])
    total = city_total(run)
    assert total["residents_10k"] == 1.0  # not 30,601 万人
    assert total["total"]["satisfaction_pct"] == 90.0  # the flagged circle carries no weight
    satisfaction = next(t for t in run.targets if t.key == "satisfaction")
    assert satisfaction.n == 1 and "1个生活圈的满意度或居民数有误，未计入" in satisfaction.note
    assert "1 项数值未计入本表" in total["notes"]
    assert run.pending == [{"county": "任城区", "circle": "c1", "field": forms.field_label("residents_10k"),
                            "value": "30600", "suggestion": 3.06, "problem": "像是人数", "file": "f",
                            "sheet": "s", "cell": "F10"}]


def test_the_reader_reads_the_upward_report_back(out, run):
    from jnqh.check.files import check_file

    report = check_file(out["upward"], today=AS_OF)
    names = [c.name for c in report.circles]
    assert len(names) == len(run.accepted) + 1  # every circle, and the city total
    assert names[:-1] == [c.name for c in run.accepted] and CITY_TOTAL_SHEET in names[-1]
    read = {c.name: c.data for c in report.circles}
    for entry in run.accepted:
        got, sent = read[entry.name], entry.data
        assert got["county"] == sent["county"] and got["as_of"] == sent["as_of"]
        assert got["operators"] == sorted(sent["operators"]) and got["layout"] == sent["layout"]
        assert got["communities"] == sent["communities"]
        assert got["residents_10k"] == pytest.approx(sent["residents_10k"])
        for cat in ("convenience_store", "quality_other", "basic_other"):
            assert got["categories"][cat]["outlets"] == sent["categories"][cat]["outlets"]
        assert got["total"]["chain"] == sent["total"]["chain"]
    assert read[FORMULA_CIRCLE]["notes"] == FORMULA_TEXTS[0]
    assert len(report.projects) == len(run.projects)
    assert {p.data["name"] for p in report.projects} == {p["name"] for p in run.projects}


# ---------------------------------------------------------------------------
# LibreOffice renders them
# ---------------------------------------------------------------------------


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    if info.returncode == 0:
        return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.mark.libreoffice
@pytest.mark.parametrize("which", ["consolidated", "upward"])
def test_libreoffice_prints_the_workbooks(out, tmp_path, which):
    lo = pytest.importorskip("lo", reason="tests/lo.py helpers")
    if lo.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    pdf = lo.to_pdf(out[which], tmp_path)
    pages = pdf_pages(pdf)
    assert pages >= (len(CONSOLIDATED_SHEETS) if which == "consolidated" else len(PLAN) + 2)
