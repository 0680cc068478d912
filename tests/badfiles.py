"""Builders of good and bad workbooks for the loading-layer tests.

Everything is generated at test time into a caller-given path, so the repository
holds no binaries. Each builder returns the path it wrote.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import xlsxwriter
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile
from xlwt.CompoundDoc import XlsDoc

MB = 1024 * 1024
SHEET1 = "xl/worksheets/sheet1.xml"


# --- good workbooks -----------------------------------------------------------

def openpyxl_xlsx(path: Path) -> Path:
    """Data starts at C3 (two empty rows and columns before it), with two merges."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表一"
    ws["C3"] = "标题"
    ws.merge_cells("C3:E3")
    ws["D4"] = 12
    ws["E4"] = 12.5
    ws["C5"] = dt.date(2024, 5, 1)
    ws["D5"] = dt.datetime(2024, 5, 1, 13, 30)
    ws["C6"] = True
    ws.merge_cells("F6:G8")
    ws["F6"] = "合并"
    hidden = wb.create_sheet("隐藏")
    hidden["A1"] = "x"
    hidden.sheet_state = "hidden"
    wb.create_sheet("空表")
    wb.save(path)
    return path


def xlsxwriter_xlsx(path: Path) -> Path:
    """Same layout as openpyxl_xlsx, plus a formula with a cached result in H2."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表一")
    ws.merge_range("C3:E3", "标题")
    ws.write_number("D4", 12)
    ws.write_number("E4", 12.5)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_datetime("C5", dt.datetime(2024, 5, 1), date_fmt)
    ws.write_datetime("D5", dt.datetime(2024, 5, 1, 13, 30), date_fmt)
    ws.write_boolean("C6", True)
    ws.merge_range("F6:G8", "合并")
    ws.write_formula("H2", "=D4*2", None, 24)
    hidden = wb.add_worksheet("隐藏")
    hidden.write("A1", "x")
    hidden.hide()
    wb.add_worksheet("空表")
    wb.close()
    return path


def xlwt_xls(path: Path) -> Path:
    """The same layout as an old-style .xls (BIFF8)."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表一")
    ws.write_merge(2, 2, 2, 4, "标题")
    ws.write(3, 3, 12)
    ws.write(3, 4, 12.5)
    ws.write(4, 2, dt.datetime(2024, 5, 1), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(5, 2, True)
    ws.write_merge(5, 7, 5, 6, "合并")
    hidden = wb.add_sheet("隐藏")
    hidden.write(0, 0, "x")
    hidden.visibility = 1
    wb.add_sheet("空表")
    wb.save(str(path))
    return path


def ten_circle_xlsx(path: Path, circles: int = 10) -> Path:
    """A county workbook shaped like the real one: one 45x8 附件5-like sheet per
    circle (30 merges, 20 formulas) and a 30x16 附件6-like project list."""
    wb = xlsxwriter.Workbook(str(path))
    for n in range(1, circles + 1):
        _circle_sheet(wb.add_worksheet(f"生活圈{n}"), n)
    projects = wb.add_worksheet("项目清单")
    for r in range(30):
        for c in range(16):
            if r == 0:
                projects.write(r, c, f"字段{c}")
            elif c % 4 == 0:
                projects.write(r, c, f"项目{r}-{c}")
            else:
                projects.write_number(r, c, r * 100 + c + 0.5)
    wb.close()
    return path


def _circle_sheet(ws, n: int) -> None:
    ws.merge_range(0, 0, 0, 7, f"附件5 生活圈{n}")
    for r in range(1, 45):
        if r <= 29:
            ws.merge_range(r, 0, r, 1, f"项目{r}")
        else:
            ws.write(r, 0, f"项目{r}")
        for c in range(2, 8):
            if r > 24 and c == 7:
                ws.write_formula(r, c, f"=SUM(C{r + 1}:G{r + 1})", None, 1.0)
            else:
                ws.write_number(r, c, r * 10 + c)


def xlsm_from(path: Path, source: Path) -> Path:
    """The same package declared as macro-enabled (what Excel writes for .xlsm)."""
    with zipfile.ZipFile(source) as src:
        types = src.read("[Content_Types].xml")
    macro = types.replace(b"spreadsheetml.sheet.main+xml",
                          b"PLACEHOLDER").replace(
        b"application/vnd.openxmlformats-officedocument.PLACEHOLDER",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    return replace_member(path, source, "[Content_Types].xml", macro)


# --- bad workbooks --------------------------------------------------------------

def far_cell_xlsx(path: Path, cell: str = "XFD1048576") -> Path:
    """A tiny workbook with one stray value far away (calamine would allocate the
    whole rectangle from A1)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表一")
    ws.write("A1", "县市区")
    ws.write(cell, "x")
    wb.close()
    return path


def far_cell_xls(path: Path) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表一")
    ws.write(0, 0, "县市区")
    ws.write(65535, 255, "x")
    wb.save(str(path))
    return path


def custom_sheet_xlsx(path: Path, source: Path, sheet_data: str) -> Path:
    """source (an xlsxwriter workbook) with sheet1 replaced by the given sheetData body."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    return replace_member(path, source, SHEET1, xml.encode())


def html_named_xls(path: Path) -> Path:
    """What many web systems export as "Excel": an HTML table named .xls."""
    path.write_text("<html><body><table><tr><td>县市区</td></tr></table></body></html>",
                    encoding="utf-8")
    return path



def truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def random_bytes(path: Path, size: int = 4096) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def text_named_xlsx(path: Path) -> Path:
    path.write_text("县市区,生活圈\n任城区,1\n", encoding="utf-8")
    return path


def zero_byte(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def lock_file(folder: Path, name: str = "报表.xlsx") -> Path:
    """What Excel leaves next to an open workbook: ~$ + name, 165 bytes."""
    path = folder / ("~$" + name)
    path.write_bytes(b"\x05user" + b"\x20" * 50 + b"\x00" * 110)
    return path


def encrypted_xlsx(path: Path, source: Path, password: str = "1234") -> Path:
    """An agile-encrypted OOXML package (an OLE2 file holding EncryptionInfo)."""
    with open(source, "rb") as plain, open(path, "wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path


def encrypted_xls(path: Path, encryption_type: int = 1) -> Path:
    """An .xls whose globals carry a FILEPASS record right after BOF.

    encryption_type 0 is XOR obfuscation, 1 is RC4. The cell records are not
    really encrypted: detection only looks at FILEPASS, as Excel does first.
    """
    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("表一").write(0, 0, "secret")
    stream = bytearray(wb.get_biff_data())
    if encryption_type == 0:
        payload = struct.pack("<HHH", 0, 0x1234, 0x5678)
    else:
        payload = struct.pack("<HHH", 1, 1, 1) + os.urandom(48)
    record = struct.pack("<HH", 0x2F, len(payload)) + payload
    _, bof_len = struct.unpack_from("<HH", stream, 0)
    stream[4 + bof_len:4 + bof_len] = record
    _shift_boundsheets(stream, len(record))
    buffer = io.BytesIO()
    XlsDoc().save(buffer, bytes(stream))
    path.write_bytes(buffer.getvalue())
    return path


def _shift_boundsheets(stream: bytearray, shift: int) -> None:
    # BOUNDSHEET records hold absolute stream offsets of each sheet's BOF.
    pos = 0
    while pos < len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x85:
            (offset,) = struct.unpack_from("<I", stream, pos + 4)
            struct.pack_into("<I", stream, pos + 4, offset + shift)
        pos += 4 + length


def xls_dimensions(path: Path, first_row: int, end_row: int, first_col: int,
                   end_col: int) -> Path:
    """An .xls whose first sheet declares the given DIMENSIONS (end exclusive),
    which calamine uses to reserve memory before reading any cell."""
    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("表一").write(0, 0, "x")
    stream = bytearray(wb.get_biff_data())
    pos = 0
    while pos < len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        if rtype == 0x0200 and length == 14:
            struct.pack_into("<IIHH", stream, pos + 4, first_row, end_row, first_col, end_col)
            break
        pos += 4 + length
    buffer = io.BytesIO()
    XlsDoc().save(buffer, bytes(stream))
    path.write_bytes(buffer.getvalue())
    return path


def ole_not_excel(path: Path) -> Path:
    """An OLE2 compound file with no Workbook stream (like a .doc)."""
    buffer = io.BytesIO()
    XlsDoc().save(buffer, b"\x00" * 4096)
    data = buffer.getvalue().replace("Workbook".encode("utf-16-le"),
                                     "WordDocu".encode("utf-16-le"))
    path.write_bytes(data)
    return path


def docx_named_xlsx(path: Path) -> Path:
    """A zip that is an OOXML package, but a Word one."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES_DOCX)
        zf.writestr("word/document.xml", "<w:document/>")
    return path


def ods_named_xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    return path


_CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


# --- XML attacks ----------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE sst [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
              for i in range(1, 10))
    + ']>\n'
)


def billion_laughs_xlsx(path: Path, source: Path, padding: str = "",
                        encoding: str = "utf-8") -> Path:
    """A valid xlsx whose sharedStrings.xml carries a DOCTYPE with nested entities.

    padding goes between the XML declaration and the DOCTYPE (a comment or
    whitespace pushes the DOCTYPE past a naive fixed-size scan); encoding
    'utf-16' re-encodes the part, where a byte search for '<!DOCTYPE' fails.
    """
    head, rest = LAUGHS.split("\n", 1)
    body = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    xml = head + "\n" + padding + rest + body
    if encoding != "utf-8":
        xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    return replace_member(path, source, "xl/sharedStrings.xml", xml.encode(encoding))


def shared_string_count_xlsx(path: Path, source: Path, count: str) -> Path:
    """source (an xlsxwriter workbook) whose string table declares `count` strings:
    calamine reserves room for them all before reading one."""
    with zipfile.ZipFile(source) as src:
        xml = src.read("xl/sharedStrings.xml")
    changed = re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="' + count.encode() + b'"', xml)
    return replace_member(path, source, "xl/sharedStrings.xml", changed)


def external_entity_xlsx(path: Path, source: Path) -> Path:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<si><t>&xxe;</t></si></sst>'
    )
    return replace_member(path, source, "xl/sharedStrings.xml", xml.encode())


def replace_member(path: Path, source: Path, name: str, payload: bytes) -> Path:
    """Copy the zip at source to path with one member's bytes replaced."""
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        if name not in names:
            raise ValueError(f"{source} has no member {name}")
        for member in names:
            dst.writestr(member, payload if member == name else src.read(member))
    return path


# --- zip bombs ------------------------------------------------------------------

def many_members_zip(path: Path, source: Path, extra: int = 10_001) -> Path:
    """A valid xlsx padded with more than ten thousand tiny members."""
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as dst:
        for member in src.namelist():
            dst.writestr(member, src.read(member))
        for i in range(extra):
            dst.writestr(f"xl/media/pad{i}.bin", b"")
    return path


def zip_bomb_xlsx(path: Path, source: Path, inflated_mb: int = 1024,
                  declared_size: int | None = None) -> Path:
    """A valid xlsx whose sheet1.xml inflates to inflated_mb of blank XML.

    The deflate stream is built by repeating one fully flushed block, so a 1 GB
    part takes milliseconds to make and about 1 MB on disk. With declared_size,
    the central directory lies about the uncompressed size (a bomb that passes
    a size check done from the directory alone).
    """
    with zipfile.ZipFile(source) as src:
        members = [(n, src.read(n)) for n in src.namelist()]
    sheet = next(data for name, data in members if name == SHEET1)
    prefix = sheet.split(b"<sheetData")[0] + b"<sheetData>"
    stream, size, crc = _blank_xml_deflate(prefix, inflated_mb)
    with open(path, "wb") as out:
        entries = []
        for name, data in members:
            if name == SHEET1:
                declared = size if declared_size is None else declared_size
                entries.append(_write_raw_member(out, name, stream, declared, crc))
            else:
                raw = _deflate(data)
                entries.append(_write_raw_member(out, name, raw, len(data), zlib.crc32(data)))
        _write_central_directory(out, entries)
    return path


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _blank_xml_deflate(prefix: bytes, inflated_mb: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of prefix + inflated_mb MB of spaces, its size and CRC."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    spaces = b" " * MB
    first = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    if block != again:  # a full flush resets the window, so blocks must repeat
        raise RuntimeError("deflate blocks do not repeat")
    crc = zlib.crc32(prefix)
    for _ in range(inflated_mb):
        crc = zlib.crc32(spaces, crc)
    stream = first + block * inflated_mb + compressor.flush()
    return stream, len(prefix) + inflated_mb * MB, crc


def _write_raw_member(out, name: str, raw: bytes, size: int, crc: int) -> tuple:
    offset = out.tell()
    encoded = name.encode()
    out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0,
                          crc, len(raw), size, len(encoded), 0))
    out.write(encoded)
    out.write(raw)
    return encoded, crc, len(raw), size, offset


def _write_central_directory(out, entries: list[tuple]) -> None:
    start = out.tell()
    for encoded, crc, compressed, size, offset in entries:
        out.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0,
                              crc, compressed, size, len(encoded), 0, 0, 0, 0, 0, offset))
        out.write(encoded)
    end = out.tell()
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                          end - start, start, 0))


