"""Figures you can forward: one definition per figure, read back from every output of a run.

The demo office plants the faults an office meets (people typed in a 万人 cell, a 截至日期 in
the future, a satisfaction of 120, a county that sent nothing, counties whose forms were not
filled). One weekly run on it is read back from run.json, the consolidated, feedback and
upward workbooks, the 通报 (.docx and .html) and the mails; each figure must read the same
everywhere, and no flagged value may reach a total, a weight, a ranking or the province.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import json
import shutil
import zipfile
from email import policy

import openpyxl
import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bulletin_fixtures import sample_registry, sample_run
from test_bulletin import docx_rows, docx_text, html_county_table
from jnqh.write import bulletin
from jnqh.send import mail
from jnqh.config import MailSettings, load_settings
from jnqh.consolidate import figures
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.demo import make_demo
from jnqh.check.flags import round_half_up
from jnqh.check.files import check_file
from jnqh.read.registry import load_registry
from jnqh.targets import DEFAULT_TARGETS, TargetSpec, targets_from_mapping

AS_OF = dt.date(2024, 5, 6)  # before the plan's 2025 deadline
CITY_TOTAL = "济宁市（全市合计）"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures") / "办公室"
    summary = make_demo(folder, today=AS_OF)
    settings = load_settings(folder / "jnqh.toml")
    registry = load_registry(settings.registry)
    outcome = consolidate(settings, registry, Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF))
    run = outcome.run
    run_dir = settings.outbox / AS_OF.isoformat()
    plan = mail.prepare_mail(run, run_dir, registry, MailSettings(sender="jnqh@example.cn",
                                                                  leadership=("leader@example.cn",)))
    return {"summary": summary, "settings": settings, "run": run, "dir": run_dir, "mail": plan,
            "json": json.loads((run_dir / "run.json").read_text(encoding="utf-8"))}


def _table(path, sheet: str) -> list[dict]:
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def _file(office, key: str):
    return office["settings"].outbox / office["run"].outputs[key]


def _mail_text(office, party: str) -> str:
    message = next(m for m in office["mail"].messages if m.party == party)
    parsed = email.message_from_bytes(message.data, policy=policy.default)
    return parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _mistake(office, kind: str):
    return next(m for m in office["summary"].mistakes if m.kind == kind)


def _number(text: str):
    return None if text in ("—", "") else float(text)


# ---------------------------------------------------------------------------
# The same figure in every output
# ---------------------------------------------------------------------------


def test_county_rows_read_the_same_in_every_output(office):
    run, summary = office["run"], office["json"]
    counties = {row["county"]: row for row in summary["counties"]}
    sheet = {row["县市区"]: row for row in _table(_file(office, "consolidated"), "县市区汇总")}
    docx = {cells[1]: cells for cells in docx_rows(Document(str(_file(office, "bulletin_docx"))))[1:]}
    html = {cells[1]: cells for cells in html_county_table(_file(office, "bulletin_html").read_text("utf-8"))[1:]}
    for row in run.counties:
        mine = counties[row.county]
        figures_ = (mine["rank"], mine["target"], mine["submitted"], mine["submitted_pct"], mine["built"],
                    mine["built_pct"], mine["service_mean"], mine["investment_10k_yuan"])
        assert figures_ == (row.rank, row.target, row.submitted, row.submitted_pct, row.built, row.built_pct,
                            row.service_mean, row.investment_10k_yuan)
        shown = sheet[row.county]
        assert (shown["排名"], shown["目标数（名册生活圈）"], shown["已报送"], shown["报送率（%）"],
                shown["建成数（基础型及以上）"], shown["建成率（%）"], shown["服务得分均值"],
                shown["总投资（万元）"]) == figures_
        for table in (docx, html):
            cells = table[row.county]
            assert int(cells[0]) == row.rank
            assert [_number(c) for c in cells[2:7]] == [row.target, row.submitted, row.submitted_pct, row.built,
                                                        row.built_pct]
            assert _number(cells[-3]) == row.service_mean
        feedback = {r["项目"]: r["内容"] for r in _table(_file(office, f"feedback:{row.county}"), "说明")}
        assert feedback["在全市的排名"].startswith(f"第 {row.rank} 名")
        assert (feedback["建成数（基础型及以上）"], feedback["报送率（%）"]) == (row.built, row.submitted_pct)
        if any(m.party == row.county for m in office["mail"].messages):
            text = _mail_text(office, row.county)
            assert f"建成（达到基础型及以上）{row.built}个" in text
            assert f"排第{row.rank}位" in text


def test_city_row_and_counts_agree_everywhere(office):
    run, summary = office["run"], office["json"]
    city = summary["city"]
    rows = summary["counties"]
    for key in ("target", "submitted", "accepted", "built", "projects", "overdue"):
        assert city[key] == sum(r[key] for r in rows), key
    assert summary["circles"]["submitted"] == city["submitted"] == run.city.submitted
    assert city["errors"] == sum(r["errors"] for r in rows) == summary["issues"]["errors"]
    total_row = _table(_file(office, "consolidated"), "县市区汇总")[-1]
    assert total_row["县市区"] == "合计"
    assert (total_row["已报送"], total_row["建成数（基础型及以上）"], total_row["建成率（%）"],
            total_row["错误数（采用的文件）"]) == (city["submitted"], city["built"], city["built_pct"], city["errors"])
    stats = dict(openpyxl.load_workbook(_file(office, "consolidated"))["总览"].iter_rows(min_col=1, max_col=2,
                                                                                       values_only=True))
    assert stats["问题：错误（处，采用的文件中）"] == city["errors"]
    assert stats["已采用的生活圈（个）"] == city["accepted"]
    totals = docx_rows(Document(str(_file(office, "bulletin_docx"))))[-1]
    assert totals[1] == "全市" and [_number(c) for c in totals[2:7]] == [
        city["target"], city["submitted"], city["submitted_pct"], city["built"], city["built_pct"]]


def test_targets_read_the_same_in_every_output(office):
    summary = office["json"]
    overview = openpyxl.load_workbook(_file(office, "consolidated"))["总览"]
    shown = {row[0]: row for row in overview.iter_rows(values_only=True) if row[0]}
    text = docx_text(Document(str(_file(office, "bulletin_docx"))))
    leader = _mail_text(office, "领导")
    for target in summary["targets"]:
        row = shown[target["label"]]
        assert (row[1], row[2], row[3]) == (target["target"], target["actual"], target["unit"])
        assert row[6] == target["standing"]  # the same verdict in 总览 and run.json (and the terminal)
        assert row[4] == dt.datetime(2025, 12, 31)
        actual = bulletin.num(target["actual"])
        assert f"{target['label']}：目标{bulletin.num(target['target'])}{target['unit']}" in leader
        assert f"目前{actual}{target['unit']}" in leader
        assert (f"目前为{actual}%" if target["unit"] == "%" else f"目前已完成{actual}个") in text
    satisfaction = next(t for t in summary["targets"] if t["key"] == "satisfaction")
    upward = {c.data["name"]: c.data for c in check_file(_file(office, "upward"), today=AS_OF).circles}
    assert upward[CITY_TOTAL]["total"]["satisfaction_pct"] == satisfaction["actual"]


# ---------------------------------------------------------------------------
# Flagged values stay out
# ---------------------------------------------------------------------------


def test_people_in_a_10k_cell_reach_no_total_and_go_up_blank(office):
    run = office["run"]
    planted = _mistake(office, "residents_people")
    circle = next(c for c in run.accepted if c.data.get("name") == planted.circle)
    filed = circle.data["residents_10k"]
    assert filed > 1000 and "residents_10k" in circle.flags
    valid = [c.data["residents_10k"] for c in run.accepted
             if "residents_10k" not in c.flags and isinstance(c.data.get("residents_10k"), (int, float))]
    upward = {c.data["name"]: c.data for c in check_file(_file(office, "upward"), today=AS_OF).circles}
    assert upward[CITY_TOTAL]["residents_10k"] == pytest.approx(sum(valid))
    assert upward[circle.name]["residents_10k"] is None  # left blank for the province
    listed = [r for r in _pending_rows(_file(office, "upward")) if r["生活圈名称"] == circle.name]
    assert [(r["县市区填报值"], r["可能的正确值"]) for r in listed if r["栏目"].startswith("生活圈服务覆盖的居民")] \
        == [(str(filed).removesuffix(".0"), round_half_up(filed / 10000, 2))]
    satisfaction = next(t for t in run.targets if t.key == "satisfaction")
    assert "的满意度或居民数有误，未计入" in satisfaction.note
    assert satisfaction.n == sum(1 for c in run.accepted if not c.flags.keys() & {"residents_10k"}
                                 and figures.satisfaction(c) is not None and c.data.get("residents_10k"))


def _pending_rows(path) -> list[dict]:
    """The 待核实 sheet's rows, keyed by its header (below the caption)."""
    rows = list(openpyxl.load_workbook(path)["待核实"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row and row[0] == "序号")
    return [dict(zip(rows[top], row)) for row in rows[top + 1:]]


def test_pending_list_holds_the_countys_value_and_the_suggestion(office):
    run = office["run"]
    planted = _mistake(office, "residents_people")
    row = next(p for p in run.pending if p["circle"] and planted.circle.startswith(p["circle"][:6])
               and p["field"].startswith("生活圈服务覆盖的居民"))
    filed = float(row["value"])
    assert row["suggestion"] == round_half_up(filed / 10000, 2)
    assert row["county"] == "济宁高新区" and row["cell"]


def test_a_future_date_goes_up_blank_and_makes_no_project_overdue(office):
    run = office["run"]
    planted = _mistake(office, "future_date")
    circle = next(c for c in run.accepted if c.data.get("name") == planted.circle)
    assert "as_of" in circle.flags
    upward = {c.data["name"]: c.data for c in check_file(_file(office, "upward"), today=AS_OF).circles}
    assert upward[circle.name].get("as_of") is None
    for project in (p for p in run.projects if p["circle"] == circle.name):
        assert project["overdue"] == (project.get("status") != "已完成"
                                      and (project.get("planned_finish") or "9") < AS_OF.isoformat())


def test_a_satisfaction_of_120_is_in_no_weighted_mean(office):
    run = office["run"]
    planted = _mistake(office, "percent_120")
    circle = next(c for c in run.accepted if c.data.get("name") == planted.circle)
    (path,) = [p for p in circle.flags if p.endswith("satisfaction_pct")]
    category = path.split(".")[1]
    pairs = [((c.data["categories"].get(category) or {}).get("satisfaction_pct"), c.data.get("residents_10k"))
             for c in run.accepted if not c.flags.keys() & {path, "residents_10k"}]
    pairs = [(v, w) for v, w in pairs if isinstance(v, (int, float)) and isinstance(w, (int, float)) and w]
    expected = round_half_up(sum(v * w for v, w in pairs) / sum(w for _, w in pairs))
    assert run.city_form5["categories"][category]["satisfaction_pct"] == expected


# ---------------------------------------------------------------------------
# Blanks, ranking, wording
# ---------------------------------------------------------------------------


def test_a_county_that_sent_nothing_shows_blanks_not_zeros_and_ranks_last(office):
    run, summary = office["run"], office["json"]
    silent = office["summary"].silent_counties[0]
    row = next(r for r in summary["counties"] if r["county"] == silent)
    assert row["investment_10k_yuan"] is None and row["presence_mean"] is None and row["service_mean"] is None
    assert row["rank"] == max(r.rank for r in run.counties)
    docx = {cells[1]: cells for cells in docx_rows(Document(str(_file(office, "bulletin_docx"))))[1:]}
    assert docx[silent][-2] == "—" and docx[silent][-3] == "—"  # 总投资, 服务均分


def test_counties_whose_forms_were_not_filled_are_named_with_the_reason(office):
    run = office["run"]
    unscored = [r for r in run.counties if r.accepted and r.built == 0]
    assert unscored, "the demo has counties that filled no 附件2"
    text = docx_text(Document(str(_file(office, "bulletin_docx"))))
    lagging = figures.leading_and_lagging(run)["lagging"]
    for row in unscored:
        assert row.county in lagging
        sentence = next(part for part in text.split("；") if "已采用的生活圈均未达标，原因是" in part
                        and row.county in part.split("已采用的")[0])
        assert row.not_typed_reason and row.not_typed_reason in sentence
    assert text.index(f"{lagging[0]}") < text.index("进度相对滞后")


def test_ranking_puts_the_fewest_built_at_the_bottom(office):
    rows = figures.ranked(office["run"])
    shares = [r.built / r.target for r in rows]
    assert shares == sorted(shares, reverse=True)
    for a, b in zip(rows, rows[1:]):
        assert a.rank <= b.rank
        assert (a.rank == b.rank) == (figures.rank_key(a) == figures.rank_key(b))


def test_half_up_rounding_everywhere():
    assert round_half_up(81.25) == 81.3 and round(81.25, 1) == 81.2
    assert figures.pct(65, 80) == 81.3
    assert bulletin.fixed(81.25) == "81.3" and bulletin.num(0.125, 2) == "0.13"


# ---------------------------------------------------------------------------
# A flagged value never changes a city figure (property)
# ---------------------------------------------------------------------------

BASE = sample_run()


def _city_figures(run) -> tuple:
    return (run.city_form5, [dataclasses.astuple(t) for t in run.targets], dataclasses.asdict(run.city),
            [dataclasses.asdict(r) for r in run.counties])


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(BASE.accepted) - 1),
       path=st.sampled_from(["residents_10k", "total.satisfaction_pct", "total.outlets", "centers",
                             "categories.breakfast.outlets", "categories.convenience_store.satisfaction_pct"]),
       value=st.one_of(st.floats(-1e7, 1e7, allow_nan=False), st.integers(-10**7, 10**7)))
