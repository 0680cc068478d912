"""The 通报 as a .docx in 公文 layout (GB/T 9704), from the blocks of :mod:`jnqh.write.bulletin`.

Only layout lives here: the words come from the blocks, the numbers from the context.
A4, margins 37/35/28/26 mm, a grid of 22 lines × 28 characters; title 方正小标宋简体 二号; body
仿宋_GB2312 三号 on the grid, two-character first-line indent; 一、 headings 黑体, （一） headings
楷体; tables numbered and titled (表1 …) in 五号; page numbers “— 1 —” in 四号 宋体, right on odd
pages and left on even pages, 一字 in from the edge; the 版记 (抄送, 印发机关 and 印发日期, from
jnqh.toml [bulletin]) at the foot of the last page. Every run names its East Asian font
explicitly (``w:eastAsia``), because Word and WPS on Windows otherwise take the theme's face;
the font table gives each face an ``altName`` that every PC has.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips
from lxml import etree

from jnqh.normalize import drop_controls

if TYPE_CHECKING:
    from jnqh.write.bulletin import Block, Bulletin

ACCEPTED_COLOUR = "#2F5597"  # the bar charts (docx and SVG): accepted circles
TARGET_COLOUR = "#D9D9D9"  # … and the part of the target not yet reached
CHART_MAX_CELLS = 40  # the docx bar chart: at most this many cells across

# Child order of w:pPr, w:tblPr, w:tcPr (ECMA-376): Word refuses a file whose elements are out
# of order, so the elements python-docx has no setter for are inserted at their place.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
    "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
    "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
TCPR_ORDER = (
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
    "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
    "w:cellDel", "w:cellMerge", "w:tcPrChange")

LATIN_FONT = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# fontTable entries: when a PC lacks the face, Word/WPS use the altName (Windows has these).
FONT_FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei",
                  PAGE_NUMBER_FONT: "SimSun"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22, 16, 14, 10.5  # 二号, 三号, 四号, 五号
RED = RGBColor(0xC0, 0x00, 0x00)
PAGE_MM, MARGINS_MM = (210, 297), (37, 35, 28, 26)  # A4; top, bottom, left, right (GB/T 9704 5.2.1)
TEXT_WIDTH_MM = 156  # 210 − 28 − 26
GRID_LINES, GRID_CHARS = 22, 28  # GB/T 9704 5.2.2: 每面排22行，每行排28个字


def _twips(mm: float) -> int:
    return Mm(mm).twips  # rounded, as python-docx writes w:pgSz and w:pgMar


def grid_pitches() -> tuple[int, int]:
    """(w:linePitch, w:charSpace) of the 22 × 28 grid, from the page as the file stores it.

    Line pitch, in twips: the 版心 is 297 − 37 − 35 = 225 mm = 16838 − 2098 − 1984 = 12756
    twips high; 22 lines → 579.8, rounded down to 579 (28.95 pt) so that 22 lines fit.
    Character pitch: w:charSpace is the pitch minus the font size of the Normal style (三号,
    16 pt), in 1/4096 pt. The 版心 is 11906 − 1587 − 1474 = 8845 twips = 442.25 pt wide; 28
    characters → 15.795 pt each, so charSpace = (15.795 − 16) × 4096 = −841.3, rounded down to
    −842 so that 28 characters fit (the same numbers as the usual Word 公文 template).
    """
    top, bottom, left, right = MARGINS_MM
    height = _twips(PAGE_MM[1]) - _twips(top) - _twips(bottom)
    width = _twips(PAGE_MM[0]) - _twips(left) - _twips(right)
    char_pitch_pt = width / 20 / GRID_CHARS
    return height // GRID_LINES, math.floor((char_pitch_pt - SIZE_3) * 4096)


GRID_CONDENSE = -6  # twentieths of a point: −0.3 pt, see _grid_run
LINE_PITCH = Twips(grid_pitches()[0])  # exact line spacing of the body = the grid's line pitch
CELL_PADDING_PT = 4  # the two narrow cell margins, and a little air
WRAP_AFTER_CHARS = 5  # a table cell wider than five characters wraps (济宁经济技术开发区)
HEADING_NUMBER = re.compile(r"^[一二三四五六七八九十]+、\s*")
CAPTION = re.compile(r"^[表图]\d+")  # “^ 表1　…” above a table, “^ 图1　…” below the chart
# A run-in （一） heading: the numbering and its words up to the first 。 (or the whole line).
SUBHEADING_RUN_IN = re.compile(r"^（[一二三四五六七八九十]+）(?:[^。]{0,30}。|[^。]{0,30}$)")


def bulletin_docx(bulletin: Bulletin, as_of: dt.date) -> bytes:
    """The 通报 as .docx bytes; the same bulletin gives the same bytes."""
    doc = Document()
    _page_setup(doc)
    _default_fonts(doc)
    for block in with_table_captions(bulletin.blocks):
        BLOCK_WRITERS[block.kind](doc, block, bulletin)
    _imprint(doc, bulletin)
    _page_number_footers(doc)
    _core_properties(doc, bulletin, as_of)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue())


def with_table_captions(blocks: list[Block]) -> list[Block]:
    """Every table numbered and titled: the template's own “^ 表N　…” line just above it, or
    else “表N　<the words of its section heading>” (二、各县市区进展 → 表1　各县市区进展)."""
    from jnqh.write.bulletin import Block  # the block type lives with the markup parser

    out: list[Block] = []
    tables, section = 0, ""
    for block in blocks:
        if block.kind == "heading":
            section = HEADING_NUMBER.sub("", block.text)
        if block.kind == "table":
            tables += 1
            if not (out and out[-1].kind == "centred" and out[-1].text.startswith("表")):
                out.append(Block("centred", f"表{tables}　{section}".rstrip("　")))
        out.append(block)
    return out


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
        Mm(m) for m in MARGINS_MM)
    section.footer_distance = Mm(24)  # GB/T 9704: 页码 7 mm below the 版心
    line_pitch, char_space = grid_pitches()
    grid = section._sectPr.find(qn("w:docGrid"))
    grid.set(qn("w:type"), "linesAndChars")  # Word/WPS 页面设置 › 文档网格 › 指定行和字符网格
    grid.set(qn("w:linePitch"), str(line_pitch))
    grid.set(qn("w:charSpace"), str(char_space))


def _default_fonts(doc) -> None:
    """Document defaults: explicit fonts (no theme fonts, which would win), Chinese language."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    _set_font_names(fonts, BODY_FONT)
    # The default size is 三号 too: the grid's w:charSpace counts from it (LibreOffice reads
    # it from here, Word from Normal), so the two agree on 28 characters a line.
    for tag in ("w:sz", "w:szCs"):
        size = rpr.find(qn(tag))
        if size is None:
            size = OxmlElement(tag)
            rpr.insert_element_before(size, "w:lang")
        size.set(qn("w:val"), str(SIZE_3 * 2))
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(SIZE_3)
    _set_font_names(normal.element.get_or_add_rPr().get_or_add_rFonts(), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = LINE_PITCH
    # The text is laid out to the grid's metrics rather than snapped to it (w:snapToGrid 0):
    # LibreOffice 7 gives a character wider than one grid cell two cells (14 characters a
    # line, the 二号 title and the 五号 tables spread out), and Word gives a 五号 character a
    # whole 三号 cell. So every 三号 run is condensed to the grid's character pitch (_grid_run)
    # and lines are set exactly at its line pitch: 28 × 22 in Word, WPS and LibreOffice alike,
    # with the grid itself in w:docGrid for 页面设置 › 文档网格 to show.
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    _insert(normal.element.get_or_add_pPr(), snap, PPR_ORDER)


def _set_font_names(fonts, east_asia: str) -> None:
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph, text: str, east_asia: str, size: float, *, bold: bool = False,
         colour: RGBColor | None = None):
    """A run with every font slot named explicitly, so Word and WPS pick the Chinese face."""
    run = paragraph.add_run(drop_controls(text))  # a file name may hold any character
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _set_font_names(run._element.get_or_add_rPr().get_or_add_rFonts(), east_asia)
    return run


