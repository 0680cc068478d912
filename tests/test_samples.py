"""jnqh.samples: the made-up circles are plausible, land on their type, and every writer's
workbook opens and reads back to the same data (the round trip through jnqh.read)."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from jnqh import forms, samples
from jnqh.check.files import check_file
from jnqh.read.registry import RegisteredCircle, Registry
from jnqh.score.rubric import Rubric
from jnqh.samples import seed_layout
from jnqh.score.items import score_circle
from jnqh.read.survey import read_survey, summarise

AS_OF = dt.date(2024, 4, 29)
TODAY = dt.date(2024, 5, 6)
HEADER_IDS = ("name", "county", "as_of", "operators", "layout", "boundaries", "communities", "platform",
              "centers", "residents_10k", "facility_area_pct", "notes")
AREAS = ("南池", "东关", "西关", "北关")


def _circles(seed: int = 3, county: str = "任城区") -> list[dict]:
    rng = random.Random(seed)
    return [samples.make_circle(rng, name=f"{county}古槐街道{area}片区一刻钟便民生活圈", county=county,
                                as_of=AS_OF, level=level)
            for area, level in zip(AREAS, samples.LEVELS)]


def _projects(circles: list[dict], seed: int = 4) -> list[dict]:
    rng = random.Random(seed)
    return [p for c in circles for p in samples.make_projects(rng, c, AS_OF)]


def _registry(circles: list[dict]) -> Registry:
    return Registry([RegisteredCircle(c["county"], c["name"], True) for c in circles])


def cell_values(data: bytes | Path) -> dict[str, list[list]]:
    """Every sheet's values, read with python-calamine (how xlsx outputs are compared)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    book = (python_calamine.CalamineWorkbook.from_filelike(source) if isinstance(data, bytes)
            else python_calamine.CalamineWorkbook.from_path(source))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _written(writer, *args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    writer(buffer, *args, **kwargs)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------


def test_circle_has_every_field_of_the_contract():
    circle = _circles()[0]
    assert set(HEADER_IDS) <= set(circle)
    assert set(circle["categories"]) == {c.id for c in forms.CATEGORIES}
    assert set(circle["presence"]) == {t.id for t in forms.PRESENCE_TYPES}
    assert {f.id for f in forms.SERVICE_FACTS} | {"events"} == set(circle["service"])
    assert set(circle["self_score"]["service"]) == {str(n) for n in range(1, 11)}
    for row in (*circle["categories"].values(), circle["total"]):
        assert set(row) == {c.id for c in forms.OUTLET_COLUMNS}


@pytest.mark.parametrize("seed", range(6))
def test_circle_numbers_are_plausible_and_consistent(seed):
    for circle in _circles(seed):
        assert 0.5 <= circle["residents_10k"] <= 4
        assert circle["boundaries"].startswith("东至") and "北至" in circle["boundaries"]
        assert all(name.endswith("社区") for name in circle["communities"])
        for category in forms.CATEGORIES:
            row = circle["categories"][category.id]
            assert 0 <= row["chain"] <= row["outlets"]
            assert row["staff_10k"] <= row["outlets"] * forms.STAFF_PER_OUTLET_MAX_10K
            if row["outlets"]:
                assert 80 <= row["satisfaction_pct"] <= 99
            # 附件2 says 有 exactly where 附件5 counts outlets of the type
            for type_id in category.presence_types:
                assert circle["presence"][type_id] == (row["outlets"] > 0)
        assert circle["total"]["outlets"] == sum(r["outlets"] for r in circle["categories"].values())
        events = circle["service"]["events"]
        assert all(e["date"] <= circle["as_of"] and e["date"][:4] == circle["as_of"][:4] for e in events)


@pytest.mark.parametrize("level", samples.LEVELS)
def test_levels_land_on_their_type_and_self_scores_agree(level):
    for seed in range(12):
        circle = samples.make_circle(random.Random(seed), name="任城区古槐街道一刻钟便民生活圈", county="任城区",
                                     as_of=AS_OF, level=level)
        scored = score_circle(circle, Rubric())
        assert scored["final_type"] == samples.EXPECTED_TYPE[level], scored["explanation"]
        assert scored["self_score_differences"] == []


def test_same_seed_same_data():
    assert _circles(7) == _circles(7)
    assert _projects(_circles(7)) == _projects(_circles(7))
    assert _circles(7) != _circles(8)


def test_projects_are_plausible_and_some_are_overdue():
    circles = _circles()
    projects = _projects(circles)
    assert {p["circle"] for p in projects} == {c["name"] for c in circles}
    overdue = [p for p in projects if p["status"] != forms.STATUS_DONE and p["planned_finish"] < AS_OF.isoformat()]
    assert overdue, "the circles that have not 落实 their projects must have overdue ones"
    for project in projects:
        assert set(project) == {f.id for f in forms.PROJECT_FIELDS}
        assert project["kind"] in forms.PROJECT_KINDS and project["status"] in forms.PROJECT_STATUSES
        assert 0 <= project["invested_10k_yuan"] <= project["investment_10k_yuan"]
        assert project["start"] <= project["planned_finish"]
        assert (project["finished"] is not None) == (project["status"] == forms.STATUS_DONE)
    for circle in circles:
        if circle["service"]["projects_done"]:
            mine = [p for p in projects if p["circle"] == circle["name"]]
            assert not any(p in overdue for p in mine)


def test_inject_mistakes_works_on_a_copy():
    circle = _circles()[1]
    wrong = samples.inject_mistakes(circle, samples.MISTAKES)
    assert wrong != circle and circle == _circles()[1]
    assert wrong["residents_10k"] >= forms.RESIDENTS_PEOPLE_THRESHOLD
    assert wrong["as_of"] > circle["as_of"] and wrong["boundaries"] is None and wrong["name"] != circle["name"]
    assert any(r["chain"] > r["outlets"] for r in wrong["categories"].values())
    with pytest.raises(ValueError):
        samples.inject_mistakes(circle, ["no_such_mistake"])


# ---------------------------------------------------------------------------
# The writers: the workbooks open, look like what they imitate, are deterministic
# ---------------------------------------------------------------------------


def test_template_workbook_opens_and_holds_the_values():
    circles = _circles()
    data = _written(samples.write_template_workbook, "任城区", circles, _projects(circles))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["附件5-1"]
    assert sheet["B3"].value == circles[0]["name"]
    assert sheet["F3"].value.date() == AS_OF
    from jnqh.write.template import FORM5

    assert sheet[FORM5.outlet_cell("breakfast", "outlets")].value == circles[0]["categories"]["breakfast"]["outlets"]
    assert "附件6项目清单" in cell_values(data)


def test_seed_workbook_looks_like_the_seed():
    circles = _circles()
    data = _written(samples.write_seed_workbook, "任城区", circles, _projects(circles), header_as_one_cell=True,
                    with_form2=True)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    for label in (seed_layout.RESIDENTS_LABEL, "其中：品\n牌连锁店数量（个）", "邮政快递综合服\n务点（快件箱组）",
                  seed_layout.BASIC_GROUP_LABEL, forms.FORM5_TITLE):
        assert label in texts
    assert any(t.startswith("试点生活圈名称：") and "所在县市区：任城区" in t and "截至日期：" in t for t in texts)
    assert any("√" in t and "□" in t and "\n" in t for t in texts if t.startswith("街道"))
    assert any(t.startswith("集聚式为主") for t in texts)
    merged = [str(r) for r in sheet.merged_cells.ranges]
    assert len(merged) >= 15
    # a leading empty row and column, as when the Word table is pasted at B2
    assert all(c.value is None for c in sheet["A"]) and all(c.value is None for c in sheet[1])
    projects = book["附件6"]
    assert projects["A1"].value == "附件6：" and projects["C4"].value == "项目名称"
    assert any("☑" in (c.value or "") for c in book["附件2-1"]["B"])


def test_seed_workbook_stacked_on_one_sheet():
    circles = _circles()
    data = _written(samples.write_seed_workbook, "任城区", circles, [], one_sheet_per_circle=False)
    values = cell_values(data)
    assert len(values) == 2  # the forms, and 附件6
    first = next(iter(values.values()))
    assert sum(1 for row in first for v in row if v == "试点生活圈名称：") == len(circles)


@pytest.mark.parametrize("writer", ["template", "seed"])
def test_writers_are_deterministic(writer):
    def make() -> bytes:
        circles = _circles(11)
        if writer == "template":
            return _written(samples.write_template_workbook, "任城区", circles, _projects(circles))
        return _written(samples.write_seed_workbook, "任城区", circles, _projects(circles), with_form2=True)

    assert cell_values(make()) == cell_values(make())


@pytest.mark.parametrize("numeric,xls", [(False, False), (True, False), (False, True), (True, True)])
def test_survey_export_reads_back(tmp_path, numeric, xls):
    circle = _circles()[1]
    rows = samples.make_survey_rows(random.Random(1), circle, 80, 90)
    path = tmp_path / f"{circle['name']}.{'xls' if xls else 'xlsx'}"
    samples.write_survey_export(path, rows, numeric=numeric, xls=xls)
    survey = read_survey(path)
    assert survey.problems == []
    assert len(survey.responses) == 80
    assert set(survey.questions) == {q.id for q in forms.SURVEY_QUESTIONS}
    summary = summarise(survey.responses, [circle])[circle["name"]]
    assert summary["answers"] == 80 and summary["unassigned"] == 0
    assert 75 <= summary["business_pct"] <= 100


def test_survey_export_is_deterministic():
    circle = _circles()[0]
    make = lambda: _written(samples.write_survey_export,  # noqa: E731
                            samples.make_survey_rows(random.Random(2), circle, 20, 90))
    assert cell_values(make()) == cell_values(make())


def test_formula_like_text_stays_text():
    circle = samples.inject_mistakes(_circles()[0], ["formula_text"])
    for writer in (samples.write_template_workbook, samples.write_seed_workbook):
        book = openpyxl.load_workbook(io.BytesIO(_written(writer, "任城区", [circle], [])))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
                 if c.value in samples.circles.FORMULA_TEXTS]
        assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


