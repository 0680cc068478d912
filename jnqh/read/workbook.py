"""Safe, fast loading of the workbooks counties send: bytes in, dense grids out.

The file is read once; the same bytes are hashed, checked and parsed. Checks run
before python-calamine (0.9.1, calamine 0.37) sees the bytes, because calamine is
fast but trusts its input, and a Rust allocation failure aborts the whole process
(no exception to catch). Measured traps, each guarded and tested:
  - it inflates whatever the zip declares (1 GB of XML in a 1 MB file);
  - it allocates every sheet as a dense rectangle from A1: one value in
    XFD1048576 in a 6 KB xlsx asks for 512 GB;
  - it reserves room for <sst uniqueCount="..."> strings up front;
  - for .xls, it reserves the DIMENSIONS rectangle, in wrapping u32 arithmetic;
  - it reads XOR-obfuscated .xls as if it were plain.

A file that cannot be read raises `Unreadable(code, detail)`; the issue
catalogue turns the code and detail into the Chinese message. Codes and detail keys:

    F-MISSING    path; reason ('directory' | 'not a regular file' | OS error text)
    F-EMPTY      (none)
    F-CONVERT    ext ('.csv', '.ods', '.xlsb', ...)
    F-NOT-EXCEL  ext; detected ('text' | 'html' | 'xml' | 'pdf' | 'zip' | 'docx' |
                 'pptx' | 'ole' | 'unknown')
    F-CORRUPT    reason (the parser's words, English); member (a zip part, sometimes)
    F-ENCRYPTED  container ('ooxml' | 'xls' | 'zip')
    F-BOMB       cause ('file_size' | 'total_size' | 'ratio' | 'members' |
                 'shared_strings'); size_mb (always: the size refused; for a string
                 table, what calamine would allocate); limit_mb; and by cause:
                 member, ratio | members, limit | part, count, limit
    F-CELLS      cause ('sheet_extent' | 'book_cells'); size_mb (what calamine would
                 allocate), limit_mb; cells, limit; for a sheet: sheet, cell (the far corner)
    F-XML-ATTACK part; cause ('doctype' | 'prolog')
    F-MACRO-SHEET (none): an Excel 4 macro sheet calamine cannot read

Detail never holds 'file', 'field' or 'value'; 'sheet' and 'cell' name a location.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import posixpath
import re
import stat
import struct
import zlib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import AbstractSet, NamedTuple

import olefile
import python_calamine
from defusedxml import ElementTree as SafeElementTree

from jnqh.read.discover import classify
from jnqh.cellformat import mark_formats, mark_formats_biff
from jnqh.read.wordform import TooLarge, word_tables

MB = 1024 * 1024

# Limits. A real county workbook is well under 10 MB and a few thousand cells per
# sheet; these only stop hostile or broken files before they cost memory.
MAX_FILE_BYTES = 300 * MB            # never read a bigger file into memory
MAX_TOTAL_UNCOMPRESSED = 300 * MB    # sum of the sizes the zip directory declares
MAX_MEMBER_RATIO = 200               # deflate ratio that marks a bomb member...
MAX_RATIO_MEMBER_BYTES = 20 * MB     # ...but only when it inflates beyond this
MAX_MEMBERS = 10_000                 # zip members (a 20-sheet workbook has ~40)
MAX_CD_ENTRY_BYTES = 1024            # bound on one central-directory entry, so a
                                     # huge directory is refused before it is read
MAX_SHEET_CELLS = 1_000_000          # rows x cols of one sheet's dense grid
MAX_BOOK_CELLS = 4_000_000           # ... and of all sheets of one workbook together
                                     # (hidden ones too): at ~32 bytes a cell in
                                     # calamine and in the grid, ~130 MB; a county's
                                     # workbook of 100 circle sheets holds ~40,000
MAX_SHARED_STRINGS = 2_000_000       # calamine reserves room for <sst uniqueCount>
                                     # strings up front (24 bytes each): 4294967295
                                     # in a 2 KB file aborts the process
XML_HEAD_BYTES = 4096                # the prolog (where a DOCTYPE lives) fits here

# The per-sheet fast check (see _extent_is_small) proves every cell ref is within
# 9,999 rows x 26 columns, which stays under MAX_SHEET_CELLS; anything else takes
# the exact, slower scan. It maps letters to A and digits to 0 so that bytes
# searches see the shape of every ref whatever the attribute syntax.
_REF_SHAPES = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    b"A" * 52 + b"0" * 10)
# A cell tag not written `<c r="`: one regex pass, cheaper than counting both spellings.
_LOOSE_CELL = re.compile(rb'<c(?! r=")')
_ATTR = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# For the exact scan: a <c> or <row> start tag and its attributes, and r values.
_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)((?:" + _ATTR + rb")*)\s*/?>")
_R_VALUE = re.compile(rb"""\s(?:[\w.-]+:)?r\s*=\s*["']([A-Za-z]*)([0-9]*)""")
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']([^"']*)""")
_CONTENT_TYPE = re.compile(rb"""ContentType\s*=\s*["']([^"']*)""")
# Whitespace, PIs and comments before the root; the last one may run past the head.
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*(?:<\?.*|<!--.*)?", re.S)

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a package; an empty archive
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsm",
}
_XLSB_CONTENT_TYPE = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"