def _grid_run(paragraph, text: str, east_asia: str):
    """A 三号 run condensed to the grid's character pitch: 16 − 0.3 = 15.7 pt ≤ 15.795 pt, so
    28 characters fill a line of the 版心 (see _default_fonts for why not snapped). At −0.25 pt
    (15.75) LibreOffice, which rounds each advance, still sets only 27; 29 never fit.
    """
    run = _run(paragraph, text, east_asia, SIZE_3)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(GRID_CONDENSE))
    run._element.rPr.sz.addprevious(spacing)  # w:spacing comes before w:sz in w:rPr
    return run


def _indent_chars(paragraph, chars: int, size: float = SIZE_3) -> None:
    """First-line indent in characters (Word's firstLineChars), with the length as fallback."""
    paragraph.paragraph_format.first_line_indent = Pt(size * chars)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _body_paragraph(doc, text: str, east_asia: str = BODY_FONT, *, indent: int = 2,
                    align=WD_ALIGN_PARAGRAPH.JUSTIFY, outline: int | None = None):
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = LINE_PITCH  # direct too: survives a paste elsewhere
    _indent_chars(paragraph, indent)
    if outline is not None:  # shows in the navigation pane of Word/WPS
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        _insert(paragraph._p.get_or_add_pPr(), level, PPR_ORDER)
    _grid_run(paragraph, text, east_asia)
    return paragraph