# ---------------------------------------------------------------------------
# Round trip: written by each writer, read by jnqh.read, the same data
# ---------------------------------------------------------------------------

WRITERS = {
    "template": lambda target, county, circles, projects: samples.write_template_workbook(
        target, county, circles, projects),
    "seed": lambda target, county, circles, projects: samples.write_seed_workbook(
        target, county, circles, projects, with_form2=True, with_facts=True),
    "seed-one-cell-stacked": lambda target, county, circles, projects: samples.write_seed_workbook(
        target, county, circles, projects, one_sheet_per_circle=False, header_as_one_cell=True),
}


def _read_back(tmp_path: Path, writer: str, circles: list[dict], projects: list[dict]):
    path = tmp_path / f"{writer}.xlsx"
    WRITERS[writer](path, circles[0]["county"], circles, projects)
    return check_file(path, registry=_registry(_circles()), today=TODAY)


@pytest.mark.parametrize("writer", WRITERS)
def test_round_trip_gives_the_same_circles(tmp_path, writer):
    circles = _circles()
    report = _read_back(tmp_path, writer, circles, _projects(circles))
    assert [c.name for c in report.circles] == [c["name"] for c in circles]
    for record, circle in zip(report.circles, circles):
        for key in (*HEADER_IDS, "categories", "total"):
            assert record.data[key] == circle[key], (writer, circle["name"], key)
        if writer != "seed-one-cell-stacked":  # that variant carries no 附件2
            assert record.data["presence"] == circle["presence"]


