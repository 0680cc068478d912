"""附件4 questionnaire exports: reading both encodings of .xlsx and .xls, and the summary."""

from __future__ import annotations

import pytest

from build_survey_fixtures import (
    COUNTY_CIRCLES, META, RATED, CircleSpec, build_export, county_circles_json, generate, write_xls, write_xlsx,
)
from jnqh import forms
from jnqh.score.rubric import Rubric
from jnqh.score.items import score_circle
from jnqh.read.survey import decode_answer, read_survey, summarise

KINDS = [(fmt, encoding) for fmt in ("xlsx", "xls") for encoding in ("text", "number")]


@pytest.fixture(scope="session")
def exports(tmp_path_factory):
    """The same county survey in both file formats and both answer encodings (3,525 rows each)."""
    folder = tmp_path_factory.mktemp("surveys")
    return {(fmt, encoding): build_export(folder, f"问卷_{encoding}", COUNTY_CIRCLES, fmt=fmt, encoding=encoding,
                                          seed=7, unassigned=25, unknown_every=400)
            for fmt, encoding in KINDS}


@pytest.fixture(scope="session")
def surveys(exports):
    """Each export read once (reading 3,525 rows is the slow part of these tests)."""
    return {kind: read_survey(export.path) for kind, export in exports.items()}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(k))
def test_every_respondent_is_read(exports, surveys, kind):
    export = exports[kind]
    survey = surveys[kind]
    total = sum(spec.respondents for spec in COUNTY_CIRCLES) + 25
    assert len(survey.responses) == total
    assert set(survey.questions) == {q.id for q in forms.SURVEY_QUESTIONS}
    assert survey.residence_columns == [h for h in export.headers if "居住" in h]
    assert [p["code"] for p in survey.problems] == ["Q-ANSWER-UNKNOWN"]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(k))
def test_summary_counts_match_what_was_written(exports, surveys, kind):
    export = exports[kind]
    summary = summarise(surveys[kind].responses, county_circles_json())
    assert set(summary) == {spec.name for spec in COUNTY_CIRCLES}
    for name, counts in summary.items():
        expected = export.expected[name]
        for key in ("answers", "business_positive", "business_answered", "service_positive", "service_answered"):
            assert counts[key] == expected[key], (name, key)
        assert counts["business_pct"] == pytest.approx(
            100 * expected["business_positive"] / expected["business_answered"])
        assert counts["service_pct"] == pytest.approx(
            100 * expected["service_positive"] / expected["service_answered"])
        assert counts["unassigned"] == 25
        assert all(example.startswith("外区") for example in counts["unassigned_examples"])


def test_both_encodings_and_formats_agree(surveys):
    summaries = [summarise(surveys[kind].responses, county_circles_json()) for kind in KINDS]
    assert summaries[0] == summaries[2]  # text: xlsx == xls
    assert summaries[1] == summaries[3]  # number: xlsx == xls


def test_sample_requirement_is_ten_percent_of_residents(surveys):
    summary = summarise(surveys[("xlsx", "text")].responses, county_circles_json())
    assert (summary["古槐生活圈"]["sample_required"], summary["古槐生活圈"]["sample_ok"]) == (1200, True)
    assert (summary["济阳生活圈"]["sample_required"], summary["济阳生活圈"]["sample_ok"]) == (1500, False)
    assert (summary["金城生活圈"]["sample_required"], summary["金城生活圈"]["sample_ok"]) == (900, True)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: "-".join(k))
def test_unrecognised_answers_are_one_problem_with_the_first_cell(exports, surveys, kind):
    export = exports[kind]
    problem = surveys[kind].problems[0]
    cells = export.unknown_cells["q_service"]
    assert problem["cell"] == cells[0]
    assert problem["severity"] == "warning"
    assert problem["params"]["count"] == len(cells)
    assert f"{len(cells)} 份答卷" in problem["message"]


