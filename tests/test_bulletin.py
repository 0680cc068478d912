"""The 通报: its numbers, its two renderings (.docx, .html), the office's template override."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document
from docx.shared import Pt

import lo
from bulletin_fixtures import AS_OF, sample_run
from jnqh.write import bulletin
from jnqh.consolidate import figures
from jnqh.write.bulletin_docx import BODY_FONT, HEADING_FONT, LINE_PITCH, SUBHEADING_FONT, TITLE_FONT

TYPE_ORDER = ("品质型", "提升型", "基础型", "未达标")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def run():
    return sample_run()


@pytest.fixture(scope="module")
def written(run, tmp_path_factory) -> dict[str, Path]:
    return bulletin.write_bulletin(run, tmp_path_factory.mktemp("run"), None)


@pytest.fixture(scope="module")
def document(written):
    return Document(str(written["docx"]))


def docx_text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def docx_rows(document, index: int = 0) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[index].rows]


class _Tables(HTMLParser):
    """The data tables (those with <th>) of an HTML page, as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_county_table(html: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    return next(t for t in parser.tables if t and t[0] and t[0][0] == "排名")


def expected_row(row) -> list[float | None]:
    """The numbers a county row of the 通报 must show, straight from the CountyRow."""
    return [row.target, row.submitted, row.submitted_pct, row.built, row.built_pct,
            *(row.by_type.get(name, 0) for name in TYPE_ORDER),
            row.presence_mean, row.service_mean, row.investment_10k_yuan, row.overdue]


def as_numbers(cells: list[str]) -> list[float | None]:
    return [None if c == "—" else float(c) for c in cells]


# -- the numbers ---------------------------------------------------------------


def test_counties_are_ranked_by_built_share_then_service(run):
    ranked = bulletin.ranked_counties(run)
    # 兖州区 4/5 built, 任城区 3/6, 邹城市 1/3, 曲阜市 sent nothing; counties without circles are not ranked
    assert [c["county"] for c in ranked] == ["兖州区", "任城区", "邹城市", "曲阜市"]
    assert [c["rank"] for c in ranked] == [1, 2, 3, 4]
    assert [c["built_pct"] for c in ranked] == [80.0, 50.0, 33.3, 0.0]


def test_equal_built_share_is_ordered_by_service_and_full_ties_share_a_rank(run):
    tied = copy.deepcopy(run)
    row = next(r for r in tied.counties if r.county == "任城区")
    better = dataclasses.replace(row, county="金乡县", service_mean=row.service_mean + 1)
    twin = dataclasses.replace(row, county="嘉祥县")
    tied.counties = [better, twin, *tied.counties]
    figures.rank(tied.counties)
    ranks = {c["county"]: c["rank"] for c in bulletin.ranked_counties(tied)}
    assert ranks["兖州区"] == 1 and ranks["金乡县"] == 2
    assert ranks["任城区"] == ranks["嘉祥县"] == 3
    assert ranks["邹城市"] == 5


def test_context_totals_come_from_the_run(run):
    context = bulletin.bulletin_context(run)
    totals = context["totals"]
    assert totals["accepted"] == sum(c.accepted for c in run.counties) == len(run.accepted)
    assert totals["built"] == sum(c.built for c in run.counties) == 8
    assert totals["by_type"] == {name: run.type_counts.get(name, 0) for name in TYPE_ORDER}
    assert totals["overdue"] == context["problems"]["overdue"]["total"] == sum(
        1 for p in run.projects if p["overdue"])
    assert context["lagging"] == ["曲阜市", "邹城市"]


# -- the .docx -------------------------------------------------------------------


def test_docx_states_each_target_with_its_change(run, document):
    text = docx_text(document)
    assert "济宁市城市一刻钟便民生活圈建设工作通报" in text
    assert "第3期" in text and "2024年5月6日" in text and "截至2024年4月30日" in text
    circles, main, satisfaction, basic = run.targets
    assert "到2025年全市完成120个以上" in text
    # built circles (基础型 or better), 20 months before the plan's deadline
    assert circles.actual == sum(1 for c in run.accepted if c.final_type != "未达标") == 8
    assert ("目前已完成8个，占目标任务的6.7%，距目标还差112个，距期限（2025年12月31日）还有20个月，"
            "较上期增加1个") in text
    assert f"主城区完成80个以上。目前已完成{main.actual}个" in text and "较上期增加1个" in text
    assert f"目前为{satisfaction.actual}%，距目标还差3.3个百分点，距期限（2025年12月31日）还有20个月" in text
    assert "基本保障型社区一刻钟便民生活圈达到90%以上。目前为80%" in text
    assert "本期为首期" not in text


def test_docx_county_table_is_ranked_and_shows_the_county_rows(run, document):
    rows = docx_rows(document)
    assert rows[0][:7] == ["排名", "县市区", "目标数", "已报送", "报送率（%）", "建成数", "建成率（%）"]
    assert rows[0][7:11] == list(TYPE_ORDER)
    by_name = {row.county: row for row in run.counties}
    body = rows[1:-1]
    assert [r[1] for r in body] == ["兖州区", "任城区", "邹城市", "曲阜市"]
    for cells in body:
        assert as_numbers(cells[2:]) == expected_row(by_name[cells[1]])
    assert rows[-1][1] == "全市" and int(rows[-1][5]) == run.city.built == 8


def test_html_and_docx_county_tables_agree_with_the_run(run, written, document):
    """Cross-check: every number of the county table, in both outputs, is the CountyRow's."""
    html_rows = html_county_table(written["html"].read_text(encoding="utf-8"))
    assert html_rows == docx_rows(document)
    by_name = {row.county: row for row in run.counties}
    for cells in html_rows[1:-1]:
        assert as_numbers(cells[2:]) == expected_row(by_name[cells[1]])


def test_docx_tells_the_changes_since_the_previous_bulletin(document):
    text = docx_text(document)
    assert "与第2期（截至2024年4月23日）相比" in text
    assert "本期新增采用生活圈3个，其中任城区2个（任城第3生活圈、任城第4生活圈），兖州区1个（兖州第4生活圈）" in text
    assert "兖州第1生活圈由提升型升为品质型" in text and "兖州区兖州第1" not in text  # the county once
    assert "任城第2生活圈由品质型降为提升型" in text
    assert "邹城市本期已采用生活圈数与上期相同" in text


def test_docx_lists_the_problems(run, document):
    text = docx_text(document)
    overdue = sum(row.overdue for row in run.counties)
    assert "曲阜市本期未报送材料" in text
    # 邹城市's unreadable file was followed by a readable one: not a problem, and never a file name
    assert "邹城_旧表" not in text and "无法读取或格式不符" not in text
    assert "1个县市区报送的数据中共有3处错误，兖州区3处。" in text
    assert f"全市共有{overdue}个项目超过计划完成时间仍未完成" in text
    worst = max((p for p in run.projects if p["overdue"]),
                key=lambda p: (AS_OF - dt.date.fromisoformat(p["planned_finish"])).days)
    assert f"“{worst['name']}”" in text
    below = [c for c in run.accepted if c.final_type == "未达标"]
    by_county = {county: sum(c.county == county for c in below) for county in {c.county for c in below}}
    assert f"{len(below)}个已采用的生活圈未达到基础型，其中" in text
    assert all(f"{county}{n}个" in text for county, n in by_county.items())
    assert "邹城市1个报送的生活圈名称与名册不一致，未能计入本期汇总" in text
    assert "是否为" not in text  # a 通报 asks no questions
    assert "五、下步要求" in text


def test_first_bulletin_says_so(tmp_path):
    run = sample_run(first=True)
    text = docx_text(Document(str(bulletin.write_bulletin(run, tmp_path)["docx"])))
    assert "第1期" in text
    assert "较上期" not in text.split("二、各县市区进展")[0]
    assert text.count("本期为首期") == 1  # said once, not for every target


def test_docx_layout_follows_gbt_9704(document):
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin,
                                  section.left_margin, section.right_margin)] == [37, 35, 28, 26]
    body = next(p for p in document.paragraphs if p.text.startswith("为及时掌握"))
    assert body.paragraph_format.line_spacing == LINE_PITCH  # the 22-line grid (test_bulletin_layout)
    assert body._p.pPr.ind.get(f"{W}firstLineChars") == "200"
    title = document.paragraphs[0]
    assert title.text == "济宁市城市一刻钟便民生活圈建设工作通报"
    assert title.runs[0].font.size == Pt(22) and title.alignment == 1  # centred