def test_a_flagged_value_never_changes_a_city_figure(index, path, value):
    runs = []
    for filed in (None, value):
        run = sample_run()
        circle = run.accepted[index]
        node = circle.data
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = filed
        circle.flags = {path: {"code": "V-NUMBER", "message": "有误", "sheet": "附件5", "cell": "C9",
                               "value": str(filed), "suggestion": None}}
        figures.compute(run, sample_registry(), DEFAULT_TARGETS, None, [])
        runs.append(_city_figures(run))
    assert runs[0][:3] == runs[1][:3]


# ---------------------------------------------------------------------------
# Targets and their deadlines
# ---------------------------------------------------------------------------


def test_targets_default_to_the_plan_and_take_a_later_phase():
    assert targets_from_mapping({}) == DEFAULT_TARGETS
    specs = targets_from_mapping({"circles": {"deadline": "2026-06-30"},
                                  "circles_2030": {"measure": "circles", "label": "到2030年建成", "value": 200,
                                                   "unit": "个", "deadline": dt.date(2030, 12, 31)}})
    by_key = {s.key: s for s in specs}
    assert by_key["circles"].value == 120 and by_key["circles"].deadline == dt.date(2026, 6, 30)
    assert by_key["circles_2030"] == TargetSpec("circles_2030", "circles", "到2030年建成", 200, "个",
                                                dt.date(2030, 12, 31))
    assert [s.key for s in targets_from_mapping({"defaults": False, "x": {"measure": "satisfaction", "value": 96}})] \
        == ["x"]


