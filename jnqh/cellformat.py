"""What python-calamine does not tell about cells: percent formats and symbol-font runs.

Symbol fonts. A tick inserted in Word as Wingdings 2 `R` (☑), pasted into Excel, stays the
letter R in a rich-text run whose font is Wingdings 2; calamine gives the letter, not the
font. The shared-strings part is searched for a symbol font first (most workbooks have none);
a string with such runs has their letters turned into the marks they show (or, for a letter
we do not know, into the private-use character a symbol font maps it to, which the reader
names in a warning), and the cells that use the string get the new text.

Percent formats. Excel stores `96%` typed into a cell as 0.96 with a percent number format, and shows 96%.
calamine gives the 0.96 and not the format, so the reader would take it for a fraction typed
by hand. Here the package's styles part says which cell formats are percentages (built-in
formats 9 and 10, or a custom format code with an unquoted %), each sheet part which cells
use them, and those cells' numbers become :class:`Percent` values in the grid.

The styles and shared strings are searched with plain bytes first: most workbooks have no
percent format and no symbol font, and then no sheet is read again. An .xls gets the percent
pass from its FORMAT and XF records (mark_formats_biff).
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import Callable, Iterable

from defusedxml import ElementTree as SafeElementTree

from jnqh import forms



class Percent(float):
    """A number shown as a percentage: Percent(0.96) is the 96% a person sees."""

    __slots__ = ()

    @property
    def shown(self) -> float:
        """The number before the % sign, as shown (0.96 → 96)."""
        return round(float(self) * 100, 6)


BUILTIN_PERCENT_FORMATS = frozenset({9, 10})  # 0% and 0.00%
_PERCENT_HINT = re.compile(rb'numFmtId\s*=\s*["\'](?:9|10)["\']|formatCode\s*=\s*["\'][^"\']*%')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)>")
_ID = re.compile(rb"""numFmtId\s*=\s*["'](\d+)["']""")
_CODE = re.compile(rb"""formatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escapes, [colour]/[conditions]
_ATTR_R = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_ATTR_T = re.compile(rb"""\st\s*=\s*["'](\w+)["']""")

ReadPart = Callable[[str], "bytes | None"]  # a package part's bytes by its name, None if absent


def percent_styles(styles: bytes) -> frozenset[int]:
    """Indexes of the cell formats (cellXfs) that show numbers as percentages."""
    if b"%" not in styles and b'"9"' not in styles and b'"10"' not in styles:
        return frozenset()  # (plain byte searches first: the regex is slower)
    if not _PERCENT_HINT.search(styles):
        return frozenset()
    percent_ids = set(BUILTIN_PERCENT_FORMATS)
    for attrs in _NUM_FMT.findall(styles):
        number, code = _ID.search(attrs), _CODE.search(attrs)
        if number and code and _shows_percent((code.group(1) or code.group(2) or b"").decode("utf-8", "replace")):
            percent_ids.add(int(number.group(1)))
    block = _CELL_XFS.search(styles)
    if block is None:
        return frozenset()
    found = set()
    for index, attrs in enumerate(_XF.findall(block.group())):
        number = _ID.search(attrs)
        if number and int(number.group(1)) in percent_ids:
            found.add(index)
    return frozenset(found)


def _shows_percent(code: str) -> bool:
    """Whether a number format code scales by 100 and shows %: an unquoted, unescaped %."""
    return "%" in _QUOTED.sub("", html.unescape(code))


def percent_cells(sheet_xml: bytes, styles: frozenset[int]) -> Iterable[tuple[int, int]]:
    """(row, col) of the number cells of a sheet part that use one of the percent `styles`."""
    wanted = b"|".join(str(s).encode() for s in sorted(styles))
    pattern = re.compile(rb"<(?:\w+:)?c\s[^>]*?\ss\s*=\s*[\"'](?:" + wanted + rb")[\"'][^>]*>")
    for match in pattern.finditer(sheet_xml):
        tag = match.group()
        kind = _ATTR_T.search(tag)
        if kind and kind.group(1) not in (b"n",):
            continue  # text, a boolean, an error: not a number
        ref = _ATTR_R.search(tag)
        if ref:
            yield int(ref.group(2)) - 1, _column(ref.group(1))


def _column(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index - 1


def mark_formats(grids: list, read_part: ReadPart) -> None:
    """Turn the numbers of percent-formatted cells of each grid into Percent values, and the
    symbol-font letters of rich-text cells into the marks they show."""
    workbook, styles_xml = "xl/workbook.xml", read_part("xl/styles.xml")
    strings_xml = read_part("xl/sharedStrings.xml")
    if styles_xml is None:  # a package whose parts are not under xl/: follow its relationships
        workbook = next((t for _, kind, t in _relationships(read_part, "") if kind.endswith("/officeDocument")), None)
        related = {kind.rsplit("/", 1)[-1]: t for _, kind, t in _relationships(read_part, workbook or "")}
        styles_xml = read_part(related["styles"]) if "styles" in related else None
        strings_xml = read_part(related["sharedStrings"]) if "sharedStrings" in related else None
    styles = percent_styles(styles_xml) if styles_xml else frozenset()
    symbols = symbol_strings(strings_xml) if strings_xml else {}
    # Excel, WPS and LibreOffice keep every text in the shared strings; a package without them
    # (some programs' output) writes its texts, rich ones too, into the cells themselves.
    inline = strings_xml is None
    if not styles and not symbols and not inline:
        return  # nearly every workbook: no sheet is read again
    for grid, part in zip(grids, sheet_parts(read_part, workbook)):
        xml = read_part(part) if part else None
        if not xml:
            continue
        if styles:
            _mark(grid.rows, percent_cells(xml, styles))
        texts = [*string_cells(xml, symbols)] if symbols else []
        if inline and _may_name_symbol_font(xml):
            texts += inline_symbol_cells(xml)
        for (r, c), text in texts:
            if r < len(grid.rows) and c < len(grid.rows[r]):
                grid.rows[r][c] = text


_SYMBOL_FONT_HINT = re.compile(rb"wingdings", re.I)


def _may_name_symbol_font(xml: bytes) -> bool:
    # Two plain byte searches (fast) before the case-blind regex (slow over a large part).
    return (b"ingdings" in xml or b"INGDINGS" in xml) and _SYMBOL_FONT_HINT.search(xml) is not None
_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_RUN = re.compile(rb"<(?:\w+:)?r\b[^>]*>(.*?)</(?:\w+:)?r>", re.S)
_RUN_FONT = re.compile(rb"""<(?:\w+:)?rFont\b[^>]*\bval\s*=\s*["']([^"']*)["']""")
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)  # phonetic runs: not shown


def symbol_strings(strings: bytes) -> dict[int, str]:
    """Shared-string index → its text with symbol-font letters as marks, for the strings
    that have a symbol-font run."""
    if not _may_name_symbol_font(strings):
        return {}
    found = {}
    for index, item in enumerate(_SI.finditer(strings)):
        body = _RPH.sub(b"", item.group(1) or b"")
        if not _SYMBOL_FONT_HINT.search(body):
            continue
        found[index] = "".join(_run_text(run) for run in _RUN.findall(body))
    return found


def _run_text(run: bytes) -> str:
    text = "".join(html.unescape((t or b"").decode("utf-8", "replace")) for t in _T.findall(run))
    font = _RUN_FONT.search(run)
    letters = forms.SYMBOL_FONT_LETTERS.get(font.group(1).decode("utf-8", "replace").strip().lower()) if font else None
    if letters is None:
        return text
    # A letter we do not know is kept as a character the reader names (forms.unknown_symbol_letter).
    return "".join(letters.get(ch) or (forms.unknown_symbol_letter(ch) if " " < ch < "\u0100" else ch)
                   for ch in text)


_INLINE = re.compile(rb"<(?:\w+:)?c\s([^>]*)>\s*<(?:\w+:)?is>(.*?)</(?:\w+:)?is>", re.S)


def inline_symbol_cells(sheet_xml: bytes) -> list[tuple[tuple[int, int], str]]:
    """((row, col), text) of the inline rich-text cells of a sheet part with a symbol-font run."""
    found = []
    for match in _INLINE.finditer(sheet_xml):
        attrs, body = match.groups()
        ref = _ATTR_R.search(b" " + attrs)
        body = _RPH.sub(b"", body)
        if ref and _SYMBOL_FONT_HINT.search(body):
            found.append(((int(ref.group(2)) - 1, _column(ref.group(1))),
                          "".join(_run_text(run) for run in _RUN.findall(body))))
    return found


def string_cells(sheet_xml: bytes, strings: dict[int, str]) -> Iterable[tuple[tuple[int, int], str]]:
    """((row, col), text) of the shared-string cells of a sheet part that use `strings`."""
    wanted = b"|".join(str(i).encode() for i in sorted(strings))
    pattern = re.compile(rb"<(?:\w+:)?c\s([^>]*)>\s*<(?:\w+:)?v>\s*(" + wanted + rb")\s*</")
    for match in pattern.finditer(sheet_xml):
        attrs = match.group(1)
        kind, ref = _ATTR_T.search(b" " + attrs), _ATTR_R.search(b" " + attrs)
        if kind and kind.group(1) == b"s" and ref:
            yield (int(ref.group(2)) - 1, _column(ref.group(1))), strings[int(match.group(2))]


def sheet_parts(read_part: ReadPart, workbook: str) -> list[str | None]:
    """The worksheet part of each sheet, in the workbook's order (calamine's order)."""
    xml = read_part(workbook)
    if xml is None:
        return []
    targets = {rel_id: target for rel_id, _, target in _relationships(read_part, workbook)}
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except Exception:  # calamine read this part; a lenient reading of it is no worse
        return []
    return [targets.get(next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None))
            for sheet in root.iter() if sheet.tag.endswith("}sheet")]


def _relationships(read_part: ReadPart, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of a part's relationships ('' for the package's own)."""
    folder, name = posixpath.split(part)
    xml = read_part(posixpath.join(folder, "_rels", f"{name}.rels"))
    try:
        rels = SafeElementTree.fromstring(xml, forbid_dtd=True) if xml else ()
    except Exception:
        return []
    found = []
    for rel in rels:
        target = rel.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((rel.get("Id"), rel.get("Type", ""), path))
    return found


def _mark(rows: list[list[object]], cells: Iterable[tuple[int, int]]) -> None:
    for r, c in cells:
        if r < len(rows) and c < len(rows[r]):
            value = rows[r][c]
            if value.__class__ in (float, int):
                rows[r][c] = Percent(value)


# --- .xls (BIFF8) -----------------------------------------------------------------

_BIFF_BOF, _BIFF_BOUNDSHEET, _BIFF_FORMAT, _BIFF_XF = 0x0809, 0x0085, 0x041E, 0x00E0
_BIFF_NUMBER, _BIFF_RK, _BIFF_FORMULA, _BIFF_MULRK = 0x0203, 0x027E, 0x0006, 0x00BD


def mark_formats_biff(grids: list, stream: bytes) -> None:
    """The percent pass for an .xls: FORMAT and XF records in the globals, each sheet's number cells
    (NUMBER, RK, MULRK, FORMULA) by their XF index; sheets found by their BOUNDSHEET name."""
    records = _biff_records(stream)
    percent_ids, xf_formats, sheets = set(BUILTIN_PERCENT_FORMATS), [], {}
    for rtype, body, pos in records:
        if rtype == _BIFF_BOF and pos:
            break  # the globals end where the first sheet begins
        if rtype == _BIFF_FORMAT and len(body) >= 5 and _shows_percent(_biff_string(body[2:])):
            percent_ids.add(int.from_bytes(body[:2], "little"))
        elif rtype == _BIFF_XF and len(body) >= 4:
            xf_formats.append(int.from_bytes(body[2:4], "little"))
        elif rtype == _BIFF_BOUNDSHEET and len(body) >= 8:
            sheets[int.from_bytes(body[:4], "little")] = _biff_short_string(body[6:])
    styles = frozenset(i for i, fmt in enumerate(xf_formats) if fmt in percent_ids)
    if not styles:
        return
    by_name = {grid.name: grid for grid in grids}
    grid = None
    for rtype, body, pos in records:
        if rtype == _BIFF_BOF:
            grid = by_name.get(sheets.get(pos))
        elif grid is not None:
            _mark(grid.rows, _biff_percent_cells(rtype, body, styles))


def _biff_records(stream: bytes) -> list[tuple[int, bytes, int]]:
    records, pos, end = [], 0, len(stream)
    while pos + 4 <= end:
        rtype, size = int.from_bytes(stream[pos:pos + 2], "little"), int.from_bytes(stream[pos + 2:pos + 4], "little")
        records.append((rtype, stream[pos + 4:pos + 4 + size], pos))
        pos += 4 + size
    return records


def _biff_percent_cells(rtype: int, body: bytes, styles: frozenset[int]) -> Iterable[tuple[int, int]]:
    if rtype in (_BIFF_NUMBER, _BIFF_RK, _BIFF_FORMULA) and len(body) >= 6:
        row, col, xf = (int.from_bytes(body[i:i + 2], "little") for i in (0, 2, 4))
        if xf in styles:
            yield row, col
    elif rtype == _BIFF_MULRK and len(body) >= 10:
        row, first = int.from_bytes(body[:2], "little"), int.from_bytes(body[2:4], "little")
        for i in range((len(body) - 6) // 6):
            if int.from_bytes(body[4 + 6 * i:6 + 6 * i], "little") in styles:
                yield row, first + i


def _biff_string(raw: bytes) -> str:
    """An XLUnicodeString: 2-byte length, a flags byte, then the characters."""
    length, flags = int.from_bytes(raw[:2], "little"), raw[2]
    return _biff_chars(raw[3:], length, flags)


def _biff_short_string(raw: bytes) -> str:
    """A ShortXLUnicodeString: 1-byte length, a flags byte, then the characters."""
    return _biff_chars(raw[2:], raw[0], raw[1]) if len(raw) >= 2 else ""


def _biff_chars(raw: bytes, length: int, flags: int) -> str:
    if flags & 0x1:
        return raw[:2 * length].decode("utf-16-le", "replace")
    return raw[:length].decode("latin-1")