def test_docx_names_the_chinese_fonts_explicitly(written):
    with zipfile.ZipFile(written["docx"]) as package:
        document = package.read("word/document.xml").decode("utf-8")
        footer = next(package.read(n).decode("utf-8") for n in package.namelist() if "footer" in n)
        fonts = ElementTree.fromstring(package.read("word/fontTable.xml"))
        styles = ElementTree.fromstring(package.read("word/styles.xml"))
    east_asia = set(re.findall(r'w:eastAsia="([^"]*)"', document))
    assert east_asia == {TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT}
    assert set(re.findall(r'w:ascii="([^"]*)"', document)) == {"Times New Roman"}
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}eastAsia") == BODY_FONT and f"{W}eastAsiaTheme" not in defaults.attrib
    alternatives = {f.get(f"{W}name"): f.find(f"{W}altName").get(f"{W}val") for f in fonts
                    if f.find(f"{W}altName") is not None}
    assert alternatives[TITLE_FONT] == "宋体" and alternatives[BODY_FONT] == "仿宋"
    assert document.count("<w:tblHeader") == 2  # the county and 历次 tables: header repeats on each page
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer) and "— " in footer


def test_docx_chart_is_a_table_of_shaded_cells(run, document):
    chart = document.tables[1]
    labels = [row.cells[0].text for row in chart.rows]
    assert labels == ["兖州区", "任城区", "邹城市", "曲阜市"]
    first = chart.rows[0]._tr.xml
    by_name = {row.county: row for row in run.counties}
    assert first.count('w:fill="2F5597"') == by_name["兖州区"].accepted
    assert first.count('w:fill="D9D9D9"') == by_name["兖州区"].target - by_name["兖州区"].accepted
    assert chart.rows[0].cells[-1].text == "4/5"