@pytest.mark.parametrize("table, words", [
    ({"circles": {"unit": "%"}}, "unit 应为“个”"),
    ({"circles": {"value": 0}}, "value 应为正数"),
    ({"satisfaction": {"value": 120}}, "不大于 100"),
    ({"x": {"value": 5}}, "measure 应为"),
    ({"circles": {"deadline": "明年"}}, "deadline 应写成"),
    ({"circles": {"target": 5}}, "不认识的设置"),
])
def test_wrong_targets_are_a_chinese_message(table, words):
    with pytest.raises(ValueError, match=words):
        targets_from_mapping(table)


def test_the_config_file_sets_the_targets(tmp_path):
    (tmp_path / "jnqh.toml").write_text('[targets.circles]\nvalue = 100\ndeadline = 2027-06-30\n', encoding="utf-8")
    settings = load_settings(tmp_path / "jnqh.toml")
    circles = next(t for t in settings.targets if t.key == "circles")
    assert (circles.value, circles.deadline) == (100, dt.date(2027, 6, 30))


def test_after_the_deadline_the_bulletin_says_it_has_passed(tmp_path):
    run = sample_run()
    run.as_of = dt.date(2026, 12, 7)
    run.targets = figures.targets(run, DEFAULT_TARGETS, None)
    text = docx_text(Document(str(bulletin.write_bulletin(run, tmp_path)["docx"])))
    assert "目标期限（2025年12月31日）已过，未能按期完成" in text
    assert "确保按期完成" not in text and "距期限" not in text