def _write_title(doc, block: Block, bulletin: Bulletin) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = Pt(36)
    paragraph.paragraph_format.keep_with_next = True
    _indent_chars(paragraph, 0)
    _run(paragraph, block.text, TITLE_FONT, SIZE_2, colour=RED)


def _write_centred(doc, block: Block, bulletin: Bulletin) -> None:
    if CAPTION.match(block.text):
        _caption(doc, block.text, keep_with_next=block.text.startswith("表"))
    else:
        _body_paragraph(doc, block.text, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)


def _caption(doc, text: str, *, keep_with_next: bool) -> None:
    """表1 … above its table, 图1 … below its chart: centred, 黑体 四号, off the grid."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = paragraph.paragraph_format
    fmt.line_spacing, fmt.keep_with_next = Pt(24), keep_with_next
    fmt.space_before = Pt(6) if keep_with_next else Pt(0)
    _indent_chars(paragraph, 0)
    _run(paragraph, text, HEADING_FONT, SIZE_4)


def _write_right(doc, block: Block, bulletin: Bulletin) -> None:
    paragraph = _body_paragraph(doc, block.text, indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph.paragraph_format.right_indent = Pt(SIZE_3 * 4)  # 落款 右空四字


def _write_masthead(doc, block: Block, bulletin: Bulletin) -> None:
    """版头: issuer at the left, date at the right, a red rule below (GB/T 9704 分隔线)."""
    left, right = (block.args + [""])[:2]
    paragraph = doc.add_paragraph()
    _indent_chars(paragraph, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(SIZE_3)  # 左右各空一字
    fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(2 * SIZE_3), WD_TAB_ALIGNMENT.RIGHT)
    fmt.space_after = Pt(12)
    fmt.keep_with_next = True
    _grid_run(paragraph, f"{left}\t{right}", BODY_FONT)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    _insert(paragraph._p.get_or_add_pPr(), border, PPR_ORDER)


def _write_heading(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text, HEADING_FONT, outline=0).paragraph_format.keep_with_next = True


def _write_subheading(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text, SUBHEADING_FONT, outline=1).paragraph_format.keep_with_next = True


def _write_paragraph(doc, block: Block, bulletin: Bulletin) -> None:
    """A paragraph; one that opens with a （一） heading sets that heading in 楷体.

    The template writes a （一） heading and its text as one paragraph (“（一）建设任务。按照
    …”), the way 公文 run a second-level heading into its text; GB/T 9704 wants the heading
    in 楷体 and the text in 仿宋, so the heading — up to its first 。 — gets its own run.
    """
    heading = SUBHEADING_RUN_IN.match(block.text)
    if heading is None:
        _body_paragraph(doc, block.text)
        return
    paragraph = _body_paragraph(doc, heading.group(0), SUBHEADING_FONT)
    if block.text[heading.end():]:
        _grid_run(paragraph, block.text[heading.end():], BODY_FONT)


def _cell_text(cell, text: str, east_asia: str, size: float, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = 1.0
    _indent_chars(paragraph, 0)
    _run(paragraph, text, east_asia, size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _write_table(doc, block: Block, bulletin: Bulletin) -> None:
    """A real Word table: borders, the header row repeated on every page, rows kept whole."""
    columns = max(len(r) for r in block.rows)
    table = doc.add_table(rows=len(block.rows), cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = _column_widths(block.rows, columns)
    _fixed_layout(table, widths)
    for r, (row, cells) in enumerate(zip(table.rows, block.rows)):
        _row_flags(row, header=r == 0)
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
            text = cells[c] if c < len(cells) else ""
            _cell_text(cell, text, HEADING_FONT if r == 0 else BODY_FONT, SIZE_5)
    doc.add_paragraph().paragraph_format.line_spacing = Pt(14)  # air below the table


def _column_widths(rows: list[list[str]], columns: int) -> list:
    """Each column as wide as its widest body cell (long names may wrap to two lines); the
    room left over goes to the headers that would wrap most."""
    def need(texts: list[str], size: float, cap: float) -> float:
        widest = max((_text_points(t, size) for t in texts), default=0.0)
        return min(widest, cap) + CELL_PADDING_PT

    cells = [[r[c] if c < len(r) else "" for r in rows] for c in range(columns)]
    body = [need(column[1:], SIZE_5, WRAP_AFTER_CHARS * SIZE_5) for column in cells]
    header = [need(column[:1], SIZE_5, float("inf")) for column in cells]
    spare = Mm(TEXT_WIDTH_MM).pt - sum(body)
    if spare <= 0:
        return [Pt(b * (spare + sum(body)) / sum(body)) for b in body]
    wants = [max(h / 2 + CELL_PADDING_PT / 2 - b, 0.0) for h, b in zip(header, body)]  # heads in ≤ 2 lines
    share = min(1.0, spare / sum(wants)) if sum(wants) else 0.0
    widths = [b + w * share for b, w in zip(body, wants)]
    rest = (Mm(TEXT_WIDTH_MM).pt - sum(widths)) / columns
    return [Pt(w + rest) for w in widths]


def _text_points(text: str, size: float) -> float:
    """Printed width: a CJK character is one em, anything else about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def _fixed_layout(table, widths: list, side_margin: int = 28) -> None:
    """Fixed column widths (the grid, which Word and LibreOffice lay out by) and narrow margins."""
    for column, width in zip(table.columns, widths):
        column.width = width
    table.autofit = False  # w:tblLayout fixed
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(side_margin))  # twips; 28 = 1.4 pt: narrow, so 15 columns fit
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    _insert(table._tbl.tblPr, margins, TBLPR_ORDER)