class Unreadable(Exception):
    """The file cannot be read at all. The only exception this module raises."""

    def __init__(self, code: str, detail: dict | None = None):
        self.code = code
        self.detail = dict(detail or {})
        super().__init__(f"{code}: {self.detail}")

    def __reduce__(self):  # keep code and detail across process pools
        return (type(self), (self.code, self.detail))


@dataclass
class Grid:
    """One worksheet as a dense grid; rows[r][c] uses absolute 0-based coordinates."""

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    # The merged ranges indexed (see _merge_index_of), made on first use.
    _merges: MergeIndex | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def value(self, r: int, c: int) -> object:
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return ""

    def merge_anchor(self, r: int, c: int) -> tuple[int, int]:
        small, large, _ = self._merges or self._index_merges()
        anchor = small.get((r, c))
        if anchor is not None:
            return anchor
        for r1, c1, r2, c2 in large:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return (r1, c1)
        return (r, c)

    def merge_anchors(self) -> dict[tuple[int, int], tuple[int, int]] | None:
        """Merged cell -> its anchor, for readers that look up many cells themselves; None
        when some merge is kept as a range (then ask merge_anchor). Never change it: it may
        be shared with other sheets of the same layout."""
        index = self._merges or self._index_merges()
        return None if index.large else index.small

    def shown(self, r: int, c: int) -> object:
        """The value a person sees at (r, c): a cell under a merge shows its anchor's.

        Same as value(*merge_anchor(r, c)), in one call: readers ask it of every cell.
        """
        small, large, _ = self._merges or self._index_merges()
        anchor = small.get((r, c))
        if anchor is None and large:
            anchor = self.merge_anchor(r, c)
        if anchor is not None:
            r, c = anchor
        rows = self.rows
        if 0 <= r < len(rows):
            row = rows[r]
            if 0 <= c < len(row):
                return row[c]
        return ""

    def text(self, r: int, c: int) -> str:
        return cell_text(self.value(*self.merge_anchor(r, c)))

    def covered_cells(self) -> AbstractSet[tuple[int, int]]:
        """Cells hidden under a merge: every cell of a merged range but its top-left one."""
        covered = (self._merges or self._index_merges()).covered
        if covered is None:  # ranges too large to list, or overlapping ones
            return self._covered_by_ranges()
        return covered

    def _covered_by_ranges(self) -> set[tuple[int, int]]:
        last_row = len(self.rows) - 1
        last_col = max((len(row) for row in self.rows), default=0) - 1
        # Clip: a merge over whole rows or columns must not cost a million cells.
        return {(r, c) for r1, c1, r2, c2 in self.merged
                for r in range(r1, min(r2, last_row) + 1)
                for c in range(c1, min(c2, last_col) + 1) if (r, c) != (r1, c1)}

    def _index_merges(self) -> MergeIndex:
        self._merges = _merge_index_of(tuple(self.merged))
        return self._merges


class MergeIndex(NamedTuple):
    """A sheet's merged ranges, indexed for lookups by cell."""

    small: dict[tuple[int, int], tuple[int, int]]  # cell -> anchor, for ordinary merges
    large: tuple[tuple[int, int, int, int], ...]  # merges kept as ranges (too many cells)
    covered: frozenset[tuple[int, int]] | None  # the non-anchor cells; None: see the ranges


MERGE_CELL_BUDGET = 200_000  # cells one sheet's index may list; larger merges stay ranges
SHARED_MERGE_CELLS = 5_000  # indexes up to this size are shared between equal layouts...
SHARED_MERGE_LAYOUTS = 128  # ...and this many are kept
_shared_merges: dict[tuple, MergeIndex] = {}


def _merge_index_of(merged: tuple[tuple[int, int, int, int], ...]) -> MergeIndex:
    """The index of a sheet's merged ranges.

    Sheets of one layout (ten 附件5 sheets of a workbook, the template's sheets in every
    county's file) have the same merged ranges: their index is made once and shared. It is
    never changed once made.
    """
    index = _shared_merges.get(merged)
    if index is None:
        index = _index_merged(merged)
        if len(index.small) <= SHARED_MERGE_CELLS:
            if len(_shared_merges) >= SHARED_MERGE_LAYOUTS:
                _shared_merges.clear()
            _shared_merges[merged] = index
    return index