def test_before_the_deadline_it_says_how_long_is_left(tmp_path):
    run = sample_run()  # 2024-04-30: 20 months before 2025-12-31
    text = docx_text(Document(str(bulletin.write_bulletin(run, tmp_path)["docx"])))
    assert "距期限（2025年12月31日）还有20个月" in text and "已过" not in text
    assert "确保按期完成" in text


def test_a_later_phase_is_reported_with_its_own_deadline(tmp_path):
    run = sample_run()
    phase = TargetSpec("circles_2030", "circles", "到2030年全市建成一刻钟便民生活圈", 200, "个", dt.date(2030, 12, 31))
    run.targets = figures.targets(run, (*DEFAULT_TARGETS, phase), None)
    text = docx_text(Document(str(bulletin.write_bulletin(run, tmp_path)["docx"])))
    assert "到2030年全市建成一刻钟便民生活圈目标为200个，期限为2030年12月31日" in text
    assert "距期限（2030年12月31日）还有80个月" in text


# ---------------------------------------------------------------------------
# The trend across periods
# ---------------------------------------------------------------------------


def test_the_second_period_shows_the_trend(office, tmp_path):
    folder = tmp_path / "办公室"
    shutil.copytree(office["settings"].folder, folder, ignore=shutil.ignore_patterns("outbox"))
    settings = load_settings(folder / "jnqh.toml")
    registry = load_registry(settings.registry)
    runs = [consolidate(settings, registry, Options(inbox=settings.inbox, outbox=settings.outbox, as_of=day)).run
            for day in (AS_OF, AS_OF + dt.timedelta(days=7))]
    second = runs[-1]
    assert [row["number"] for row in second.trend] == [1, 2]
    built = next(t for t in runs[0].targets if t.key == "circles").actual
    assert second.trend[0]["circles"] == built
    workbook = settings.outbox / second.outputs["consolidated"]
    rows = _table(workbook, "历次")
    assert [r["期数"] for r in rows] == ["第1期", "第2期"]
    assert [r["建成数（个）"] for r in rows] == [row["circles"] for row in second.trend]
    overview = openpyxl.load_workbook(workbook)["总览"]
    assert len(overview._charts) == 2
    with zipfile.ZipFile(workbook) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/"))
    assert xml.count("<c:lineChart>") == 2  # on 总览 and on 历次
    text = docx_text(Document(str(settings.outbox / second.outputs["bulletin_docx"])))
    assert "与第1期（截至2024年5月6日）相比，全市建成生活圈" in text
    document = Document(str(settings.outbox / second.outputs["bulletin_docx"]))
    table = next(rows for rows in (docx_rows(document, i) for i in range(len(document.tables))) if rows[0][0] == "期数")
    assert [r[0] for r in table[1:]] == ["第1期", "第2期"]
    # and drawn: bars per period in the .docx (a table of shaded cells), an SVG in the .html
    bars = [rows for rows in (docx_rows(document, i) for i in range(len(document.tables))) if rows[0][0] == "第1期"]
    assert bars and [r[0] for r in bars[0]] == ["第1期", "第2期"] and bars[0][1][-1] == f"{second.trend[1]['circles']}/120"
    assert "图2　历次全市建成生活圈数" in text
    html = (settings.outbox / second.outputs["bulletin_html"]).read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and ">第2期<" in html