def _row_flags(row, *, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(Mm(7).twips))
    height.set(qn("w:hRule"), "atLeast")
    tr_pr.append(height)
    if header:
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)


def _write_chart(doc, block: Block, bulletin: Bulletin) -> None:
    """The bar chart as a native table of shaded cells (python-docx cannot embed SVG).

    One cell is one circle (or `unit` circles when targets are large): dark = accepted,
    light = target not yet reached. Word, WPS and LibreOffice all draw it, with real Chinese
    labels in the document's own fonts, and nothing but python-docx is needed.
    """
    rows = bulletin.context.get(block.source) or []
    if not rows:
        return
    _chart_legend(doc, block.args)
    most = max([r["target"] for r in rows] + [r["accepted"] for r in rows] + [1])
    unit = math.ceil(most / CHART_MAX_CELLS)
    cells = math.ceil(most / unit)
    table = doc.add_table(rows=len(rows), cols=cells + 2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    label_w = Pt(max(_text_points(r["county"], SIZE_5) for r in rows) + 2 * CELL_PADDING_PT)
    value_w = Mm(16)
    cell_w = (Mm(TEXT_WIDTH_MM) - label_w - value_w) // cells
    _fixed_layout(table, [label_w] + [cell_w] * cells + [value_w])
    _chart_borders(table)
    for row, data in zip(table.rows, rows):
        _chart_row(row, data, unit, (label_w, cell_w, value_w))
        for cell in row.cells:  # the chart stays on one page with its caption
            cell.paragraphs[0].paragraph_format.keep_with_next = True


def _chart_row(row, data: dict, unit: int, widths: tuple) -> None:
    label_w, cell_w, value_w = widths
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(Mm(6).twips))
    height.set(qn("w:hRule"), "exact")
    row._tr.get_or_add_trPr().append(height)
    accepted, target = round(data["accepted"] / unit), math.ceil(data["target"] / unit)
    cells = row.cells
    cells[0].width, cells[-1].width = label_w, value_w
    _cell_text(cells[0], data["county"], BODY_FONT, SIZE_5, WD_ALIGN_PARAGRAPH.RIGHT)
    _cell_text(cells[-1], f"{data['accepted']}/{data['target']}", BODY_FONT, SIZE_5,
               WD_ALIGN_PARAGRAPH.LEFT)
    for index, cell in enumerate(cells[1:-1]):
        cell.width = cell_w
        if index < accepted:
            _shade(cell, ACCEPTED_COLOUR)
        elif index < target:
            _shade(cell, TARGET_COLOUR)