def _index_merged(merged: tuple[tuple[int, int, int, int], ...]) -> MergeIndex:
    # Cell -> anchor for ordinary merges; a merge over a whole column (a real thing in
    # county files) stays a range so the index cannot blow up.
    small: dict[tuple[int, int], tuple[int, int]] = {}
    large = []
    budget = MERGE_CELL_BUDGET
    placed = 0
    for r1, c1, r2, c2 in merged:
        height, width = r2 - r1 + 1, c2 - c1 + 1
        area = height * width
        if area > budget:
            large.append((r1, c1, r2, c2))
            continue
        budget -= area
        if height > 0 and width > 0:  # an inverted range has no cells
            placed += area
            small.update(dict.fromkeys(product(range(r1, r2 + 1), range(c1, c2 + 1)), (r1, c1)))
    covered = None
    if not large and placed == len(small):  # no two merges overlap
        # The index names every merged cell once: the covered ones are all but the anchors.
        covered = frozenset(small.keys() - {(r1, c1) for r1, c1, r2, c2 in merged if r1 <= r2 and c1 <= c2})
    return MergeIndex(small, tuple(large), covered)


@dataclass
class Book:
    path: Path
    sha256: str
    kind: str  # 'xlsx' | 'xlsm' | 'xls' | 'docx' (the tables of a Word form)
    sheets: list[Grid]

    def sheet(self, name: str) -> Grid | None:
        return next((g for g in self.sheets if g.name == name), None)


# --- public helpers --------------------------------------------------------------

def cell_ref(r: int, c: int) -> str:
    """(0, 0) -> 'A1'; (11, 2) -> 'C12'; column 26 -> 'AA'."""
    if r < 0 or c < 0:
        raise ValueError(f"negative cell coordinates ({r}, {c})")
    return f"{_column_letters(c)}{r + 1}"