# --- fuzzing ----------------------------------------------------------------------

def mutants(source: Path, count: int, seed: int, xml_level: bool = False):
    """Yield `count` damaged copies of source (bytes), reproducibly.

    Byte level: a few bytes overwritten, sometimes cut short. XML level (zip
    sources): one part edited with tokens that stress the checks (digits, refs,
    bare tags, entities, comments), then re-zipped so the damage reaches the parser.
    """
    rng = random.Random(seed)
    data = source.read_bytes()
    for _ in range(count):
        yield _xml_mutant(source, rng) if xml_level else _byte_mutant(data, rng)


def _byte_mutant(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    if rng.random() < 0.2:
        damaged = damaged[: rng.randrange(len(damaged))]
    return bytes(damaged)


def _xml_mutant(source: Path, rng: random.Random) -> bytes:
    with zipfile.ZipFile(source) as src:
        members = [(name, src.read(name)) for name in src.namelist()]
    index = rng.randrange(len(members))
    name, xml = members[index]
    edited = bytearray(xml)
    tokens = [b"9", b"99999", b"ZZ", b"<c>", b"<row>", b'"', b"&#65;", b"<!--", b"\x00"]
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(edited))
        roll = rng.random()
        if roll < 0.4:
            edited[at] = rng.choice(b'0123456789ABZ<>/"= :&#x')
        elif roll < 0.7:
            edited[at:at] = rng.choice(tokens)
        else:
            del edited[at:at + rng.randint(1, 20)]
    members[index] = (name, bytes(edited))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for member, payload in members:
            dst.writestr(member, payload)
    return out.getvalue()


