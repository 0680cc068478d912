"""The 通报's layout: GB/T 9704-2012 in the .docx (read from its XML), the HTML on a phone."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import zipfile
from html import escape, unescape
from pathlib import Path
from xml.etree import ElementTree

import pytest

import lo
from bulletin_fixtures import sample_run
from jnqh.write import bulletin
from jnqh.write.bulletin_docx import BODY_FONT, HEADING_FONT, PAGE_NUMBER_FONT, SUBHEADING_FONT, TITLE_FONT
from jnqh.config import BulletinSettings, ConfigError, load_settings

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    return bulletin.write_bulletin(sample_run(), tmp_path_factory.mktemp("layout"))


def parts(docx: Path) -> dict[str, ElementTree.Element]:
    with zipfile.ZipFile(docx) as package:
        return {name: ElementTree.fromstring(package.read(name)) for name in package.namelist()
                if name.endswith((".xml", ".rels")) and name.startswith("word/")}


@pytest.fixture(scope="module")
def xml(written) -> dict[str, ElementTree.Element]:
    return parts(written["docx"])


def body(xml) -> ElementTree.Element:
    return xml["word/document.xml"].find(f"{W}body")


def text_of(element) -> str:
    """The text of a paragraph, row or run; a w:tab character as a tab (tab stops are w:tabs)."""
    return "".join("\t" if node.tag == f"{W}tab" and node.get(f"{W}val") is None else (node.text or "")
                   for node in element.iter() if node.tag in (f"{W}t", f"{W}tab"))


def paragraph(xml, starts: str) -> ElementTree.Element:
    return next(p for p in body(xml).iter(f"{W}p") if text_of(p).startswith(starts))


def run_font(run) -> tuple[str, float]:
    rpr = run.find(f"{W}rPr")
    return rpr.find(f"{W}rFonts").get(f"{W}eastAsia"), int(rpr.find(f"{W}sz").get(f"{W}val")) / 2


def runs(p) -> list:
    return [r for r in p.iter(f"{W}r") if r.find(f"{W}t") is not None and r.find(f"{W}t").text]


# -- GB/T 9704 in the .docx -------------------------------------------------------------


def test_the_page_has_a_grid_of_22_lines_by_28_characters(xml):
    sect = body(xml).find(f"{W}sectPr")
    size, margins, grid = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar"), sect.find(f"{W}docGrid")
    assert (grid.get(f"{W}type"), grid.get(f"{W}linePitch"), grid.get(f"{W}charSpace")) == (
        "linesAndChars", "579", "-842")
    height = int(size.get(f"{W}h")) - int(margins.get(f"{W}top")) - int(margins.get(f"{W}bottom"))
    width_pt = (int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))) / 20
    pitch = int(grid.get(f"{W}linePitch"))
    assert 22 * pitch <= height < 23 * pitch  # 22 lines fit, and not 23
    char = 16 + int(grid.get(f"{W}charSpace")) / 4096  # from 三号
    assert 28 * char <= width_pt < 29 * char


def test_body_is_set_to_the_grid_pitches(xml):
    p = paragraph(xml, "为及时掌握")
    assert p.find(f"{W}pPr/{W}spacing").get(f"{W}line") == "579"
    assert p.find(f"{W}pPr/{W}spacing").get(f"{W}lineRule") == "exact"
    run = runs(p)[0]
    assert run_font(run) == (BODY_FONT, 16)  # 三号仿宋
    condensed = int(run.find(f"{W}rPr/{W}spacing").get(f"{W}val")) / 20  # points
    grid = body(xml).find(f"{W}sectPr/{W}docGrid")
    assert 16 + condensed <= 16 + int(grid.get(f"{W}charSpace")) / 4096  # a character fits its cell


def test_title_headings_and_run_in_subheadings_have_their_faces(xml):
    title = paragraph(xml, "济宁市城市一刻钟便民生活圈建设工作通报")
    assert run_font(runs(title)[0]) == (TITLE_FONT, 22)  # 二号小标宋
    assert [run_font(r) for r in runs(paragraph(xml, "一、总体情况"))] == [(HEADING_FONT, 16)]
    sub = paragraph(xml, "（一）建设任务。")
    heading, rest = runs(sub)
    assert text_of(heading) == "（一）建设任务。" and run_font(heading) == (SUBHEADING_FONT, 16)
    assert text_of(rest).startswith("按照实施方案") and run_font(rest) == (BODY_FONT, 16)
    # every （一） of the 通报 (进展, 变化, 问题, 要求) has its 楷体 heading run
    openings = [p for p in body(xml).iter(f"{W}p") if re.match(r"^（[一二三四五六七]）", text_of(p))]
    assert len(openings) >= 12
    assert all(run_font(runs(p)[0])[0] == SUBHEADING_FONT for p in openings)


def test_page_numbers_right_on_odd_pages_left_on_even_pages(xml):
    assert xml["word/settings.xml"].find(f"{W}evenAndOddHeaders") is not None
    sect = body(xml).find(f"{W}sectPr")
    with_ids = {f.get(f"{W}type"): f.get(f"{R}id") for f in sect.findall(f"{W}footerReference")}
    rels = xml_rels(xml)
    footers = {kind: xml["word/" + rels[rid]] for kind, rid in with_ids.items()}
    assert set(footers) == {"default", "even"}  # default = odd pages
    for kind, align, side in (("default", "right", "right"), ("even", "left", "left")):
        p = footers[kind].find(f"{W}p")
        assert p.find(f"{W}pPr/{W}jc").get(f"{W}val") == align
        assert p.find(f"{W}pPr/{W}ind").get(f"{W}{side}") == "280"  # 一字 of 四号 = 14 pt
        assert re.fullmatch(r"— 1 —", text_of(p))
        assert any((i.text or "").strip() == "PAGE" for i in p.iter(f"{W}instrText"))
        fonts = {run_font(r) for r in p.iter(f"{W}r")}
        assert fonts == {(PAGE_NUMBER_FONT, 14)}  # 四号宋体
        ascii_fonts = {r.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") for r in p.iter(f"{W}r")}
        assert ascii_fonts == {PAGE_NUMBER_FONT}  # the digits too


def xml_rels(xml) -> dict[str, str]:
    return {rel.get("Id"): rel.get("Target") for rel in xml["word/_rels/document.xml.rels"]}


def test_tables_are_numbered_titled_and_at_least_wuhao(xml):
    children = list(body(xml))
    tables = [i for i, child in enumerate(children) if child.tag == f"{W}tbl"]
    county = tables[0]
    caption = children[county - 1]
    assert text_of(caption) == "表1　各县市区生活圈建设进展（截至2024年4月30日）"  # the template's own title
    assert run_font(runs(caption)[0])[0] == HEADING_FONT
    for index in tables:
        sizes = [int(s.get(f"{W}val")) / 2 for s in children[index].iter(f"{W}sz")]
        assert sizes and min(sizes) >= 10.5  # 五号 or larger


def test_a_caption_in_the_template_is_used_and_not_doubled(tmp_path):
    folder = tmp_path / "通报模板"
    bulletin.copy_templates(folder)
    template = folder / "bulletin_text.j2"
    text = template.read_text(encoding="utf-8")
    shipped = "^ 表1　各县市区生活圈建设进展（截至{{ as_of|cn_date }}）"
    assert shipped in text
    template.write_text(text.replace(shipped, "^ 表1　各县市区生活圈建设进展情况", 1), encoding="utf-8")
    xml = parts(bulletin.write_bulletin(sample_run(), tmp_path / "out", folder)["docx"])
    captions = [text_of(p) for p in body(xml).iter(f"{W}p") if text_of(p).startswith("表1")]
    assert captions == ["表1　各县市区生活圈建设进展情况"]


def imprint(xml) -> ElementTree.Element:
    return [c for c in body(xml) if c.tag == f"{W}tbl"][-1]


def test_the_imprint_closes_the_document_at_the_foot_of_the_page(xml):
    table = imprint(xml)
    assert [text_of(row) for row in table.iter(f"{W}tr")] == [
        "抄送：市政府办公室，各县市区商务主管部门。", "济宁市商务局\t2024年5月6日印发"]
    position = table.find(f"{W}tblPr/{W}tblpPr")
    assert (position.get(f"{W}vertAnchor"), position.get(f"{W}tblpYSpec")) == ("margin", "bottom")
    borders = {b.tag[len(W):]: b.get(f"{W}sz") for b in table.find(f"{W}tblPr/{W}tblBorders")}
    assert borders["top"] == borders["bottom"] == "8" and borders["insideH"] == "6"  # thick, thin
    assert {run_font(r) for r in table.iter(f"{W}r") if text_of(r)} == {(BODY_FONT, 14)}  # 四号仿宋
    later = list(body(xml))[list(body(xml)).index(table) + 1:]
    assert not any(text_of(child) for child in later)  # nothing after the 版记


def test_the_imprint_comes_from_the_config(tmp_path):
    (tmp_path / "jnqh.toml").write_text(
        '[bulletin]\ncity = "泰安市"\nissuer = "泰安市商务局"\ncopy_to = "市政府办公室。"\n', encoding="utf-8")
    settings = load_settings(folder=tmp_path, environ={})
    assert settings.bulletin == BulletinSettings("泰安市", "泰安市商务局", "市政府办公室")
    xml = parts(bulletin.write_bulletin(sample_run(), tmp_path / "out", None, settings.bulletin)["docx"])
    assert [text_of(row) for row in imprint(xml).iter(f"{W}tr")] == [
        "抄送：市政府办公室。", "泰安市商务局\t2024年5月6日印发"]
    no_copy = dataclasses.replace(settings.bulletin, copy_to="")
    xml = parts(bulletin.write_bulletin(sample_run(), tmp_path / "out2", None, no_copy)["docx"])
    assert [text_of(row) for row in imprint(xml).iter(f"{W}tr")] == ["泰安市商务局\t2024年5月6日印发"]


def test_the_bulletin_config_is_checked(tmp_path):
    assert load_settings(folder=tmp_path, environ={}).bulletin == BulletinSettings()
    assert BulletinSettings().issuer == "济宁市商务局" and BulletinSettings().city == "济宁市"
    for text, message in (('[bulletin]\nissuer_name = "x"\n', "不认识的设置：issuer_name"),
                          ("[bulletin]\ncopy_to = 3\n", "copy_to 应是用引号括起的文字")):
        (tmp_path / "jnqh.toml").write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_settings(folder=tmp_path, environ={})


# -- the HTML on a phone ------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed: apt-get install chromium")
# Measured inside the page by a probe script (the product HTML itself has none): the page's
# scroll width, the widest box that scrolls sideways on its own, the tallest table cell
# against its line height, and the chart's drawn width.
PROBE = """
var d = this.contentDocument, root = d.documentElement, cells = d.querySelectorAll('td');
var tallest = 0, line = 0;
cells.forEach(function (c) { tallest = Math.max(tallest, c.getBoundingClientRect().height);
  line = Math.max(line, parseFloat(d.defaultView.getComputedStyle(c).lineHeight)); });