@functools.lru_cache(maxsize=4096)  # every value read is traced to its cell
def _column_letters(c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """A cell value as the text a person sees: 12.0 -> '12', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")  # Excel keeps 15 significant digits
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# --- loading ---------------------------------------------------------------------

def load_book(path: Path | str, data: bytes | None = None) -> Book:
    """Read, check and parse one workbook. Raises Unreadable; never writes anything.

    `data`: the workbook's bytes when they come from elsewhere (a member of a .zip); `path`
    then names it (its suffix is what messages show)."""
    path = Path(path)
    data = _read_input(path) if data is None else _given_input(path, data)
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(_ZIP_MAGICS):
        try:
            kind = _inspect_zip(data)
        except Unreadable as failure:
            if failure.detail.get("detected") != "docx":
                raise
            # The plan's forms filled in Word: its tables are read as sheets (jnqh/wordform.py);
            # a Word document without a table is what it was before: not a workbook.
            grids = _word_grids(data)
            if not grids:
                raise
            return Book(path, digest, "docx", grids)
    elif data.startswith(_OLE_MAGIC):
        kind = _inspect_ole(data)
    else:
        raise Unreadable("F-NOT-EXCEL", {"ext": path.suffix.lower(),
                                         "detected": _describe_content(data)})
    try:
        sheets = _parse(data, kind)
    except Unreadable as failure:
        # calamine cannot read Excel 4 macro sheets: say so, rather than call the file damaged.
        if failure.code == "F-CORRUPT" and kind != "xls" and _declares_macro_sheet(data):
            raise Unreadable("F-MACRO-SHEET") from None
        raise
    # calamine drops number formats and rich-text fonts: mark percent cells and symbol-font ticks.
    if kind == "xls":
        mark_formats_biff(sheets, _ole_workbook_stream(data))
    else:
        mark_formats(sheets, _part_reader(data))
    return Book(path, digest, kind, sheets)


def _word_grids(data: bytes) -> list[Grid]:
    """The tables of a .docx that passed the zip and XML checks, as grids (none when its
    document part cannot be parsed: then it is not a form we can read)."""
    document = _part_reader(data)("word/document.xml")
    try:
        tables = word_tables(document or b"", MAX_SHEET_CELLS)
    except TooLarge as table:
        raise _extent_refused(table.name, table.rows, table.cols) from None
    except Exception:  # defusedxml and expat raise several unrelated types
        return []
    return [Grid(name, rows, merged) for name, rows, merged in tables]


def _declares_macro_sheet(data: bytes) -> bool:
    """Whether a package's content types declare a macro sheet (Excel 4 macros)."""
    types = _part_reader(data)("[Content_Types].xml") or b""
    return b"macrosheet+xml" in types


def _ole_workbook_stream(data: bytes) -> bytes:
    """The Workbook stream of an .xls that _inspect_ole has checked and calamine has read."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        name = next(n for n in ("Workbook", "Book") if ole.exists(n))
        return ole.openstream(name).read()


def _part_reader(data: bytes):
    """A package part's bytes by name (None when absent), for parts already checked."""
    by_name = {member.name: member for member in _read_directory(data)}

    def read_part(name: str) -> bytes | None:
        member = by_name.get(name)
        return _member_bytes(data, member, member.size) if member else None
    return read_part


def _read_input(path: Path) -> bytes:
    try:
        info = path.stat()
    except OSError:
        raise Unreadable("F-MISSING", {"path": str(path)}) from None
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable("F-MISSING", {"path": str(path), "reason": "directory"})
    if not stat.S_ISREG(info.st_mode):  # a fifo or device would block or never end
        raise Unreadable("F-MISSING", {"path": str(path), "reason": "not a regular file"})
    if classify(path) == "convert":
        raise Unreadable("F-CONVERT", {"ext": path.suffix.lower()})
    if info.st_size > MAX_FILE_BYTES:
        raise _too_big("file_size", info.st_size, MAX_FILE_BYTES)
    try:
        with open(path, "rb") as f:
            # Not read(MAX_FILE_BYTES): CPython would allocate that much every time.
            data = f.read(info.st_size + 1)
    except OSError as exc:
        raise Unreadable("F-MISSING", {"path": str(path), "reason": exc.strerror}) from None
    if not data:
        raise Unreadable("F-EMPTY")
    if len(data) != info.st_size:  # still being copied into the inbox, say
        raise Unreadable("F-CORRUPT", {"reason": "file changed while being read"})
    return data


def _given_input(path: Path, data: bytes) -> bytes:
    """The checks of _read_input that concern the bytes, for bytes read from elsewhere."""
    if classify(path) == "convert":
        raise Unreadable("F-CONVERT", {"ext": path.suffix.lower()})
    if len(data) > MAX_FILE_BYTES:
        raise _too_big("file_size", len(data), MAX_FILE_BYTES)
    if not data:
        raise Unreadable("F-EMPTY")
    return data


def _too_big(cause: str, size: int, limit_bytes: int, **extra) -> Unreadable:
    # Too many cells is a table too large, not a bomb: it has its own code and words.
    code = "F-CELLS" if cause in ("sheet_extent", "book_cells") else "F-BOMB"
    return Unreadable(code, {"cause": cause, "size_mb": max(1, round(size / MB)),
                             "limit_mb": limit_bytes // MB, **extra})


def _describe_content(data: bytes) -> str:
    """What a non-spreadsheet file looks like, so the message can say 'a web page'."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<table" in head:
        return "html"  # what many systems export under an .xls name
    if head.startswith(b"<?xml"):
        return "xml"   # e.g. Excel 2003 XML Spreadsheet
    if b"\x00" not in head:
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
                return "text"
            except UnicodeDecodeError:
                continue
    return "unknown"


# --- zip packages (xlsx, xlsm) ---------------------------------------------------

class _Member(NamedTuple):
    """One central-directory entry: what the zip declares about a member."""
    name: str
    method: int
    flags: int
    compressed: int
    size: int
    offset: int


def _inspect_zip(data: bytes) -> str:
    """Refuse bombs and XML attacks from the zip itself; return 'xlsx' or 'xlsm'."""
    try:
        members = _read_directory(data)
    except (struct.error, UnicodeDecodeError) as exc:
        raise Unreadable("F-CORRUPT", {"reason": f"zip directory: {exc}"}) from None
    _check_declared_sizes(members)
    for member in members:
        _check_member(data, member, members)
    return _package_kind(data, members)


def _read_directory(data: bytes) -> list[_Member]:
    """The central directory, read with struct: zipfile would build a ZipInfo per
    entry (slow, and unbounded for a hostile directory) before we could count."""
    count, size, pos = _end_of_directory(data)
    if count > MAX_MEMBERS or size > MAX_MEMBERS * MAX_CD_ENTRY_BYTES:
        raise _too_big("members", len(data), MAX_TOTAL_UNCOMPRESSED,
                       members=count, limit=MAX_MEMBERS)
    members = []
    for _ in range(count):
        if data[pos:pos + 4] != b"PK\x01\x02":
            raise Unreadable("F-CORRUPT", {"reason": "bad central directory entry"})
        (flags, method, compressed, usize, name_len, extra_len, comment_len,
         offset) = struct.unpack_from("<8x2H8x2I3H8xI", data, pos)
        name_end = pos + 46 + name_len
        name = data[pos + 46:name_end].decode("utf-8" if flags & 0x800 else "cp437")
        if 0xFFFFFFFF in (compressed, usize, offset):
            usize, compressed, offset = _zip64_fields(
                data[name_end:name_end + extra_len], usize, compressed, offset)
        members.append(_Member(name, method, flags, compressed, usize, offset))
        pos = name_end + extra_len + comment_len
    return members


def _end_of_directory(data: bytes) -> tuple[int, int, int]:
    """(member count, directory size, directory offset), zip64-aware."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) - end < 22:
        raise Unreadable("F-CORRUPT", {"reason": "no zip end-of-directory record"})
    count, size, offset = struct.unpack_from("<HII", data, end + 10)
    locator = end - 20
    if count == 0xFFFF or 0xFFFFFFFF in (size, offset):
        if locator < 0 or data[locator:locator + 4] != b"PK\x06\x07":
            raise Unreadable("F-CORRUPT", {"reason": "zip64 locator missing"})
        (zip64_end,) = struct.unpack_from("<Q", data, locator + 8)
        if data[zip64_end:zip64_end + 4] != b"PK\x06\x06":
            raise Unreadable("F-CORRUPT", {"reason": "zip64 record missing"})
        count, size, offset = struct.unpack_from("<QQQ", data, zip64_end + 32)
    return count, size, offset


def _zip64_fields(extra: bytes, usize: int, compressed: int, offset: int):
    """Replace 0xFFFFFFFF placeholders with the zip64 extra field's values."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001:
            values = iter(struct.unpack_from(f"<{length // 8}Q", extra, pos + 4))
            usize = next(values) if usize == 0xFFFFFFFF else usize
            compressed = next(values) if compressed == 0xFFFFFFFF else compressed
            offset = next(values) if offset == 0xFFFFFFFF else offset
            break
        pos += 4 + length
    return usize, compressed, offset


def _check_declared_sizes(members: list[_Member]) -> None:
    """Refuse from the central directory alone, before inflating a byte."""
    total = sum(member.size for member in members)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise _too_big("total_size", total, MAX_TOTAL_UNCOMPRESSED)
    for member in members:
        ratio = member.size / max(member.compressed, 1)
        if member.size > MAX_RATIO_MEMBER_BYTES and ratio > MAX_MEMBER_RATIO:
            raise _too_big("ratio", member.size, MAX_TOTAL_UNCOMPRESSED,
                           member=member.name, ratio=round(ratio))


def _check_member(data: bytes, member: _Member, members: list[_Member]) -> None:
    """XML-attack check on the head of every XML part; extent check on every sheet.

    Sheets are recognised by content (a sheetData element), not by name, since
    the workbook's relationships may point anywhere in the package.
    """
    if member.name.lower().endswith((".xml", ".rels")):
        xml = _member_bytes(data, member, member.size)
    else:
        xml = _member_bytes(data, member, XML_HEAD_BYTES)
        if not xml.lstrip(b"\xef\xbb\xbf \t\r\n\x00\xff\xfe").startswith(b"<"):
            return  # images, vbaProject.bin: calamine does not parse them
        xml = _member_bytes(data, member, member.size)  # XML under another name
    problem = _xml_head_problem(xml[:XML_HEAD_BYTES])
    if problem:
        raise Unreadable("F-XML-ATTACK", {"part": member.name, "cause": problem})
    if b"sheetData" in xml:
        _check_sheet_extent(xml, member.name, data, members)
    if b"uniqueCount" in xml:
        _check_string_count(xml, member.name)


def _check_string_count(xml: bytes, part: str) -> None:
    """Refuse a shared-string table that declares more strings than we allow.
    Every uniqueCount in the part counts, in any syntax; an escaped number is
    refused rather than decoded."""
    for value in _UNIQUE_COUNT.findall(xml):
        digits = value.strip().lstrip(b"+")
        if digits.isdigit():
            count = int(digits[:20])
        else:
            count = MAX_SHARED_STRINGS + 1 if b"&" in value else 0
        if count > MAX_SHARED_STRINGS:
            raise _too_big("shared_strings", count * 24, MAX_SHARED_STRINGS * 24,
                           part=part, count=count, limit=MAX_SHARED_STRINGS)


def _member_bytes(data: bytes, member: _Member, limit: int) -> bytes:
    """Inflate at most `limit` bytes of one member straight from the file's bytes.

    Output never exceeds the declared size, whatever the stream holds; a member
    that inflates past it is a lie (a bomb dressed as a small file) and is refused.
    """
    offset = member.offset
    if data[offset:offset + 4] != b"PK\x03\x04" or offset + 30 > len(data):
        raise Unreadable("F-CORRUPT", {"reason": "bad local header", "member": member.name})
    if member.flags & 0x1:
        raise Unreadable("F-ENCRYPTED", {"container": "zip"})
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + member.compressed]
    want = min(limit, member.size) + 1  # one byte more shows a lying directory
    if member.method == 0:  # stored
        out = bytes(raw[:want])
    elif member.method == 8:  # deflated
        try:
            out = zlib.decompressobj(-15).decompress(raw, want)
        except zlib.error as exc:
            raise Unreadable("F-CORRUPT", {"reason": str(exc), "member": member.name}) from None
    else:
        raise Unreadable("F-CORRUPT", {"reason": f"compression method {member.method}",
                                       "member": member.name})
    if len(out) > member.size:
        raise Unreadable("F-CORRUPT", {"reason": "member larger than declared",
                                       "member": member.name})
    return out[:limit]


def _xml_head_problem(head: bytes) -> str | None:
    """'doctype' if the prolog declares a DTD or entities, 'prolog' if it is too long.

    Why not let calamine parse and see: it is not an XML parser we can trust to
    refuse DTDs (quick-xml only declines to expand what it does not know, and a
    future version may not), so a DOCTYPE in a spreadsheet part, which Excel
    never writes, is refused outright. A DTD can only sit in the prolog, before
    the root element; a prolog padded past XML_HEAD_BYTES is refused too, so the
    DTD cannot hide beyond what we read.
    """
    text = _as_ascii_compatible(head)
    # b"!" first: one memchr, where b"<!" is a slow search in markup full of "<".
    if b"!" in text and b"<!" in text:  # quick-xml reads <!doctype in any case, so compare upper
        upper = text.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            return "doctype"
    if len(head) >= XML_HEAD_BYTES and _PROLOG.match(text).end() == len(text):
        return "prolog"
    return None


def _as_ascii_compatible(head: bytes) -> bytes:
    """Re-encode a UTF-16 head so that byte searches for '<!DOCTYPE' work."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace").encode("utf-8")
    if len(head) >= 2 and (head[0] == 0 or head[1] == 0):
        encoding = "utf-16-be" if head[0] == 0 else "utf-16-le"
        return head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


def _check_sheet_extent(xml: bytes, part: str, data: bytes, members: list) -> None:
    """Refuse a sheet whose dense grid would exceed MAX_SHEET_CELLS."""
    if _extent_is_small(xml):
        return
    rows, cols = _sheet_extent(xml)
    if rows * cols > MAX_SHEET_CELLS:
        raise _extent_refused(_sheet_name(data, members, part) or part, rows, cols)


def _extent_refused(sheet: str, rows: int, cols: int) -> Unreadable:
    # size_mb: what calamine would allocate (32 bytes a cell) before we saw a value.
    return _too_big("sheet_extent", rows * cols * 32, MAX_SHEET_CELLS * 32,
                    sheet=sheet, cell=cell_ref(rows - 1, cols - 1),
                    cells=rows * cols, limit=MAX_SHEET_CELLS)


def _extent_is_small(xml: bytes) -> bool:
    """True when every cell is provably within 9,999 rows x 26 columns.

    Holds when each cell tag is written the way Excel, WPS and the Python
    writers write it, `<c r="...`, so every cell has an explicit ref (then row
    tags do not matter: calamine takes the row from the ref), and no ref value
    anywhere in sheetData has two letters before a digit or five digits after a
    letter. About 80 us per 10 KB sheet: one regex search, translate and three rfinds.
    """
    start, end = xml.find(b"sheetData"), xml.rfind(b"sheetData")
    # rfind rather than find or `in`: CPython's reverse search tests a needle's first byte
    # first (':' is rare in sheet XML, where find tests the frequent 'c'); measured 30-55%
    # faster for these three needles.
    if _LOOSE_CELL.search(xml, start, end) or xml.rfind(b":c", start, end) >= 0:
        return False  # a cell without r, odd spacing, or a prefixed tag
    shapes = xml[start:end].translate(_REF_SHAPES)
    return shapes.rfind(b"AA0") < 0 and shapes.rfind(b"A00000") < 0


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """Rows and columns calamine will allocate, placing cells as calamine does:
    an explicit r wins, a cell without r follows the previous one, a row without
    r follows the previous row. Stops early once past the limit."""
    row, col, max_row, max_col = -1, -1, -1, -1
    for match in _TAG.finditer(xml):
        tag, attrs = match.groups()
        ref_row, ref_col = _largest_ref(attrs)
        if tag == b"row":
            row = ref_row if ref_row >= 0 else row + 1
            col = -1
            continue
        if ref_row >= 0:
            row = ref_row
        col = ref_col if ref_col >= 0 else col + 1
        max_row, max_col = max(max_row, row), max(max_col, col)
        if (max_row + 1) * (max_col + 1) > MAX_SHEET_CELLS:
            break
    return max_row + 1, max_col + 1


def _largest_ref(attrs: bytes) -> tuple[int, int]:
    """0-based (row, col) of a tag's r attribute, -1 where absent. Over every
    r-like attribute (duplicates, prefixed ones): calamine takes one of them,
    the largest is the safe bound."""
    row = col = -1
    for letters, digits in _R_VALUE.findall(attrs):
        if digits:
            row = max(row, int(digits[:8]) - 1)
        if letters:
            col = max(col, _column_index(letters))
    return row, col


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper()[:4]:  # more than XFD is refused anyway
        index = index * 26 + letter - 64
    return index - 1


def _sheet_name(data: bytes, members: list[_Member], part: str) -> str | None:
    """The tab name of a worksheet part, for the message (only on the refusal path)."""
    by_name = {member.name: member for member in members}
    try:
        workbook = _parse_xml(data, by_name["xl/workbook.xml"])
        rels = _parse_xml(data, by_name["xl/_rels/workbook.xml.rels"])
    except (KeyError, Unreadable):
        return None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
        targets[rel.get("Id")] = path
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet"):
            rel_id = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if targets.get(rel_id) == part:
                return sheet.get("name")
    return None


def _parse_xml(data: bytes, member: _Member):
    try:
        return SafeElementTree.fromstring(_member_bytes(data, member, member.size),
                                          forbid_dtd=True)
    except Unreadable:
        raise
    except Exception as exc:  # defusedxml and expat raise several unrelated types
        raise Unreadable("F-CORRUPT", {"reason": str(exc), "member": member.name}) from None


def _package_kind(data: bytes, members: list[_Member]) -> str:
    by_name = {member.name.lower(): member for member in members}
    content_types = by_name.get("[content_types].xml")
    if content_types is None:
        mimetype = by_name.get("mimetype")
        if mimetype and _member_bytes(data, mimetype, 100).startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"):
            raise Unreadable("F-CONVERT", {"ext": ".ods"})
        raise Unreadable("F-NOT-EXCEL", {"detected": "zip"})
    # Only the declared types matter, and the part has passed the DOCTYPE check:
    # a regex over it is enough (and 20 times cheaper than building a tree).
    raw = _member_bytes(data, content_types, content_types.size)
    types = {t.decode("ascii", "replace") for t in _CONTENT_TYPE.findall(raw)}
    if _XLSB_CONTENT_TYPE in types:
        raise Unreadable("F-CONVERT", {"ext": ".xlsb"})
    kinds = {_MAIN_CONTENT_TYPES[t] for t in types if t in _MAIN_CONTENT_TYPES}
    if kinds:
        return "xlsm" if "xlsm" in kinds else "xlsx"
    if "xl/workbook.xml" in by_name:  # a sloppy writer's content types; let calamine try
        return "xlsx"
    for part, detected in (("word/document.xml", "docx"), ("ppt/presentation.xml", "pptx")):
        if part in by_name:
            raise Unreadable("F-NOT-EXCEL", {"detected": detected})
    raise Unreadable("F-NOT-EXCEL", {"detected": "zip"})


# --- OLE2 compound files (xls, encrypted OOXML) ----------------------------------

_BIFF_BOF, _BIFF_FILEPASS, _BIFF_BOUNDSHEET, _BIFF_MULRK = 0x0809, 0x002F, 0x0085, 0x00BD
_BIFF_DIMENSIONS = 0x0200
# Records that put a value in a cell (blank-with-format records do not: calamine
# skips them, and formatted empty rows are common).
_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6, _BIFF_MULRK}
_BIFF_HEAD = struct.Struct("<4H").unpack_from  # type, size, then row, col of a cell


def _inspect_ole(data: bytes) -> str:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises many types on damaged files
        raise Unreadable("F-CORRUPT", {"reason": str(exc)}) from None
    with ole:
        # Excel saves a password-protected xlsx as an OLE2 file with these streams.
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise Unreadable("F-ENCRYPTED", {"container": "ooxml"})
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            raise Unreadable("F-NOT-EXCEL", {"detected": "ole"})  # .doc, .ppt, .msg
        try:
            stream = ole.openstream(name).read()
        except Exception as exc:
            raise Unreadable("F-CORRUPT", {"reason": str(exc)}) from None
    _check_biff(stream)
    return "xls"


def _check_biff(stream: bytes) -> None:
    """One pass over the BIFF records: FILEPASS in the globals means encrypted
    (calamine reads XOR-obfuscated files as if plain, giving garbage), each sheet's
    cell extent must fit MAX_SHEET_CELLS and all sheets together MAX_BOOK_CELLS
    (calamine reads every sheet of an .xls when it opens it). calamine finds sheets by
    their BOUNDSHEET offsets, not by walking: an offset the walk did not meet as a BOF
    (a substream hidden inside another record's body) is refused. Cell records are
    tested first in the chain below: they are nearly all the records."""
    pos, end, substream = 0, len(stream), -1
    names: dict[int, str] = {}  # BOF offset -> sheet name, from BOUNDSHEET
    bofs: set[int] = set()
    sheet, max_row, max_col, declared, book_cells = "", -1, -1, 0, 0
    unpack, head, cells = struct.unpack_from, _BIFF_HEAD, _BIFF_CELLS
    while pos + 8 <= end:
        rtype, size, row, col = head(stream, pos)
        if rtype in cells:
            if rtype == _BIFF_MULRK and 6 <= size and pos + 4 + size <= end:
                (col,) = unpack("<H", stream, pos + 2 + size)  # colLast ends the record
            if row > max_row or col > max_col:
                max_row, max_col = max(max_row, row), max(max_col, col)
                if (max_row + 1) * (max_col + 1) > MAX_SHEET_CELLS:
                    raise _extent_refused(sheet or f"#{substream}", max_row + 1, max_col + 1)
        elif rtype == _BIFF_BOF:
            book_cells = _add_sheet_cells(book_cells, max(declared, (max_row + 1) * (max_col + 1)))
            substream, sheet, max_row, max_col, declared = substream + 1, names.get(pos, ""), -1, -1, 0
            bofs.add(pos)
        elif rtype == _BIFF_DIMENSIONS:
            declared = max(declared, _check_dimensions(stream[pos + 4:pos + 4 + size], sheet or f"#{substream}"))
        elif substream == 0 and rtype == _BIFF_FILEPASS:
            raise Unreadable("F-ENCRYPTED", {"container": "xls"})
        elif substream == 0 and rtype == _BIFF_BOUNDSHEET and size >= 8:
            names[unpack("<I", stream, pos + 4)[0]] = _boundsheet_name(stream, pos + 4, size)
        pos += 4 + size
    _add_sheet_cells(book_cells, max(declared, (max_row + 1) * (max_col + 1)))
    hidden = [name for offset, name in names.items() if offset not in bofs]
    if hidden:
        raise Unreadable("F-CORRUPT", {"reason": "BOUNDSHEET offset is not a sheet's BOF record",
                                       "sheet": hidden[0]})


def _add_sheet_cells(total: int, cells: int) -> int:
    total += cells
    if total > MAX_BOOK_CELLS:
        raise _book_refused(total)
    return total


def _book_refused(cells: int) -> Unreadable:
    return _too_big("book_cells", cells * 32, MAX_BOOK_CELLS * 32, cells=cells, limit=MAX_BOOK_CELLS)


def _check_dimensions(body: bytes, sheet: str) -> int:
    """calamine reserves room for the whole DIMENSIONS rectangle before reading a
    cell, in u32 arithmetic: an inverted range wraps to ~4 billion rows. Returns the
    cells it reserves."""
    if len(body) == 14:
        first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first_row, end_row, first_col, end_col = struct.unpack_from("<4H", body)
    else:
        return 0  # calamine refuses the record itself
    if end_row < 1 or end_col < 1:
        return 0  # an empty sheet
    if first_row > end_row or first_col > end_col:
        raise Unreadable("F-CORRUPT", {"reason": "inverted DIMENSIONS record", "sheet": sheet})
    rows, cols = end_row - first_row, end_col - first_col
    if rows * cols > MAX_SHEET_CELLS:
        raise _extent_refused(sheet, end_row, end_col)
    return rows * cols


def _boundsheet_name(stream: bytes, body: int, size: int) -> str:
    # BOUNDSHEET: offset(4) state(1) type(1) then a short string: cch(1) flags(1).
    length, flags = stream[body + 6], stream[body + 7]
    raw = stream[body + 8: body + size]
    if flags & 0x1:
        return raw[: 2 * length].decode("utf-16-le", "replace")
    return raw[:length].decode("latin-1")


# --- parsing with calamine -------------------------------------------------------

def _parse(data: bytes, kind: str) -> list[Grid]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        with workbook:
            return _grids(workbook)
    except python_calamine.PasswordError:
        raise Unreadable("F-ENCRYPTED", {"container": kind}) from None
    except Unreadable:
        raise  # the workbook's cell budget
    except Exception as exc:
        raise Unreadable("F-CORRUPT", {"reason": str(exc)[:300]}) from None
    except BaseException as exc:
        # A Rust panic surfaces as pyo3's PanicException, a BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        raise Unreadable("F-CORRUPT", {"reason": str(exc)[:300]}) from None


def _grids(workbook) -> list[Grid]:
    """Every sheet, within MAX_BOOK_CELLS: an xlsx sheet is read when asked for, so the
    sheets read so far bound what is held (the byte checks bound each sheet)."""
    grids, cells = [], 0
    for index, meta in enumerate(workbook.sheets_metadata):
        grid = _grid(workbook, index, meta)
        cells = _add_sheet_cells(cells, grid.height * grid.width)
        grids.append(grid)
    return grids


def _grid(workbook, index: int, meta) -> Grid:
    sheet = workbook.get_sheet_by_index(index)
    # skip_empty_area=False keeps the leading empty rows and columns, so list
    # indexes are the sheet's own coordinates (the default drops them).
    rows = sheet.to_python(skip_empty_area=False)
    merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ()]
    merged.sort()
    hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
    return Grid(meta.name, rows, merged, hidden)