def with_text_replaced(path: Path, source: Path, replacements: dict[str, str]) -> Path:
    """Copy the zip at source with texts replaced in every member, byte for byte: a way to
    put what Excel stores (``_x0008_`` for a backspace) where the writers never would."""
    with zipfile.ZipFile(source) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for member in src.namelist():
            data = src.read(member)
            for old, new in replacements.items():
                data = data.replace(old.encode(), new.encode())
            dst.writestr(member, data)
    return path


# --- .xls sheets the record walk must see -------------------------------------------

_BIFF8_SHEET_BOF = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)
_BIFF_EOF = struct.pack("<HH", 0x000A, 0)


def _dimensions(end_row: int, end_col: int, first_row: int = 0, first_col: int = 0) -> bytes:
    return struct.pack("<HH", 0x0200, 14) + struct.pack("<IIHHH", first_row, end_row, first_col, end_col, 0)


def _xls_with_boundsheets(path: Path, stream: bytearray, targets: list[bytes]) -> Path:
    """Append each of `targets` (bytes holding a sheet substream) to the stream, and a
    BOUNDSHEET after the existing ones pointing at the BOF inside each (found by offset)."""
    pos = last_end = 0
    while pos < len(stream):
        rtype, length = struct.unpack_from("<HH", stream, pos)
        pos += 4 + length
        if rtype == 0x85:
            last_end = pos
    size = 4 + 10  # a BOUNDSHEET with a one-letter name
    _shift_boundsheets(stream, size * len(targets))
    end = len(stream) + size * len(targets)
    records = b""
    for n, target in enumerate(targets):
        bof = end + target.index(_BIFF8_SHEET_BOF)
        records += struct.pack("<HHIBBBB", 0x85, 10, bof, 0, 0, 1, 0) + bytes([65 + n % 26]) + b"\0"
        end += len(target)
    stream[last_end:last_end] = records
    stream += b"".join(targets)
    buffer = io.BytesIO()
    XlsDoc().save(buffer, bytes(stream))
    path.write_bytes(buffer.getvalue())
    return path