var boxes = Array.prototype.filter.call(d.querySelectorAll('div'), function (b) {
  return b.scrollWidth > b.clientWidth + 1; });
var svg = d.querySelector('svg').getBoundingClientRect();
document.body.setAttribute('data-measured', JSON.stringify({scroll: root.scrollWidth,
  client: root.clientWidth, tallest: tallest, line: line, svg: svg.width,
  boxes: boxes.map(function (b) { return d.defaultView.getComputedStyle(b).overflowX; })}));
"""


def lay_out(html: str, width: int, tmp_path: Path) -> dict:
    """Lay `html` out `width` px wide in headless Chromium; the PROBE's measurements.

    The page goes into an iframe of that width (``srcdoc``, so the probe may read it): a
    headless window is never narrower than 500 px, a phone is."""
    probe = (f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="border:0;width:{width}px;'
             f'height:4000px" srcdoc="{escape(html, quote=True)}"></iframe><script>'
             f"document.getElementById('f').addEventListener('load', function () {{{PROBE}}});"
             f"</script></body></html>")
    page = tmp_path / f"probe_{width}.html"
    page.write_text(probe, encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={max(width, 500)},4000",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60)
    found = re.search(r'data-measured="([^"]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    return json.loads(unescape(found.group(1)))


@pytest.mark.chromium
@requires_chromium
@pytest.mark.parametrize("width", [390, 1200])
def test_the_html_never_scrolls_sideways(written, width, tmp_path):
    html = written["html"].read_text(encoding="utf-8")
    assert "<script" not in html and "<style" not in html  # e-mail safe: inline styles only
    html = html.replace("邹城市", "济宁经济技术开发区")  # the longest county name there is
    seen = lay_out(html, width, tmp_path)
    assert width - 20 <= seen["client"] <= width  # (less a vertical scroll bar)
    assert seen["scroll"] <= seen["client"]  # the page itself never scrolls sideways
    # only the tables scroll, each in its own box (the county table, and the periods' beside it)
    assert (set(seen["boxes"]) == {"auto"} and len(seen["boxes"]) <= 2) if width == 390 else seen["boxes"] == []
    assert seen["tallest"] < 2 * seen["line"]  # no cell wraps: a county name stays on one line
    assert seen["svg"] <= width  # the chart scales down with the page
    if width == 1200:
        assert seen["svg"] >= 500  # … and keeps its drawn size on a wide screen


@pytest.mark.libreoffice
@lo.requires_soffice
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_libreoffice_sets_28_characters_a_line_and_the_imprint_last(written, tmp_path):
    pdf = lo.to_pdf(written["docx"], tmp_path)
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60,
                           check=True).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    lines = [line.strip() for line in pages[0].splitlines() if line.strip()]
    opening = next(i for i, line in enumerate(lines) if line.startswith("为及时掌握"))
    assert len(lines[opening]) == 26 and len(lines[opening + 1]) == 28  # 2-character indent, then 28
    assert re.search(r"抄送：市政府办公室，各县市区商务主管部门。\s+济宁市商务局\s+2024 ?年 ?5 ?月 ?6 ?日印发\s+"
                     rf"—\s*{len(pages)}\s*—\s*$", pages[-1])  # the 版记 last, then the page number