# ---------------------------------------------------------------------------
# The feedback a county can act on
# ---------------------------------------------------------------------------


def _fix_sheet(office, county: str) -> tuple[str, list[dict]]:
    """The 整改清单's note line and its rows, keyed by the header."""
    rows = list(openpyxl.load_workbook(_file(office, f"feedback:{county}"))["整改清单"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "序号")
    return rows[top - 1][0], [dict(zip(rows[top], row)) for row in rows[top + 1:]]


def test_the_fix_list_comes_first_with_a_deadline_and_the_rank(office):
    run = office["run"]
    assert openpyxl.load_workbook(_file(office, "feedback:任城区")).sheetnames[0] == "整改清单"
    note, rows = _fix_sheet(office, "任城区")
    by = AS_OF + dt.timedelta(days=7)  # generated on the 截至日期; the config's default reply_days
    assert run.reply_by == by.isoformat()
    assert f"请于{by.year}年{by.month}月{by.day}日前逐条改正后重新报送" in note
    rank = next(r.rank for r in run.counties if r.county == "任城区")
    assert f"第 {rank} 名" in note
    errors = sum(1 for r in rows if r["类别"] == "错误")
    assert f"错误{errors}处" in note and errors == next(r.errors for r in run.counties if r.county == "任城区")
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["类别"] == "错误" and rows[0]["工作表"] and rows[0]["单元格"]


def test_the_fix_lists_counts_are_the_figures_and_files_are_not_errors(office):
    for row in office["run"].counties:
        if not row.files:
            continue
        note, rows = _fix_sheet(office, row.county)
        if rows:
            assert f"错误{row.errors}处" in note and f"逾期项目{row.overdue}个" in note
            assert f"未达标生活圈{row.accepted - row.built}个" in note
        assert all(r["类别"] == "文件" for r in rows if "无法使用" in (r["问题"] or ""))


def test_chain_share_leaves_out_a_flagged_total():
    run = sample_run()
    circle = run.accepted[0]
    share = figures.chain_share(circle)
    total = circle.data["total"]
    assert share == round_half_up(100 * total["chain"] / total["outlets"])
    circle.flags = {"total.outlets": {"code": "V-TOTAL-MISMATCH", "value": str(total["outlets"])}}
    assert figures.chain_share(circle) is None


def test_each_problem_is_listed_once_and_points_to_the_sheet_it_belongs_to(office):
    unscored = next(r.county for r in office["run"].counties if r.not_typed_reason)
    _, rows = _fix_sheet(office, unscored)
    keys = [(r["生活圈名称"], r["工作表"], r["单元格"], r["问题"]) for r in rows]
    assert len(keys) == len(set(keys))
    fills = [r for r in rows if r["类别"] == "补填"]
    # one line per form left out, naming its circles, not one per fact and circle
    assert 1 <= len(fills) <= 3
    assert any("附件2" in r["怎么改"] for r in fills)
    assert all("附件3" in r["怎么改"] for r in fills if "业态满意度" in r["问题"])
    for county in (row.county for row in office["run"].counties if row.files):
        note, rows = _fix_sheet(office, county)
        text = note + "".join(str(v) for r in rows for v in r.values() if v is not None)
        assert "self_score" not in text and "zip" not in text.lower() and "record" not in text


def test_a_county_that_sent_nothing_is_told_what_to_send_by_when(office):
    silent = office["summary"].silent_counties[0]
    note, rows = _fix_sheet(office, silent)
    assert rows == []
    assert f"本期未收到{silent}报送的材料" in note and "前使用统一模板填报附件5、附件6" in note
    assert "改正后重新报送" not in note


def test_not_typed_circles_are_red_in_the_feedback(office):
    county = next(r.county for r in office["run"].counties if r.accepted > r.built)
    ws = openpyxl.load_workbook(_file(office, f"feedback:{county}"))["生活圈"]
    formulas = [rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules]
    assert any('="未达标"' in f for f in formulas)


def test_reply_days_come_from_the_config(tmp_path):
    (tmp_path / "jnqh.toml").write_text("[feedback]\nreply_days = 10\n", encoding="utf-8")
    assert load_settings(tmp_path / "jnqh.toml").reply_days == 10
    (tmp_path / "jnqh.toml").write_text("[feedback]\nreply_days = 0\n", encoding="utf-8")
    with pytest.raises(Exception, match="reply_days 应为 1 到 60"):
        load_settings(tmp_path / "jnqh.toml")


def test_a_project_value_with_an_error_is_left_out_of_the_investment_sums():
    from jnqh.check.flags import project_flags
    from jnqh.issues import make
    from jnqh.model import FileReport, ProjectRecord, Source

    project = ProjectRecord({"name": "早餐店改造", "investment_10k_yuan": 10.0, "invested_10k_yuan": 800.0},
                            "附件6", 3, {"invested_10k_yuan": Source("附件6", "H3")})
    report = FileReport("任城区.xlsx", None, projects=[project], issues=[
        make("P-INVESTED-GT-TOTAL", file="任城区.xlsx", sheet="附件6", cell="H3", field="project.invested_10k_yuan",
             value=800, invested=800, total=10)])
    flags = project_flags(report, project)
    assert list(flags) == ["invested_10k_yuan"]
    run = sample_run()
    run.projects[0]["invested_10k_yuan"] = 800.0
    run.projects[0]["flags"] = {"invested_10k_yuan": {"code": "P-INVESTED-GT-TOTAL", "value": "800"}}
    before = run.city.invested_10k_yuan
    figures.compute(run, sample_registry(), DEFAULT_TARGETS, None, [])
    others = sum(p["invested_10k_yuan"] for p in run.projects[1:])
    assert run.city.invested_10k_yuan == round_half_up(others, 2) != before