def _chart_legend(doc, labels: list[str]) -> None:
    if not labels:
        return
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    _indent_chars(paragraph, 0)
    for label, colour in zip(labels, (ACCEPTED_COLOUR, TARGET_COLOUR)):
        _run(paragraph, "■", BODY_FONT, SIZE_5, colour=RGBColor.from_string(colour[1:]))
        _run(paragraph, f" {label}　　", BODY_FONT, SIZE_5)


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    _insert(cell._tc.get_or_add_tcPr(), shading, TCPR_ORDER)


def _chart_borders(table) -> None:
    """White inner lines: a gap between bars and between the per-circle segments."""
    borders = OxmlElement("w:tblBorders")
    for side, size in (("insideH", "24"), ("insideV", "4")):
        line = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", size), ("space", "0"), ("color", "FFFFFF")):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    _insert(table._tbl.tblPr, borders, TBLPR_ORDER)


def _insert(parent, child, order: tuple[str, ...]) -> None:
    """Put `child` into `parent` before the first element that the schema orders after it."""
    tag = next(name for name in order if qn(name) == child.tag)
    parent.insert_element_before(child, *order[order.index(tag) + 1:])


BLOCK_WRITERS = {
    "title": _write_title, "centred": _write_centred, "masthead": _write_masthead,
    "heading": _write_heading, "subheading": _write_subheading, "paragraph": _write_paragraph,
    "item": _write_paragraph, "right": _write_right, "table": _write_table, "chart": _write_chart,
}


def _imprint(doc, bulletin: Bulletin) -> None:
    """The 版记 (GB/T 9704 7.4) at the foot of the last page: 抄送 above 印发机关 and 印发日期,
    between a thick rule above and below and a thin rule between them, as wide as the 版心.

    A floating table anchored to the bottom margin (w:tblpPr) puts it where 7.4 wants it —
    its last rule on the lower edge of the 版心 — however much text the last page has.
    """
    office = bulletin.context.get("office") or {}
    lines = []
    if office.get("copy_to"):
        lines.append(("copy", f"抄送：{office['copy_to']}。"))
    lines.append(("issue", f"{office.get('issuer', '')}\t{_issue_date(bulletin.context.get('issued'))}印发"))
    table = doc.add_table(rows=len(lines), cols=1)
    _imprint_table(table)
    for row, (kind, text) in zip(table.rows, lines):
        cell = row.cells[0]
        cell.width = Mm(TEXT_WIDTH_MM)
        paragraph = cell.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(22), Pt(4), Pt(4)
        _indent_chars(paragraph, 0)
        fmt.left_indent = fmt.right_indent = Pt(SIZE_4)  # 左右各空一字
        if kind == "copy":  # a second line starts under the first name, after “抄送：”
            fmt.left_indent, fmt.first_line_indent = Pt(SIZE_4 * 4), Pt(-SIZE_4 * 3)
        else:  # 印发机关左空一字，印发日期右空一字
            fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(2 * SIZE_4), WD_TAB_ALIGNMENT.RIGHT)
        _run(paragraph, text, BODY_FONT, SIZE_4)
    anchor = doc.add_paragraph()  # the floating table's anchor, as small as a paragraph gets
    anchor.paragraph_format.line_spacing = Pt(1)


