"""The plan's forms as a county fills them in Word: a .docx made with python-docx (issue 14).

Each sheet of a workbook becomes a Word table of the same grid: merged ranges merged, each
line of a cell's text a paragraph of its own (the seed writes its labels over two or three
lines), so the .docx is the 附件5/附件6 of the plan as Word holds it. `symbols` turns the ticks
into Word's Insert › Symbol (`w:sym`, Wingdings 2) and the boxes into Wingdings 2 letters.

    python tests/word_forms.py SOURCE.xlsx TARGET.docx
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx
import openpyxl
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

SYMBOL_FONT = "Wingdings 2"
SYMBOLS = {"☑": "F052", "√": "F050"}  # Insert › Symbol code points
BOX_LETTER = "£"  # □ in Wingdings 2, typed as a letter in a run of that font


def word_form(source: Path, target: Path, *, symbols: bool = False) -> Path:
    book = openpyxl.load_workbook(source)
    document = docx.Document()
    for sheet in book.worksheets:
        document.add_paragraph(sheet.title)
        _table(document, sheet, symbols)
    document.save(target)
    return target


def _table(document, sheet, symbols: bool) -> None:
    rows, cols = sheet.max_row, sheet.max_column
    table = document.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
    covered = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
               if (r, c) != (r1, c1)}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None and (cell.row, cell.column) not in covered:
                _fill(table.cell(cell.row - 1, cell.column - 1), cell.value, symbols)
    for r1, c1, r2, c2 in merges:
        table.cell(r1 - 1, c1 - 1).merge(table.cell(r2 - 1, c2 - 1))


def _fill(cell, value, symbols: bool) -> None:
    lines = value.split("\n") if isinstance(value, str) else [value if not isinstance(value, float) or not
                                                               value.is_integer() else int(value)]
    cell.paragraphs[0].text = ""
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        _write(paragraph, str(line) if not isinstance(line, str) else line, symbols)


def _write(paragraph, text: str, symbols: bool) -> None:
    if not symbols or "打√" in text:  # a label's own 打√ is typed text
        paragraph.add_run(text)
        return
    for ch in text:
        if ch in SYMBOLS:
            run = paragraph.add_run()
            sym = OxmlElement("w:sym")
            sym.set(qn("w:font"), SYMBOL_FONT)
            sym.set(qn("w:char"), SYMBOLS[ch])
            run._r.append(sym)
        elif ch == "□":
            run = paragraph.add_run(BOX_LETTER)
            run.font.name = SYMBOL_FONT
        else:
            paragraph.add_run(ch)


if __name__ == "__main__":
    word_form(Path(sys.argv[1]), Path(sys.argv[2]))
