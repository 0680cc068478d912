"""The plan's forms filled in Word: each table of a .docx as a grid the readers know.

A county that fills 附件5/附件6 in the plan's Word document and sends the .docx is read like a
workbook: every top-level table becomes a grid named 表1, 表2 … (merged cells kept as merged
ranges, each paragraph of a cell a line of its text), and the same label-anchored readers run
on them. Ticks come as typed (√, ☑), as Word's Insert › Symbol (`w:sym` with a symbol font's
code point) or as letters in a symbol-font run (Wingdings 2 `R`): the latter two are turned
into the marks they show here, as jnqh.cellformat does for Excel's rich text. A value keeps its
table, row and column, shown as `表1 第3行第2列` (see Issue.where).

The package has passed jnqh.read.workbook's zip and XML checks before this module sees it.
"""

from __future__ import annotations

from defusedxml import ElementTree as SafeElementTree

from jnqh import forms

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TABLE_PREFIX = "表"
_HIDDEN_TEXT = (f"{W}delText", f"{W}instrText")  # deleted text and field codes: not shown


class TooLarge(Exception):
    """A table whose grid would exceed the cell budget (rows, columns)."""

    def __init__(self, name: str, rows: int, cols: int):
        super().__init__(name)
        self.name, self.rows, self.cols = name, rows, cols


def word_tables(document_xml: bytes, max_cells: int) -> list[tuple[str, list[list[object]], list[tuple]]]:
    """(name, rows, merged ranges) of every top-level table of a document.xml."""
    body = SafeElementTree.fromstring(document_xml, forbid_dtd=True).find(f"{W}body")
    found = []
    for number, table in enumerate(_top_level_tables(body), start=1):
        name = f"{TABLE_PREFIX}{number}"
        found.append((name, *_table_grid(table, name, max_cells)))
    return found


def _top_level_tables(body) -> list:
    """The body's tables, and those in its content controls; a table inside a table's cell is
    part of that cell's layout, not a form of its own."""
    if body is None:
        return []
    tables = []
    for child in body:
        if child.tag == f"{W}tbl":
            tables.append(child)
        elif child.tag == f"{W}sdt":
            tables += child.iter(f"{W}tbl")
    return tables


def _table_grid(table, name: str, max_cells: int) -> tuple[list[list[object]], list[tuple]]:
    placed: list[list[tuple[int, int, str, str | None]]] = []  # per row: (col, span, text, vMerge)
    width = 0
    for tr in table.findall(f"{W}tr"):
        row, col = [], 0
        for tc in tr.findall(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span = _int_attr(props, "gridSpan", 1)
            merge = props.find(f"{W}vMerge") if props is not None else None
            vmerge = None if merge is None else (merge.get(f"{W}val") or "continue")
            row.append((col, span, _cell_text(tc), vmerge))
            col += span
        width = max(width, col)
        if (len(placed) + 1) * width > max_cells:
            raise TooLarge(name, len(placed) + 1, width)
        placed.append(row)
    rows: list[list[object]] = [[""] * width for _ in placed]
    merged, down = [], {}  # down: column -> [r1, c1, r2, c2] of the vertical merge open there
    for r, row in enumerate(placed):
        continued = set()
        for col, span, text, vmerge in row:
            if vmerge == "continue" and col in down:
                down[col][2] = r
                continued.add(col)
                continue
            rows[r][col] = text
            if col in down:  # a new merge, or none, where one was open: that one ended above
                merged.append(tuple(down.pop(col)))
            if vmerge == "restart":
                down[col] = [r, col, r, col + span - 1]
                continued.add(col)
            elif span > 1:
                merged.append((r, col, r, col + span - 1))
        for col in [c for c in down if c not in continued]:  # a merge ends where no cell continues it
            merged.append(tuple(down.pop(col)))
    merged += [tuple(m) for m in down.values()]
    return rows, sorted(m for m in merged if m[2] > m[0] or m[3] > m[1])


def _int_attr(props, tag: str, default: int) -> int:
    element = props.find(f"{W}{tag}") if props is not None else None
    value = element.get(f"{W}val") if element is not None else None
    return int(value) if value and value.isdigit() else default


def _cell_text(tc) -> str:
    """A cell's text as shown: one line per paragraph, symbol-font ticks as the marks they show."""
    return "\n".join(_paragraph_text(p) for p in tc.iter(f"{W}p")).strip("\n")


def _paragraph_text(paragraph) -> str:
    parts = []
    for run in paragraph.iter(f"{W}r"):
        letters = _symbol_letters(run)
        for node in run:
            if node.tag == f"{W}t" and node.text:
                parts.append("".join(letters.get(ch, ch) for ch in node.text) if letters else node.text)
            elif node.tag == f"{W}sym":  # Insert › Symbol: the font's code point
                parts.append(_sym_text(node))
            elif node.tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif node.tag == f"{W}tab":
                parts.append("\t")
    return "".join(parts)


def _sym_text(node) -> str:
    """A w:sym as the mark it shows, read in its own font (w:font): the same code point is ☑ in
    Wingdings 2 and another sign in Wingdings. An unknown font keeps the code point."""
    code = node.get(f"{W}char") or ""
    if not _is_hex(code):
        return ""
    point = int(code, 16)
    letters = forms.SYMBOL_FONT_LETTERS.get((node.get(f"{W}font") or "").strip().lower())
    if letters is None:
        return chr(point)
    letter = chr(point - 0xF000 if point >= 0xF000 else point)
    return letters.get(letter) or forms.unknown_symbol_letter(letter)


def _symbol_letters(run) -> dict[str, str]:
    """The letter → mark table of a run set in a symbol font (empty for any other run)."""
    props = run.find(f"{W}rPr")
    fonts = props.find(f"{W}rFonts") if props is not None else None
    if fonts is None:
        return {}
    for attribute in ("ascii", "hAnsi", "cs", "eastAsia"):
        letters = forms.SYMBOL_FONT_LETTERS.get((fonts.get(f"{W}{attribute}") or "").strip().lower())
        if letters:
            return {**{ch: forms.unknown_symbol_letter(ch) for ch in map(chr, range(0x21, 0x100))}, **letters}
    return {}


def _is_hex(code: str) -> bool:
    return 0 < len(code) <= 6 and all(ch in "0123456789abcdefABCDEF" for ch in code)
