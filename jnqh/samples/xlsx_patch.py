"""Typing values into an existing .xlsx by editing its sheet XML, leaving everything else as is.

The template's cells keep their styles, data validations, conditional formats and
formulas; a typed value replaces only the cell's content. A formula cell given a value
keeps its formula and gets that value as its stored result, which is what Excel or WPS
store when they save (openpyxl would drop every stored result). Cells the template did not
write (rows below its prepared ones) are inserted in order.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.sax.saxutils import escape

_EPOCH = dt.date(1899, 12, 30)
_FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_REVERSED = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_REF = re.compile(r"([A-Z]+)(\d+)")


def patch_xlsx(data: bytes, edits: dict[str, dict[str, object]]) -> bytes:
    """`data` with the cells of `edits` (sheet name → {"B3": value}) set."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    paths = _sheet_paths(parts)
    for sheet, cells in edits.items():
        path = paths[sheet]
        parts[path] = _patch_sheet(parts[path].decode("utf-8"), cells).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(zipfile.ZipInfo(name, _FIXED_ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _sheet_paths(parts: dict[str, bytes]) -> dict[str, str]:
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels_xml = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rels = dict(_REL.findall(rels_xml)) or {rid: target for target, rid in _REL_REVERSED.findall(rels_xml)}
    paths = {}
    for name, rid in _SHEET.findall(workbook):
        target = rels[rid].lstrip("/")
        paths[_unescape(name)] = target if target.startswith("xl/") else f"xl/{target}"
    return paths


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(/>|>(.*?)</c>)', re.S)


def _patch_sheet(xml: str, cells: dict[str, object]) -> str:
    """One pass over the sheet's cells replacing those in `cells`; the rest are inserted."""
    pending = dict(cells)

    def replace(match: re.Match) -> str:
        ref = match.group(1)
        if ref not in pending:
            return match.group(0)
        attrs, inner = match.group(2), match.group(4) or ""
        style = re.search(r'\ss="\d+"', attrs)
        formula = re.search(r"<f\b.*?(?:/>|</f>)", inner, re.S)
        return _cell_xml(ref, style.group(0) if style else "", pending.pop(ref),
                         formula.group(0) if formula else None)

    xml = _CELL.sub(replace, xml)
    for ref, value in pending.items():
        if value is not None and value != "":
            xml = _insert_cell(xml, ref, _cell_xml(ref, "", value, None))
    return xml


def _cell_xml(ref: str, style: str, value: object, formula: str | None) -> str:
    if value is None or value == "":
        return f'<c r="{ref}"{style}>{formula}</c>' if formula else f'<c r="{ref}"{style}/>'
    if isinstance(value, bool):
        kind, body = ' t="b"', f"<v>{int(value)}</v>"
    elif isinstance(value, (int, float)):
        kind, body = "", f"<v>{value!r}</v>"
    elif isinstance(value, dt.date):
        kind, body = "", f"<v>{(value - _EPOCH).days}</v>"
    elif formula:
        kind, body = ' t="str"', f"<v>{escape(str(value))}</v>"
    else:
        kind, body = ' t="inlineStr"', f'<is><t xml:space="preserve">{escape(str(value))}</t></is>'
    return f'<c r="{ref}"{style}{kind}>{formula or ""}{body}</c>'


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _insert_cell(xml: str, ref: str, cell: str) -> str:
    """Put a new cell into its row (made when missing), in column order."""
    letters, row = _REF.fullmatch(ref).groups()
    row_match = re.search(rf'<row r="{row}"(?=[\s>/])([^>]*?)(/>|>(.*?)</row>)', xml, re.S)
    if row_match is None:
        return _insert_row(xml, int(row), f'<row r="{row}">{cell}</row>')
    inner = row_match.group(3) or ""
    column = _column_number(letters)
    position = len(inner)
    for existing in re.finditer(r'<c r="([A-Z]+)\d+"', inner):
        if _column_number(existing.group(1)) > column:
            position = existing.start()
            break
    attrs = re.sub(r'\sspans="[^"]*"', "", row_match.group(1))  # the spans hint would be wrong
    new_row = f'<row r="{row}"{attrs}>{inner[:position]}{cell}{inner[position:]}</row>'
    xml = xml[:row_match.start()] + new_row + xml[row_match.end():]
    return _widen_dimension(xml, ref)


def _insert_row(xml: str, row: int, row_xml: str) -> str:
    position = xml.index("</sheetData>")
    for existing in re.finditer(r'<row r="(\d+)"', xml):
        if int(existing.group(1)) > row:
            position = existing.start()
            break
    xml = xml[:position] + row_xml + xml[position:]
    return _widen_dimension(xml, re.search(r'<c r="([A-Z]+\d+)"', row_xml).group(1))


def _widen_dimension(xml: str, ref: str) -> str:
    match = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>', xml)
    if match is None:
        return xml
    letters, row = _REF.fullmatch(ref).groups()
    first = f"{match.group(1)}{match.group(2)}"
    last_col = match.group(3) or match.group(1)
    last_row = int(match.group(4) or match.group(2))
    if _column_number(letters) > _column_number(last_col):
        last_col = letters
    wider = f'<dimension ref="{first}:{last_col}{max(last_row, int(row))}"/>'
    return xml[:match.start()] + wider + xml[match.end():]
