"""A county sees only its own circles: the "最接近" hint for an unregistered circle is taken
from the submitting county's circles, never from another county's."""

import datetime as dt

import openpyxl
import pytest

from jnqh.check.files import check_paths
from jnqh.config import load_settings
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.read.registry import Registry, RegisteredCircle, load_registry
from jnqh.read.workbook import load_book
from tests import badfiles
from tests.conftest import copy_office

AS_OF = dt.date(2024, 5, 6)
OTHER = "金乡县高河街道一刻钟便民生活圈"  # registered for 金乡县
FILED = "高河街道一刻钟便民生活圈"  # filed by 任城区 (its county cell says so), in no registry


def test_nearest_is_chosen_among_the_county_s_own_circles():
    registry = Registry([RegisteredCircle("金乡县", OTHER, False),
                         RegisteredCircle("任城区", "任城区古槐街道一刻钟便民生活圈", True)])
    assert registry.nearest(FILED, "任城区") != OTHER
    assert registry.nearest("任城区古槐街道X一刻钟便民生活圈", "任城区") == "任城区古槐街道一刻钟便民生活圈"
    assert registry.nearest("金乡县高河街道片区", "金乡县") == OTHER
    assert registry.nearest(FILED, None) is None


@pytest.fixture(scope="module")
def office(demo_office, tmp_path_factory):
    folder = copy_office(demo_office, tmp_path_factory.mktemp("hint"))
    source = sorted((folder / "inbox" / "任城区").glob("任城区_*.xlsx"))[0]
    first = next(c for g in load_book(source).sheets for row in g.rows for c in row
                 if isinstance(c, str) and c.startswith("任城区") and c.endswith("一刻钟便民生活圈"))
    moved = source.with_name("原件.xlsx")
    source.rename(moved)
    badfiles.with_text_replaced(source, moved, {first: FILED})
    moved.unlink()
    return folder, source


def test_check_suggests_no_other_county_s_circle(office):
    folder, source = office
    settings = load_settings(folder / "jnqh.toml")
    result = check_paths([source], registry=load_registry(settings.registry), today=AS_OF)
    unknown = [i for f in result.files for i in f.issues if i.code == "V-CIRCLE-UNKNOWN"]
    assert unknown and FILED in unknown[0].message
    assert not any("金乡县" in i.message for i in unknown)


def test_feedback_of_the_county_names_none_of_another_county_s_circles(office):
    folder, _ = office
    settings = load_settings(folder / "jnqh.toml")
    run = consolidate(settings, load_registry(settings.registry),
                      Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF)).run
    assert any(c.name == FILED for c in run.circles)
    feedback = settings.outbox / run.outputs["feedback:任城区"]
    texts = [c for ws in openpyxl.load_workbook(feedback).worksheets
             for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(FILED in t for t in texts)
    assert not any("金乡县" in t for t in texts)
