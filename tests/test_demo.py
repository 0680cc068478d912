"""jnqh.demo: the working folder a newcomer gets, and the registry shipped with jnqh."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from jnqh import demo, forms
from jnqh.config import CONFIG_NAME, DEFAULT_CONFIG, load_settings
from jnqh.check.files import check_file
from jnqh.read.registry import load_registry, shipped_registry_path
from jnqh.read.survey import read_survey

TODAY = dt.date(2024, 5, 6)


def cell_values(path: Path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def snapshot(folder: Path) -> dict[str, object]:
    """Every file of the folder: cell values for workbooks, bytes for the rest."""
    result = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        readable = path.suffix in (".xlsx", ".xls") and not path.name.startswith("~$") and "嘉祥县_便民生活圈_04" not in relative
        result[relative] = cell_values(path) if readable else path.read_bytes()
    return result


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "演示"
    summary = demo.make_demo(folder, today=TODAY)
    return folder, summary


@pytest.fixture(scope="module")
def registry(made):
    return load_registry(made[0] / "生活圈名册.xlsx")


def test_registry_has_the_citys_targets(made, registry):
    folder, summary = made
    assert len(registry.circles) == forms.TARGET_CIRCLES == summary.registry_circles
    assert sum(c.main_city for c in registry.circles) == forms.TARGET_MAIN_CITY == summary.main_city_circles
    assert {c.county for c in registry.circles} == set(forms.COUNTIES)
    assert all(c.name.endswith("一刻钟便民生活圈") and c.name.startswith(c.county) for c in registry.circles)
    assert len({c.name for c in registry.circles}) == 120
    assert all((c.county in forms.MAIN_CITY_COUNTIES) == c.main_city for c in registry.circles)
    assert registry.match("任城区古槐街道一刻钟便民生活圈") is not None


def test_registry_contacts_one_county_without_address(registry):
    assert {c.county for c in registry.contacts} == set(forms.COUNTIES)
    without = [c.county for c in registry.contacts if not c.email]
    assert without == [demo.COUNTY_WITHOUT_EMAIL]
    assert all(c.email.endswith("@example.cn") for c in registry.contacts if c.email)


def test_registry_sheets_and_headers(made):
    book = openpyxl.load_workbook(made[0] / "生活圈名册.xlsx")
    assert book.sheetnames == [forms.REGISTRY_CIRCLES_SHEET, forms.REGISTRY_CONTACTS_SHEET]
    assert [c.value for c in book[forms.REGISTRY_CIRCLES_SHEET][1]] == [c.label for c in forms.REGISTRY_CIRCLE_COLUMNS]
    assert [c.value for c in book[forms.REGISTRY_CONTACTS_SHEET][1]] == [c.label for c in forms.REGISTRY_CONTACT_COLUMNS]


def test_shipped_registry_is_the_generated_one(tmp_path):
    fresh = demo.write_shipped_registry(tmp_path / "生活圈名册.xlsx")
    assert shipped_registry_path().is_file()
    assert cell_values(shipped_registry_path()) == cell_values(fresh)


def test_config_is_the_default_and_loads(made):
    folder, _ = made
    assert (folder / CONFIG_NAME).read_text(encoding="utf-8") == DEFAULT_CONFIG
    settings = load_settings(folder=folder)
    assert settings.registry == folder / "生活圈名册.xlsx" and settings.inbox == folder / "inbox"


def test_inbox_has_what_a_real_week_has(made):
    folder, summary = made
    kinds = Counter(f.kind for f in summary.files)
    assert kinds["lock"] == kinds["pdf"] == kinds["et"] == kinds["corrupt"] == 1
    assert kinds["template"] >= 5 and kinds["seed"] >= 5 and kinds["survey"] >= 5
    assert (folder / "inbox" / "任城区" / "~$任城区.xlsx").is_file()
    assert (folder / "inbox/任城区/任城区_第2批_0429.xlsx").is_file()
    assert any(f.path.endswith(".xls") for f in summary.of_kind("survey"))
    for item in summary.files:
        assert (folder / item.path).is_file(), item.path
    # subfolders for some counties, files at the top for others
    assert any(f.path.count("/") == 2 for f in summary.files) and any(f.path.count("/") == 1 for f in summary.files)
    # one circle per file and several per file
    counts = {len(f.circles) for f in summary.files if f.kind in ("template", "seed")}
    assert 1 in counts and max(counts) > 5


def test_one_county_sent_nothing(made):
    folder, summary = made
    assert summary.silent_counties == [demo.SILENT_COUNTY]
    assert demo.SILENT_COUNTY not in summary.by_county()
    assert not any(demo.SILENT_COUNTY in f.path for f in summary.files)
    assert set(summary.by_county()) == set(forms.COUNTIES) - {demo.SILENT_COUNTY}
    assert summary.circles == 120 - demo.CIRCLES_PER_COUNTY[demo.SILENT_COUNTY]


def test_every_form_file_reads_with_its_circles(made, registry):
    folder, summary = made
    for item in summary.files:
        if item.kind not in ("template", "seed"):
            continue
        report = check_file(folder / item.path, registry=registry, today=TODAY)
        assert not report.unreadable, item.path
        assert [c.name for c in report.circles] == list(item.circles), item.path


def test_odd_files_are_what_they_say(made, registry):
    folder, summary = made
    corrupt = summary.of_kind("corrupt")[0]
    assert check_file(folder / corrupt.path, registry=registry, today=TODAY).unreadable
    assert (folder / summary.of_kind("pdf")[0].path).read_bytes().startswith(b"%PDF-")
    assert (folder / summary.of_kind("et")[0].path).read_bytes().startswith(b"\xd0\xcf\x11\xe0")


def test_resubmission_pair_newer_file_has_later_date(made, registry):
    folder, summary = made
    name, older, newer = summary.resubmission
    dates = []
    for path in (older, newer):
        report = check_file(folder / path, registry=registry, today=TODAY)
        dates += [c.data["as_of"] for c in report.circles if c.name == name]
    assert len(dates) == 2 and dates[0] < dates[1]


def test_mistakes_are_where_the_summary_says(made, registry):
    folder, summary = made
    assert {m.kind for m in summary.mistakes} == set(demo.MISTAKES)
    for mistake in summary.mistakes:
        report = check_file(folder / mistake.path, registry=registry, today=TODAY)
        assert mistake.circle in [c.name for c in report.circles]
        if mistake.code:
            assert mistake.code in {i.code for i in report.issues}, mistake


def test_surveys_read_and_name_their_circle(made):
    folder, summary = made
    for item in summary.of_kind("survey"):
        survey = read_survey(folder / item.path)
        assert survey.problems == [] and len(survey.responses) >= 40, item.path
        assert item.circles[0] in item.path


def test_surveyed_circles_do_not_depend_on_the_date(made, tmp_path):
    # The README names one survey file of the demo: it must be there whatever day it is run.
    _, summary = made
    other = demo.make_demo(tmp_path / "演示", today=TODAY + dt.timedelta(days=215))
    assert [f.path for f in other.of_kind("survey")] == [f.path for f in summary.of_kind("survey")]


def test_rerun_on_the_demo_folder_gives_the_same_folder(made):
    folder, _ = made
    before = snapshot(folder)
    demo.make_demo(folder, today=TODAY)
    assert snapshot(folder) == before


def test_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "我的文件.xlsx").write_bytes(b"x")
    with pytest.raises(demo.DemoError, match="已有文件"):
        demo.make_demo(tmp_path, today=TODAY)
    assert [p.name for p in tmp_path.iterdir()] == ["我的文件.xlsx"]
    file = tmp_path / "文件"
    file.write_text("x")
    with pytest.raises(demo.DemoError):
        demo.make_demo(file, today=TODAY)


def test_summary_is_plain_data(made):
    import json

    _, summary = made
    data = json.loads(json.dumps(summary.to_json(), ensure_ascii=False))
    assert data["registry"] == {"circles": 120, "main_city": 80}
    assert data["circles"] == sum(data["by_county"].values()) == summary.circles
    assert len(data["files"]) == len(summary.files) and data["resubmission"]["circle"] == summary.resubmission[0]