@pytest.mark.parametrize("writer", ["template", "seed"])
def test_round_trip_gives_facts_events_and_self_scores(tmp_path, writer):
    circles = _circles()
    report = _read_back(tmp_path, writer, circles, _projects(circles))
    for record, circle in zip(report.circles, circles):
        if writer == "template":
            assert record.data["self_score"] == circle["self_score"]
        else:  # the seed's 附件2 carries the 附件2 self-score only
            assert record.data["self_score"] == {"presence": circle["self_score"]["presence"]}
        for fact_id, value in circle["service"].items():
            read = record.data["service"][fact_id]
            # an option list with nothing ticked reads as "not filled"
            assert read == value or (value == [] and read is None), fact_id


@pytest.mark.parametrize("writer", WRITERS)
def test_round_trip_gives_the_same_projects(tmp_path, writer):
    circles = _circles()
    projects = _projects(circles)
    report = _read_back(tmp_path, writer, circles, projects)
    assert len(report.projects) == len(projects)
    columns = [f.id for f in forms.PROJECT_FIELDS] if writer == "template" else \
        ["circle", "county", *seed_layout.PROJECT_COLUMNS]
    for record, project in zip(report.projects, projects):
        assert {k: record.data[k] for k in columns} == {k: project[k] for k in columns}


def test_round_trip_template_clean_file_has_no_errors(tmp_path):
    circles = _circles()
    report = _read_back(tmp_path, "template", circles, _projects(circles))
    assert report.error_count == 0, [i.message for i in report.issues]
    assert {i.code for i in report.issues} <= {"P-OVERDUE"}


def test_round_trip_seed_clean_file_has_no_errors(tmp_path):
    circles = _circles()
    report = _read_back(tmp_path, "seed", circles, _projects(circles))
    assert report.error_count == 0, [i.code for i in report.issues]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("kind", [k for k, code in samples.MISTAKES.items() if code])
def test_round_trip_mistakes_give_their_issue_codes(tmp_path, writer, kind):
    circles = _circles()
    circles[1] = samples.inject_mistakes(circles[1], [kind])
    report = _read_back(tmp_path, writer, circles, [])
    codes = {i.code for i in report.issues}
    assert samples.MISTAKES[kind] in codes
    wrong = [i for i in report.issues if i.code == samples.MISTAKES[kind]]
    assert all(i.sheet for i in wrong)


@pytest.mark.parametrize("writer", WRITERS)
def test_round_trip_formula_text_is_read_as_text(tmp_path, writer):
    circles = _circles()
    circles[0] = samples.inject_mistakes(circles[0], ["formula_text"])
    report = _read_back(tmp_path, writer, circles, [])
    needs = [row["needs"] for row in report.circles[0].data["categories"].values()]
    assert list(samples.circles.FORMULA_TEXTS) == needs[:2]
    assert report.error_count == 0


def test_round_trip_seed_form2_with_nested_circle_names(tmp_path):
    rng = random.Random(1)
    names = ("任城区古槐街道一刻钟便民生活圈", "任城区古槐街道南池片区一刻钟便民生活圈")
    circles = [samples.make_circle(rng, name=n, county="任城区", as_of=AS_OF, level="good") for n in names]
    report = _read_back(tmp_path, "seed", circles, [])
    assert "R-UNASSIGNED" not in {i.code for i in report.issues}
    assert [c.data.get("presence") for c in report.circles] == [c["presence"] for c in circles]