def test_one_file_per_circle_assigns_every_row(surveys):
    responses = surveys[("xls", "number")].responses
    summary = summarise(responses, county_circles_json(), circle_name="古槐生活圈")
    assert summary["古槐生活圈"]["answers"] == len(responses)
    assert summary["古槐生活圈"]["unassigned"] == 0
    assert summary["济阳生活圈"]["answers"] == 0 and summary["济阳生活圈"]["business_pct"] is None


def test_summary_feeds_items_two_and_three(surveys):
    summary = summarise(surveys[("xlsx", "number")].responses, county_circles_json())
    circle = {"name": "古槐生活圈", "residents_10k": 1.2,
              "service": {"business_satisfaction_pct": None, "service_satisfaction_pct": None}}
    result = score_circle(circle, Rubric(), survey=summary["古槐生活圈"])
    business, service = result["service"]["items"][1:3]
    assert business["source"] == service["source"] == "附件4问卷"
    assert business["points"] == 16 and service["points"] == 16  # ≈ 93 % with 1,400 answers ≥ 1,200


def test_data_away_from_the_corner_gets_true_cell_addresses(tmp_path):
    headers, rows, _expected, unknown = generate(COUNTY_CIRCLES[:1], seed=3, unknown_every=50)
    path = tmp_path / "offset.xlsx"
    write_xlsx(path, headers, rows[:120], origin=(2, 2))
    problem = read_survey(path).problems[0]
    col = 2 + headers.index(next(h for h in headers if RATED["q_service"][0] in h))
    letters = chr(ord("A") + col // 26 - 1) + chr(ord("A") + col % 26) if col >= 26 else chr(ord("A") + col)
    assert problem["cell"] == f"{letters}{3 + unknown['q_service'][0]}"
    assert len(read_survey(path).responses) == 120


def test_headers_with_line_breaks_and_spaces_still_match(tmp_path):
    headers, rows, expected, _ = generate(COUNTY_CIRCLES[2:], seed=1)
    headers = [h.replace("，", "，\n ", 1) if h[0].isdigit() else h for h in headers]
    path = tmp_path / "wrapped.xls"
    write_xls(path, headers, rows)
    survey = read_survey(path)
    assert len(survey.questions) == 7 and survey.problems == []
    summary = summarise(survey.responses, county_circles_json())
    assert summary["金城生活圈"]["service_answered"] == expected["金城生活圈"]["service_answered"]


def test_blank_rows_are_not_respondents(tmp_path):
    headers, rows, _, _ = generate(COUNTY_CIRCLES[2:], seed=2)
    rows = rows[:10] + [[""] * len(headers)] * 3 + rows[10:20]
    path = tmp_path / "gaps.xlsx"
    write_xlsx(path, headers, rows)
    assert len(read_survey(path).responses) == 20


def test_file_without_rated_questions_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "other.xlsx"
    write_xlsx(path, META + ["1、您的性别", "2、您的年龄", "3、您的职业"], [[1, "2024/5/6", "90秒", "", "", "", "男", 2, 3]])
    survey = read_survey(path)
    assert [p["code"] for p in survey.problems] == ["Q-NO-QUESTIONS", "Q-NO-RESIDENCE"]
    assert forms.SURVEY_QUESTIONS[0].prefix in survey.problems[0]["message"]
    assert summarise(survey.responses, county_circles_json())["古槐生活圈"]["business_pct"] is None


def test_some_rated_questions_missing_names_them(tmp_path):
    headers, rows, _, _ = generate(COUNTY_CIRCLES[2:], seed=4)
    keep = [i for i, h in enumerate(headers) if RATED["q_smart"][0] not in h]
    path = tmp_path / "partial.xlsx"
    write_xlsx(path, [headers[i] for i in keep], [[row[i] for i in keep] for row in rows])
    survey = read_survey(path)
    assert [p["code"] for p in survey.problems] == ["Q-NO-QUESTIONS"]
    assert "智能结算" in survey.problems[0]["message"]
    assert set(survey.questions) == {q.id for q in forms.SURVEY_QUESTIONS} - {"q_smart"}


def test_sheet_without_any_header_is_a_problem(tmp_path):
    path = tmp_path / "blank.xlsx"
    write_xlsx(path, ["随便写的"], [["一些字"]])
    survey = read_survey(path)
    assert survey.responses == [] and survey.problems[0]["code"] == "Q-NO-QUESTIONS"


def test_without_residence_question_nothing_is_assigned_unless_one_circle(tmp_path):
    headers, rows, _, _ = generate(COUNTY_CIRCLES[2:], seed=5)
    keep = [i for i, h in enumerate(headers) if "居住" not in h]
    path = tmp_path / "noresidence.xls"
    write_xls(path, [headers[i] for i in keep], [[row[i] for i in keep] for row in rows])
    survey = read_survey(path)
    assert [p["code"] for p in survey.problems] == ["Q-NO-RESIDENCE"]
    summary = summarise(survey.responses, county_circles_json())
    assert summary["金城生活圈"]["answers"] == 0 and summary["金城生活圈"]["unassigned"] == len(rows)
    assert summarise(survey.responses, [], circle_name="金城生活圈")["金城生活圈"]["answers"] == len(rows)


def test_missing_and_broken_files_are_problems(tmp_path):
    assert read_survey(tmp_path / "nowhere.xlsx").problems[0]["code"] == "F-MISSING"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    survey = read_survey(broken)
    assert survey.responses == [] and survey.problems[0]["code"] == "F-CORRUPT"
    assert survey.problems[0]["severity"] == "error"
    html = tmp_path / "问卷.xls"
    html.write_text("<html><table><tr><td>序号</td></tr></table></html>", encoding="utf-8")
    assert [p["code"] for p in read_survey(html).problems] == ["F-NOT-EXCEL"]


@pytest.mark.parametrize("value, answer, known", [
    ("能够满足", "能够满足", True), (1, "能够满足", True), (3.0, "不能满足", True), ("2", "基本满足", True),
    (-2, None, True), (-3, None, True), ("-2", None, True), ("(跳过)", None, True), ("", None, True),
    (None, None, True), (" 基本满足 ", "基本满足", True), ("B.基本满足", "基本满足", True),
    ("4", None, False), (0, None, False), ("说不清", None, False),
])
def test_decode_answer(value, answer, known):
    assert decode_answer(value, ("能够满足", "基本满足", "不能满足")) == (answer, known)


def test_decode_answer_prefers_the_longest_option_contained():
    options = ("很满意", "比较满意", "不满意")
    assert decode_answer("C.不满意", options) == ("不满意", True)
    assert decode_answer("比较满意（4分）", options) == ("比较满意", True)


def test_community_matching_substring_either_way_and_longest_wins():
    circles = [{"name": "甲", "communities": ["古槐社区"], "residents_10k": 1},
               {"name": "乙", "communities": ["古槐社区东区", " "], "residents_10k": 1}]
    answers = {q.id: q.positive[0] for q in forms.SURVEY_QUESTIONS}
    responses = [{"residence": text, "answers": answers} for text in (
        "古槐", "古 槐 社区 3号楼", "古槐社区东区5号", "月季花园┋古槐社区东区", "其他地方", None, "")]
    summary = summarise(responses, circles)
    assert summary["甲"]["answers"] == 2
    assert summary["乙"]["answers"] == 2
    assert summary["甲"]["unassigned"] == 3
    assert summary["甲"]["business_pct"] == 100.0


def test_blank_answers_are_not_counted():
    circles = [CircleSpec("甲", ("甲社区",), 0)]
    responses = [{"residence": "甲社区", "answers": {"q_basic": "能够满足", "q_quality": None}},
                 {"residence": "甲社区", "answers": {"q_basic": "不能满足", "q_quality": "基本满足"}},
                 {"residence": "甲社区", "answers": {}}]
    summary = summarise(responses, [{"name": c.name, "communities": list(c.communities)} for c in circles])
    assert summary["甲"]["answers"] == 3
    assert (summary["甲"]["business_positive"], summary["甲"]["business_answered"]) == (2, 3)
    assert summary["甲"]["business_pct"] == pytest.approx(66.6666666)
    assert summary["甲"]["service_pct"] is None
    assert summary["甲"]["sample_required"] is None and summary["甲"]["sample_ok"] is None
