"""`jnqh score` and `jnqh survey` wiring, and the config file that feeds the rubric."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jnqh.cli import cli
from jnqh.config import ConfigError, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = FIXTURES / "seed_clean.xlsx"


def _score_json(*args):
    result = CliRunner().invoke(cli, ["score", *args, "--format", "json"])
    return result, json.loads(result.output)


def test_score_json_adds_the_contract_score_to_each_circle():
    result, payload = _score_json(str(CLEAN))
    circle = payload["files"][0]["circles"][0]
    score = circle["score"]
    assert set(score["presence"]) >= {"total", "basic", "quality", "type"}
    assert set(score["service"]) >= {"total", "grade", "items"}
    assert [item["no"] for item in score["service"]["items"]] == list(range(1, 11))
    assert all(set(item) >= {"no", "name", "points", "max", "explanation"} for item in score["service"]["items"])
    assert score["final_type"] == expected_final_type(score) and score["explanation"]
    assert score["presence"]["type"] == ("未达标", "基础型", "提升型", "品质型")[
        3 if score["presence"]["total"] >= 90 else 2 if score["presence"]["total"] >= 80
        else 1 if score["presence"]["total"] >= 70 else 0]


def test_missing_facts_are_reported_not_silently_zero():
    _, payload = _score_json(str(CLEAN))
    codes = [i["code"] for i in payload["files"][0]["issues"]]
    assert "S-FACT-MISSING" in codes  # the seed layout has no 附件3 facts


def test_score_reads_check_json_records(tmp_path):
    checked = CliRunner().invoke(cli, ["check", str(CLEAN), "--format", "json"]).output
    records = json.loads(checked)
    circle = records["files"][0]["circles"][0]
    circle["service"] = {"repair_kinds": ["修鞋", "修表", "配钥匙"], "harmony": "符合"}
    path = tmp_path / "记录.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    result, payload = _score_json(str(path))
    items = {i["no"]: i for i in payload["files"][0]["circles"][0]["score"]["service"]["items"]}
    assert items[10]["points"] == 8 and "符合" in items[10]["explanation"]
    assert "小修小补" in items[5]["explanation"]


def test_a_broken_json_record_is_a_data_error(tmp_path):
    path = tmp_path / "坏.json"
    path.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(path)])
    assert result.exit_code == 1 and "不是 jnqh check 输出的记录" in result.output


def test_score_text_is_a_scorecard():
    result = CliRunner().invoke(cli, ["score", str(CLEAN)])
    assert "业态“有没有”" in result.output and "服务“好不好”" in result.output and "最终类型" in result.output


def test_rubric_numbers_come_from_the_config(tmp_path):
    config = tmp_path / "jnqh.toml"
    config.write_text('[rubric]\nharmony_points = {"符合" = 8, "基本符合" = 6, "不符合" = 0}\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.rubric.harmony_points["基本符合"] == 6


def test_unknown_rubric_setting_is_a_usage_error(tmp_path):
    config = tmp_path / "jnqh.toml"
    config.write_text("[rubric]\nno_such_cut = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such_cut"):
        load_settings(config)
    result = CliRunner().invoke(cli, ["check", str(CLEAN), "--config", str(config)])
    assert result.exit_code == 2 and "no_such_cut" in result.output


def test_password_only_from_the_environment(tmp_path):
    config = tmp_path / "jnqh.toml"
    config.write_text('[mail]\nhost = "127.0.0.1"\nuser = "office"\n', encoding="utf-8")
    assert load_settings(config, environ={}).mail.password is None
    assert load_settings(config, environ={"JNQH_SMTP_PASSWORD": "s3cret"}).mail.password == "s3cret"
    config.write_text('[mail]\npassword = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="password"):
        load_settings(config)


def test_survey_command_prints_rates_per_circle(tmp_path):
    from jnqh import samples
    import random

    rng = random.Random(3)
    circle = {"name": "任城区古槐街道一刻钟便民生活圈", "residents_10k": 0.1, "communities": ["古槐社区"],
              "as_of": "2024-04-30", "county": "任城区"}
    rows = samples.make_survey_rows(rng, circle, 120, 90)
    path = tmp_path / "问卷.xlsx"
    samples.write_survey_export(path, rows)
    result = CliRunner().invoke(cli, ["survey", str(path), "--circle", circle["name"], "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["circles"][circle["name"]]
    assert figures["answers"] == 120 and 0 <= figures["business_pct"] <= 100


def expected_final_type(score: dict) -> str:
    """scoring.md, independently of the scorer: 附件2 total → type (90/80/70), 附件3 total →
    grade (90/80/70), the grade caps the type (合格 → 基础型 …), 不合格 or 未达标 → 未达标."""
    order = ("未达标", "基础型", "提升型", "品质型")

    def band(total: float) -> int:
        return 3 if total >= 90 else 2 if total >= 80 else 1 if total >= 70 else 0

    return order[min(band(score["presence"]["total"]), band(score["service"]["total"]))]


# -- check JSON as input: the same normalisation and rules as a workbook ---------------------


def _check_json(tmp_path, edit) -> Path:
    result = CliRunner().invoke(cli, ["check", str(CLEAN), "--format", "json"])
    payload = json.loads(result.output)
    edit(payload["files"][0]["circles"][0])
    path = tmp_path / "记录.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_check_json_scores_as_its_workbook(tmp_path):
    _, from_book = _score_json(str(CLEAN))
    _, from_json = _score_json(str(_check_json(tmp_path, lambda circle: None)))
    book, record = from_book["files"][0]["circles"][0], from_json["files"][0]["circles"][0]
    assert record["score"] == book["score"]
    assert {k: v for k, v in record.items() if k != "score"} == {k: v for k, v in book.items() if k != "score"}


def test_a_wrong_type_in_a_check_json_is_an_issue_at_its_field_not_a_traceback(tmp_path):
    def edit(circle):
        circle.setdefault("service", {})["elderly_services"] = 3
        circle["residents_10k"] = [1, 2]

    result, payload = _score_json(str(_check_json(tmp_path, edit)))
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    issues = {(i["field"], i["code"]) for i in payload["files"][0]["issues"] if i["severity"] == "error"}
    assert issues >= {("service.elderly_services", "V-CHOICE"), ("residents_10k", "V-NUMBER")}
    circle = payload["files"][0]["circles"][0]
    assert circle["service"]["elderly_services"] == [] and circle["residents_10k"] is None
    assert result.exit_code == 1


def test_a_string_where_a_list_belongs_is_split_like_a_cell(tmp_path):
    def edit(circle):
        circle.setdefault("service", {})["store_services"] = "打印复印、代扣代缴"

    _, payload = _score_json(str(_check_json(tmp_path, edit)))
    assert payload["files"][0]["circles"][0]["service"]["store_services"] == ["代扣代缴", "打印复印"]


def test_a_json_that_is_not_a_record_is_one_chinese_issue(tmp_path):
    path = tmp_path / "坏.json"
    path.write_text('{"files": [{"circles": 3}]}', encoding="utf-8")
    result, payload = _score_json(str(path))
    (issue,) = payload["files"][0]["issues"]
    assert issue["code"] == "F-JSON" and "circles" in issue["message"] and result.exit_code == 1