def _issue_date(value) -> str:
    """2024年5月6日: the year in full, no 0 before a one-digit month or day (GB/T 9704 7.4.3)."""
    return f"{value.year}年{value.month}月{value.day}日" if isinstance(value, dt.date) else ""


def _imprint_table(table) -> None:
    tbl_pr = table._tbl.tblPr
    position = OxmlElement("w:tblpPr")
    # Placed from the page's left edge at the left margin, not “centred in the margins”:
    # LibreOffice keeps a table as wide as the 版心 inline unless it is placed from the page.
    for key, value in (("vertAnchor", "margin"), ("horzAnchor", "page"),
                       ("tblpX", str(_twips(MARGINS_MM[2]))), ("tblpYSpec", "bottom")):
        position.set(qn(f"w:{key}"), value)
    _insert(tbl_pr, position, TBLPR_ORDER)
    _fixed_layout(table, [Mm(TEXT_WIDTH_MM)], side_margin=0)
    borders = OxmlElement("w:tblBorders")
    # sizes in 1/8 pt: 8 = 1 pt ≈ 0.35 mm (首条、末条分隔线), 6 = 0.75 pt ≈ 0.25 mm (中间的细线)
    for side, size in (("top", "8"), ("left", None), ("bottom", "8"), ("right", None),
                       ("insideH", "6"), ("insideV", None)):
        line = OxmlElement(f"w:{side}")
        attributes = (("val", "nil"),) if size is None else (
            ("val", "single"), ("sz", size), ("space", "0"), ("color", "000000"))
        for key, value in attributes:
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    _insert(tbl_pr, borders, TBLPR_ORDER)


def _page_number_footers(doc) -> None:
    """“— N —” in 四号 半角 宋体 (GB/T 9704 7.5): 单页码居右空一字，双页码居左空一字.

    Odd and even pages get their own footer (w:evenAndOddHeaders in settings.xml); the
    一字 is one 四号 character (14 pt) of indent, given as a length so it does not depend on
    the character grid (which the footer is not on).
    """
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent")):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.alignment = align
        _indent_chars(paragraph, 0)
        setattr(paragraph.paragraph_format, side, Pt(SIZE_4))
        _page_number(paragraph)


def _page_number(paragraph) -> None:
    """A PAGE field between two 一字线; digits in 宋体 too (half-width, as 9704 asks)."""
    _number_run(paragraph, "— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _number_run(paragraph, "")
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
    _number_run(paragraph, " —")


def _number_run(paragraph, text: str):
    run = _run(paragraph, text, PAGE_NUMBER_FONT, SIZE_4)
    fonts = run._element.rPr.rFonts
    for attribute in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), PAGE_NUMBER_FONT)
    return run


def _core_properties(doc, bulletin: Bulletin, as_of: dt.date) -> None:
    """Fixed metadata: the same Run gives the same document (no clock time anywhere)."""
    props = doc.core_properties
    stamp = dt.datetime(as_of.year, as_of.month, as_of.day)
    props.author = props.last_modified_by = drop_controls(bulletin.meta.get("author", ""))
    props.title = drop_controls(bulletin.title)
    props.subject = drop_controls(bulletin.meta.get("subject", ""))
    props.keywords = props.comments = props.category = ""
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times (and the font fallbacks added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/fontTable.xml":
                content = _with_font_fallbacks(content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def _with_font_fallbacks(xml: bytes) -> bytes:
    """Declare the Chinese faces in the font table, each with the altName a PC surely has."""
    root = etree.fromstring(xml)
    for name, alternative in FONT_FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("altName", alternative), ("charset", "86"), ("family", "auto"),
                           ("pitch", "variable")):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