def test_same_run_gives_the_same_files(run, written, tmp_path):
    again = bulletin.write_bulletin(run, tmp_path)
    assert again["docx"].read_bytes() == written["docx"].read_bytes()
    assert again["html"].read_bytes() == written["html"].read_bytes()
    props = Document(str(again["docx"])).core_properties
    assert props.author == "济宁市商务局" and props.created.date() == AS_OF


# -- the .html ---------------------------------------------------------------------


def test_html_is_self_contained_with_an_inline_svg_chart(run, written):
    html = written["html"].read_text(encoding="utf-8")
    assert "<link" not in html and "<script" not in html and " src=" not in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ElementTree.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[:2] == ["建成数", "名册目标"]
    assert [texts[i] for i in range(2, len(texts), 2)] == ["兖州区", "任城区", "邹城市", "曲阜市"]
    assert "4/5" in texts and "0/4" in texts
    for sentence in ("曲阜市本期未报送材料", "兖州第1生活圈由提升型升为品质型", "较上期增加1个"):
        assert sentence in html


def test_chart_bars_are_proportional():
    rows = [{"county": "甲", "accepted": 2, "target": 4}, {"county": "乙<&>", "accepted": 4, "target": 8}]
    root = ElementTree.fromstring(bulletin.county_chart_svg(rows, ["已采用", "目标"]))
    widths = [float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")][2:]
    target_a, accepted_a, target_b, accepted_b = widths
    assert target_b == 2 * target_a and accepted_a == target_a / 2 and accepted_b == target_b / 2
    assert "乙<&>" in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


# -- the markup and the templates ------------------------------------------------


def test_markup_blocks():
    text = ("@author 某局\n# 标题\n^ 第1期\n= 甲 | 乙\n\n## 一、总\n第一句，\n第二句。\n\n"
            "| a | b |\n| 1 | 2 |\n\n| c |\n[[chart|x|y]]\n- 条目\n续行\n> 落款\n")
    blocks, meta = bulletin.parse_blocks(text)
    assert meta == {"author": "某局"}
    assert [b.kind for b in blocks] == ["title", "centred", "masthead", "heading", "paragraph", "table",
                                        "table", "chart", "item", "right"]
    assert blocks[2].args == ["甲", "乙"] and blocks[4].text == "第一句，第二句。"
    assert blocks[5].rows == [["a", "b"], ["1", "2"]] and blocks[6].rows == [["c"]]
    assert blocks[7].args == ["x", "y"] and blocks[8].text == "条目续行"


def test_values_cannot_break_the_markup(run, tmp_path):
    odd = copy.deepcopy(run)
    odd.missing_counties = ["曲阜|市\n# 不是标题"]
    report = bulletin.render_bulletin(odd)
    assert [b.text for b in report.blocks if b.kind == "title"] == ["济宁市城市一刻钟便民生活圈建设工作通报"]
    assert any("曲阜｜市 # 不是标题本期未报送材料" in b.text for b in report.blocks)


def test_office_override_folder_changes_the_wording(run, tmp_path):
    folder = tmp_path / "通报模板"
    copied = bulletin.copy_templates(folder)
    assert {p.name for p in copied} >= {"bulletin_text.j2", "bulletin.html.j2", "mail_county.txt.j2"}
    (folder / "bulletin.html.j2").unlink()  # not copied: the shipped one is used
    text_template = folder / "bulletin_text.j2"
    text_template.write_text(text_template.read_text(encoding="utf-8").replace(
        "## 五、下步要求", "## 五、工作要求\n\n请各县市区于下周五前报送整改情况。"), encoding="utf-8")
    paths = bulletin.write_bulletin(run, tmp_path / "out", folder)
    docx = docx_text(Document(str(paths["docx"])))
    html = paths["html"].read_text(encoding="utf-8")
    for output in (docx, html):
        assert "五、工作要求" in output and "下步要求" not in output
        assert "请各县市区于下周五前报送整改情况。" in output
    shipped = bulletin.render_bulletin(run)
    assert any(b.text == "五、下步要求" for b in shipped.blocks)


def test_a_broken_office_template_is_reported_in_chinese(run, tmp_path):
    (tmp_path / "bulletin_text.j2").write_text("# 标题\n第二行\n{% if number %}没有结束\n", encoding="utf-8")
    with pytest.raises(bulletin.BulletinTemplateError, match=r"通报模板 .*bulletin_text.j2 第 \d+ 行有误"):
        bulletin.render_bulletin(run, tmp_path)
    (tmp_path / "bulletin_text.j2").write_text("# 标题\n{{ no_such_number }}\n", encoding="utf-8")
    with pytest.raises(bulletin.BulletinTemplateError, match="第 2 行有误"):
        bulletin.render_bulletin(run, tmp_path)


def test_a_missing_override_folder_is_reported(run, tmp_path):
    with pytest.raises(bulletin.BulletinTemplateError, match="自定义通报模板文件夹 .*不存在"):
        bulletin.render_bulletin(run, tmp_path / "通报模板")


def test_filters():
    assert [bulletin.num(v) for v in (3, 3.0, 66.66, 0.04, None)] == ["3", "3", "66.7", "0", "—"]
    assert bulletin.fixed(66.0) == "66.0" and bulletin.fixed(None) == "—"
    assert bulletin.cn_date("2024-04-30") == "2024年4月30日"
    assert [bulletin.cn_index(n) for n in (1, 10, 12, 20, 21)] == ["一", "十", "十二", "二十", "二十一"]


# -- LibreOffice ---------------------------------------------------------------------


@pytest.mark.libreoffice
@lo.requires_soffice
def test_libreoffice_lays_the_docx_out(written, tmp_path):
    pdf = lo.to_pdf(written["docx"], tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True) if shutil.which("pdfinfo") \
        else None
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) if info else len(
        lo.pdf_to_png(pdf, tmp_path / "page"))
    assert pages > 1
    assert lo.pdf_to_png(pdf, tmp_path / "page")
