"""Names never become paths unchecked: one sanitiser for county, circle, party and file names."""

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from jnqh.cli import cli
from jnqh.config import load_settings
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.names import MAX_PART_BYTES, file_name_problem, file_part
from jnqh.read.registry import load_registry
from tests.conftest import copy_office

AS_OF = dt.date(2024, 5, 6)


@pytest.mark.parametrize("name", [
    "../../../逃逸县", "..", ".", "a/b\\c", "C:\\Windows", "任城区:*?\"<>|", "县\x07名", " 尾点. ", "",
    "CON", "nul.txt", "Com1", "LPT9.xlsx", "字" * 200, "a" * 300,
])
def test_every_name_becomes_one_safe_component(name):
    part = file_part(name)
    assert part and part not in (".", "..") and ".." not in part
    assert not set(part) & set('/\\:*?"<>|') and all(ord(ch) >= 32 for ch in part)
    assert part == part.strip(" .")
    assert part.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                                              *(f"LPT{i}" for i in range(10))}
    assert len(part.encode("utf-8")) <= MAX_PART_BYTES
    assert (file_name_problem(name) is None) == (part == name)


def test_plain_names_stay_and_long_ones_stay_apart():
    assert file_part("任城区") == "任城区" and file_part("泗水县_反馈") == "泗水县_反馈"
    assert file_part("字" * 100 + "甲") != file_part("字" * 100 + "乙")


@pytest.fixture(scope="module")
def office(demo_office):
    return demo_office


def test_a_registry_county_with_a_path_writes_inside_the_outbox_and_is_reported(office, tmp_path):
    folder = copy_office(office, tmp_path)
    registry = folder / "生活圈名册.xlsx"
    book = openpyxl.load_workbook(registry)
    book["生活圈名册"]["A2"] = "../../../逃逸县"
    book["联系人"]["B3"] = "李\r\n娜"
    book.save(registry)
    settings = load_settings(folder / "jnqh.toml")
    loaded = load_registry(settings.registry)
    assert [(p.code, p.sheet, p.cell) for p in loaded.problems] == [
        ("R-REGISTRY-NAME", "生活圈名册", "A2"), ("R-REGISTRY-TEXT", "联系人", "B3")]
    assert loaded.contacts[1].person == "李 娜"
    before = {p for p in tmp_path.rglob("*")}
    run = consolidate(settings, loaded, Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF)).run
    new = {p for p in tmp_path.rglob("*")} - before
    inside = {settings.outbox, settings.history_path, settings.history_path.with_name(".jnqh.lock")}
    assert all(p in inside or settings.outbox in p.parents for p in new), sorted(new)
    assert (settings.outbox / "2024-05-06" / "反馈" / "_._._逃逸县_反馈_20240506.xlsx").is_file()
    assert {"R-REGISTRY-NAME", "R-REGISTRY-TEXT"} <= {i.code for i in run.issues}


def test_a_249_byte_inbox_name_still_gets_its_annotated_copy(office, tmp_path):
    source = next((office / "inbox").glob("鱼台县*.xlsx"))
    long_name = tmp_path / ("字" * 81 + "a.xlsx")
    assert len(long_name.name.encode("utf-8")) == 249
    shutil.copy(source, long_name)
    out = tmp_path / "标注"
    result = CliRunner().invoke(cli, ["check", "--annotate", str(out), str(long_name), str(source)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    copies = sorted(p.name for p in out.iterdir())
    assert len(copies) == 2 and all(len(n.encode("utf-8")) <= 255 for n in copies)