def xls_hidden_substream(path: Path, end_row: int = 0xFFFFFFFF, first_row: int = 0) -> Path:
    """An .xls with a sheet substream hidden in the body of an unknown record (0x1234),
    named by a BOUNDSHEET whose offset points into that body: a linear record walk steps
    over it, calamine reads it, and reserves its DIMENSIONS (inverted or 4 billion rows)."""
    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("表一").write(0, 0, "x")
    body = _BIFF8_SHEET_BOF + _dimensions(end_row, 200, first_row) + _BIFF_EOF
    hidden = struct.pack("<HH", 0x1234, len(body)) + body
    return _xls_with_boundsheets(path, bytearray(wb.get_biff_data()), [hidden])


def xls_many_sheets(path: Path, sheets: int = 20, rows: int = 4000, cols: int = 250) -> Path:
    """An .xls of `sheets` extra sheets, each declaring DIMENSIONS of rows x cols (each
    within the per-sheet limit, together far beyond the workbook's budget)."""
    wb = xlwt.Workbook(encoding="utf-8")
    wb.add_sheet("表一").write(0, 0, "x")
    sheet = _BIFF8_SHEET_BOF + _dimensions(rows, cols) + _BIFF_EOF
    return _xls_with_boundsheets(path, bytearray(wb.get_biff_data()), [sheet] * sheets)


def sparse_sheets_xlsx(path: Path, sheets: int = 10, far: str = "J100000") -> Path:
    """`sheets` sheets holding only A1 and `far`: each within the per-sheet limit
    (J100000 is 1M cells), together beyond the workbook's cell budget."""
    wb = xlsxwriter.Workbook(str(path))
    for n in range(sheets):
        ws = wb.add_worksheet(f"表{n + 1}")
        ws.write("A1", n)
        ws.write(far, n)
    wb.close()
    return path
