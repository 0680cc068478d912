"""The loading layer: grids with absolute coordinates, and every way a file is refused.

Inputs are built at test time by tests/badfiles.py. Tests that could take the whole
process down if a guard regressed (calamine aborts on a huge allocation) run the load
in a child process and look at its exit status and peak memory.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
import random
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

import badfiles as bf
from jnqh.read.discover import classify, sha256_file
from jnqh.read.workbook import MAX_BOOK_CELLS, MAX_SHEET_CELLS, Book, Grid, Unreadable, cell_ref, cell_text, load_book

REPO = Path(__file__).resolve().parent.parent
BUILDERS = {
    "openpyxl": (bf.openpyxl_xlsx, "xlsx"),
    "xlsxwriter": (bf.xlsxwriter_xlsx, "xlsx"),
    "xlwt": (bf.xlwt_xls, "xls"),
}


@pytest.fixture
def xlsx(tmp_path) -> Path:
    return bf.xlsxwriter_xlsx(tmp_path / "source.xlsx")


def refused(path: Path) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        load_book(path)
    return caught.value


def load_in_child(path: Path) -> dict:
    """load_book in a fresh interpreter: its outcome and how much its peak RSS grew."""
    script = textwrap.dedent(f"""
        import json, resource, sys
        sys.path.insert(0, {str(REPO)!r})
        from jnqh.read.workbook import Unreadable, load_book
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            load_book({str(path)!r})
            outcome = {{"code": None, "detail": {{}}}}
        except Unreadable as exc:
            outcome = {{"code": exc.code, "detail": exc.detail}}
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcome["grew_mb"] = (after - before) / 1024
        print(json.dumps(outcome))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


# --- grids ---------------------------------------------------------------------------

@pytest.mark.parametrize("writer", BUILDERS)
def test_grid_uses_absolute_coordinates(tmp_path, writer):
    build, kind = BUILDERS[writer]
    book = load_book(build(tmp_path / f"form.{kind}"))
    assert book.kind == kind
    grid = book.sheets[0]
    assert grid.name == "表一"
    # Data starts at C3: the two leading empty rows and columns are kept.
    assert grid.rows[0] == [""] * grid.width and all(row[:2] == ["", ""] for row in grid.rows)
    assert grid.value(2, 2) == "标题"
    assert grid.value(3, 3) == 12 and grid.text(3, 3) == "12"
    assert grid.value(3, 4) == 12.5 and grid.text(3, 4) == "12.5"
    assert grid.value(4, 2) == dt.date(2024, 5, 1) and grid.text(4, 2) == "2024-05-01"
    assert grid.value(5, 2) is True
    assert len({len(row) for row in grid.rows}) == 1  # dense


@pytest.mark.parametrize("writer", BUILDERS)
def test_merged_ranges_are_sorted_and_resolve_to_their_anchor(tmp_path, writer):
    build, kind = BUILDERS[writer]
    grid = load_book(build(tmp_path / f"form.{kind}")).sheets[0]
    assert grid.merged == [(2, 2, 2, 4), (5, 5, 7, 6)]
    assert grid.value(2, 4) == ""  # covered cells read empty
    assert grid.merge_anchor(2, 4) == (2, 2) and grid.text(2, 4) == "标题"
    # G8 is below the last row that holds a value, still inside the merge.
    assert grid.height == 6
    assert grid.merge_anchor(7, 6) == (5, 5) and grid.text(7, 6) == "合并"
    assert grid.merge_anchor(3, 3) == (3, 3)


@pytest.mark.parametrize("writer", BUILDERS)
def test_hidden_and_empty_sheets_are_kept_in_order(tmp_path, writer):
    build, kind = BUILDERS[writer]
    sheets = load_book(build(tmp_path / f"form.{kind}")).sheets
    assert [(g.name, g.hidden) for g in sheets] == [("表一", False), ("隐藏", True), ("空表", False)]
    assert sheets[2].rows == [] and sheets[2].value(0, 0) == "" and sheets[2].text(5, 5) == ""


def test_datetimes_and_cached_formula_results(tmp_path):
    grid = load_book(bf.xlsxwriter_xlsx(tmp_path / "f.xlsx")).sheets[0]
    assert grid.value(4, 3) == dt.datetime(2024, 5, 1, 13, 30)
    assert grid.text(4, 3) == "2024-05-01 13:30:00"
    assert grid.value(1, 7) == 24  # xlsxwriter stored the result we gave it


def test_values_outside_the_grid_are_empty(tmp_path):
    grid = load_book(bf.openpyxl_xlsx(tmp_path / "f.xlsx")).sheets[0]
    for r, c in [(-1, 0), (0, -1), (100, 0), (0, 100), (10**6, 10**4)]:
        assert grid.value(r, c) == "" and grid.text(r, c) == ""


def test_book_records_path_kind_and_the_hash_of_the_bytes_read(tmp_path):
    path = bf.xlsxwriter_xlsx(tmp_path / "f.xlsx")
    book = load_book(str(path))
    assert isinstance(book, Book) and book.path == path
    assert book.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == sha256_file(path)
    assert book.sheet("隐藏") is book.sheets[1] and book.sheet("无此表") is None


def test_xlsm_is_recognised_from_its_content_types(tmp_path, xlsx):
    assert load_book(bf.xlsm_from(tmp_path / "m.xlsm", xlsx)).kind == "xlsm"
    # Content decides, not the name.
    assert load_book(bf.xlsm_from(tmp_path / "m.xlsx", xlsx)).kind == "xlsm"


def test_ten_circle_workbook(tmp_path):
    book = load_book(bf.ten_circle_xlsx(tmp_path / "county.xlsx"))
    assert len(book.sheets) == 11
    circle = book.sheets[0]
    assert (circle.height, circle.width, len(circle.merged)) == (45, 8, 30)
    assert circle.text(0, 5) == "附件5 生活圈1"
    assert circle.text(1, 1) == "项目1" and circle.value(44, 7) == 1.0
    assert (book.sheets[-1].height, book.sheets[-1].width) == (30, 16)


# --- helpers -------------------------------------------------------------------------

@pytest.mark.parametrize("r, c, ref", [
    (0, 0, "A1"), (11, 2, "C12"), (0, 25, "Z1"), (0, 26, "AA1"), (0, 51, "AZ1"),
    (0, 52, "BA1"), (0, 701, "ZZ1"), (0, 702, "AAA1"), (1048575, 16383, "XFD1048576"),
])
def test_cell_ref(r, c, ref):
    assert cell_ref(r, c) == ref


def test_cell_ref_rejects_negative_coordinates():
    with pytest.raises(ValueError):
        cell_ref(-1, 0)


@pytest.mark.parametrize("value, text", [
    (None, ""), ("", ""), ("  含空格 ", "  含空格 "), (12.0, "12"), (-3.0, "-3"), (0.0, "0"),
    (12.5, "12.5"), (0.1 + 0.2, "0.3"), (1e20, "1e+20"), (7, "7"), (True, "TRUE"),
    (False, "FALSE"), (dt.date(2024, 5, 1), "2024-05-01"),
    (dt.datetime(2024, 5, 1), "2024-05-01"), (dt.datetime(2024, 5, 1, 8, 5, 9), "2024-05-01 08:05:09"),
    (dt.time(8, 30), "08:30:00"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("name, kind", [
    ("报表.xlsx", "spreadsheet"), ("报表.XLSM", "spreadsheet"), ("old.xls", "spreadsheet"),
    ("~$报表.xlsx", "lockfile"), ("~$old.xls", "lockfile"), (".~lock.报表.xlsx#", "lockfile"),
    ("a.csv", "convert"), ("A.CSV", "convert"), ("wps.et", "spreadsheet"), ("wps.ett", "spreadsheet"),
    ("lo.ods", "convert"), ("mac.numbers", "convert"), ("b.xlsb", "convert"),
    ("说明.pdf", "ignored"), ("说明.docx", "spreadsheet"), ("readme.txt", "ignored"),
    ("noext", "ignored"), ("._报表.xlsx", "ignored"),
])
def test_classify(name, kind):
    assert classify(Path("inbox/任城区") / name) == kind


def test_a_huge_merge_does_not_blow_up_the_anchor_index():
    grid = Grid("s", [["标题", ""]], [(0, 0, 1048575, 0), (0, 1, 0, 1)])
    assert grid.merge_anchor(900_000, 0) == (0, 0) and grid.text(900_000, 0) == "标题"
    assert grid.merge_anchor(0, 1) == (0, 1) and grid.merge_anchor(5, 1) == (5, 1)


def test_sheets_of_one_layout_share_one_merge_index_and_agree_with_the_ranges():
    layout = [(0, 0, 0, 2), (1, 0, 3, 0), (2, 1, 2, 2)]
    first = Grid("附件5-1", [["标题", "", ""], ["组", "a", "b"], ["", "合并", ""], ["", "", ""]], list(layout))
    second = Grid("附件5-2", [["标题", "", ""]] * 4, list(layout))
    assert first.merge_anchors() is second.merge_anchors()  # made once, shared
    cells = [(r, c) for r in range(4) for c in range(3)]
    expected = {(r, c): next(((r1, c1) for r1, c1, r2, c2 in layout if r1 <= r <= r2 and c1 <= c <= c2), (r, c))
                for r, c in cells}
    assert {cell: first.merge_anchor(*cell) for cell in cells} == expected
    assert set(first.covered_cells()) == {cell for cell, anchor in expected.items() if anchor != cell}
    assert first.shown(3, 0) == "组" and first.shown(2, 2) == "合并"


def test_only_small_merge_indexes_are_kept_for_other_sheets():
    # A layout's index is kept for the sheets after it only while it is small: a file of
    # large merges must not make the cache hold millions of cells.
    from jnqh.read.workbook import SHARED_MERGE_CELLS
    big = [(0, 0, SHARED_MERGE_CELLS // 10, 10)]
    first, second = Grid("a", [["x"]], list(big)), Grid("b", [["x"]], list(big))
    assert first.merge_anchors() is not second.merge_anchors()
    assert first.merge_anchors() == second.merge_anchors() and first.merge_anchor(5, 5) == (0, 0)


def test_overlapping_merges_are_not_listed_cell_by_cell():
    # Overlapping ranges (a damaged file) and ranges too large to list fall back to the ranges.
    grid = Grid("s", [["a", "b", ""], ["", "", ""]], [(0, 0, 1, 1), (0, 1, 1, 2)])
    assert grid.covered_cells() == {(0, 1), (0, 2), (1, 0), (1, 1), (1, 2)}
    huge = Grid("s", [["标题"]], [(0, 0, 1048575, 0)])
    assert huge.merge_anchors() is None and huge.covered_cells() == set()


def test_unreadable_survives_pickling():
    error = pickle.loads(pickle.dumps(Unreadable("F-BOMB", {"size_mb": 512})))
    assert (error.code, error.detail) == ("F-BOMB", {"size_mb": 512})


# --- refusals: the path ----------------------------------------------------------------

def test_missing_path_and_directory(tmp_path):
    assert refused(tmp_path / "nope.xlsx").code == "F-MISSING"
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    error = refused(folder)
    assert (error.code, error.detail["reason"]) == ("F-MISSING", "directory")


def test_zero_byte_file(tmp_path):
    assert refused(bf.zero_byte(tmp_path / "empty.xlsx")).code == "F-EMPTY"


@pytest.mark.parametrize("name", ["data.csv", "sheet.ods"])
def test_formats_to_convert(tmp_path, name):
    path = tmp_path / name
    path.write_text("县市区,生活圈\n", encoding="utf-8")
    error = refused(path)
    assert (error.code, error.detail) == ("F-CONVERT", {"ext": Path(name).suffix})


# --- refusals: not a spreadsheet, damaged --------------------------------------------

def test_text_named_xlsx(tmp_path):
    error = refused(bf.text_named_xlsx(tmp_path / "fake.xlsx"))
    assert (error.code, error.detail) == ("F-NOT-EXCEL", {"ext": ".xlsx", "detected": "text"})


def test_html_named_xls(tmp_path):
    error = refused(bf.html_named_xls(tmp_path / "export.xls"))
    assert (error.code, error.detail["detected"]) == ("F-NOT-EXCEL", "html")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.xlsx"
    path.write_bytes(b"\x01" + random.Random(7).randbytes(4095))
    assert refused(path).code == "F-NOT-EXCEL"


def test_lock_file_is_not_a_workbook(tmp_path):
    lock = bf.lock_file(tmp_path)
    assert classify(lock) == "lockfile"
    assert refused(lock).code == "F-NOT-EXCEL"


@pytest.mark.parametrize("build, detected", [
    (bf.docx_named_xlsx, "docx"), (bf.ole_not_excel, "ole"),
])
def test_other_office_files(tmp_path, build, detected):
    error = refused(build(tmp_path / "other.xlsx"))
    assert (error.code, error.detail["detected"]) == ("F-NOT-EXCEL", detected)


def test_ods_content_named_xlsx_asks_for_conversion(tmp_path):
    error = refused(bf.ods_named_xlsx(tmp_path / "lo.xlsx"))
    assert (error.code, error.detail) == ("F-CONVERT", {"ext": ".ods"})


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.95])
def test_truncated_xlsx(tmp_path, xlsx, keep):
    assert refused(bf.truncated(tmp_path / "cut.xlsx", xlsx, keep)).code == "F-CORRUPT"


def test_truncated_xls(tmp_path):
    source = bf.xlwt_xls(tmp_path / "source.xls")
    assert refused(bf.truncated(tmp_path / "cut.xls", source, 0.6)).code == "F-CORRUPT"


# --- refusals: passwords -------------------------------------------------------------

def test_encrypted_xlsx(tmp_path, xlsx):
    error = refused(bf.encrypted_xlsx(tmp_path / "locked.xlsx", xlsx))
    assert (error.code, error.detail) == ("F-ENCRYPTED", {"container": "ooxml"})


@pytest.mark.parametrize("encryption_type", [0, 1], ids=["xor", "rc4"])
def test_encrypted_xls(tmp_path, encryption_type):
    # XOR obfuscation matters most: calamine itself would read it as plain data.
    error = refused(bf.encrypted_xls(tmp_path / "locked.xls", encryption_type))
    assert (error.code, error.detail) == ("F-ENCRYPTED", {"container": "xls"})


# --- refusals: bombs -----------------------------------------------------------------

def test_zip_bomb_is_refused_from_the_directory_with_little_memory(tmp_path, xlsx):
    bomb = bf.zip_bomb_xlsx(tmp_path / "bomb.xlsx", xlsx, inflated_mb=1024)
    assert bomb.stat().st_size < 2 * bf.MB
    tracemalloc.start()
    try:
        error = refused(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.code, error.detail["cause"], error.detail["size_mb"]) == ("F-BOMB", "total_size", 1024)
    assert peak < 50 * bf.MB


def test_zip_bomb_peak_rss_in_a_child_process(tmp_path, xlsx):
    # tracemalloc does not see calamine's Rust allocations; the process RSS does.
    outcome = load_in_child(bf.zip_bomb_xlsx(tmp_path / "bomb.xlsx", xlsx, inflated_mb=1024))
    assert outcome["code"] == "F-BOMB" and outcome["grew_mb"] < 50


def test_one_member_with_a_bomb_ratio(tmp_path, xlsx):
    error = refused(bf.zip_bomb_xlsx(tmp_path / "ratio.xlsx", xlsx, inflated_mb=64))
    assert (error.code, error.detail["cause"]) == ("F-BOMB", "ratio")
    assert error.detail["member"] == bf.SHEET1 and error.detail["ratio"] > 200


def test_a_directory_that_lies_about_sizes(tmp_path, xlsx):
    liar = bf.zip_bomb_xlsx(tmp_path / "liar.xlsx", xlsx, inflated_mb=1024, declared_size=5000)
    tracemalloc.start()
    try:
        error = refused(liar)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.code, error.detail["member"]) == ("F-CORRUPT", bf.SHEET1)
    assert peak < 50 * bf.MB


def test_too_many_members(tmp_path, xlsx):
    error = refused(bf.many_members_zip(tmp_path / "many.xlsx", xlsx))
    assert (error.code, error.detail["cause"]) == ("F-BOMB", "members")


def test_one_far_cell_is_refused_before_calamine_allocates(tmp_path):
    # Unguarded, calamine asks for 512 GB here and aborts the interpreter.
    outcome = load_in_child(bf.far_cell_xlsx(tmp_path / "far.xlsx"))
    assert outcome["code"] == "F-CELLS" and outcome["grew_mb"] < 50
    assert {k: outcome["detail"][k] for k in ("cause", "sheet", "cell")} == {
        "cause": "sheet_extent", "sheet": "表一", "cell": "XFD1048576"}


def test_one_far_cell_in_an_xls(tmp_path):
    error = refused(bf.far_cell_xls(tmp_path / "far.xls"))
    assert (error.code, error.detail["sheet"], error.detail["cell"]) == ("F-CELLS", "表一", "IV65536")


@pytest.mark.parametrize("sheet_data", [
    # Cells without r follow each other: 40 columns on a row numbered 30,000.
    '<row r="30000">' + "<c><v>1</v></c>" * 40 + "</row>",
    # Odd but valid attribute syntax calamine accepts.
    "<row r='2'><c r='ZZ9000'><v>1</v></c></row>",
    '<row r="2"><c r = "ZZ9000"><v>1</v></c></row>',
    '<row r="2"><x:c r="ZZ9000"><x:v>1</x:v></x:c></row>',
    # A second r: calamine keeps the last one.
    '<row r="2"><c r="A2" r="ZZ9000"><v>1</v></c></row>',
], ids=["bare-cells", "single-quotes", "spaces", "prefixed", "second-r"])
def test_far_extents_are_found_whatever_the_xml_syntax(tmp_path, xlsx, sheet_data):
    error = refused(bf.custom_sheet_xlsx(tmp_path / "odd.xlsx", xlsx, sheet_data))
    assert (error.code, error.detail["cause"]) == ("F-CELLS", "sheet_extent")
    assert error.detail["cells"] > MAX_SHEET_CELLS


@pytest.mark.parametrize("sheet_data, shape", [
    ("".join(f'<row r="{r}"><c r="AN{r}"><v>{r}</v></c></row>' for r in range(1, 101)), (100, 40)),
    ("".join(f'<row r="{r}"><c r="C{r}"><v>{r}</v></c></row>' for r in range(1, 12_001)), (12_000, 3)),
    ('<row r="3">' + "<c><v>1</v></c>" * 5 + "</row>", (3, 5)),
], ids=["wide", "tall", "cells-without-r"])
def test_large_but_reasonable_sheets_load(tmp_path, xlsx, sheet_data, shape):
    grid = load_book(bf.custom_sheet_xlsx(tmp_path / "ok.xlsx", xlsx, sheet_data)).sheets[0]
    assert (grid.height, grid.width) == shape


def test_a_huge_shared_string_count_is_refused_before_calamine_reserves_it(tmp_path, xlsx):
    # Unguarded, calamine reserves 4294967295 strings up front and aborts.
    outcome = load_in_child(bf.shared_string_count_xlsx(tmp_path / "sst.xlsx", xlsx, "4294967295"))
    assert (outcome["code"], outcome["detail"]["cause"]) == ("F-BOMB", "shared_strings")
    assert outcome["detail"]["part"] == "xl/sharedStrings.xml"


def test_an_ordinary_shared_string_count_loads(tmp_path, xlsx):
    book = load_book(bf.shared_string_count_xlsx(tmp_path / "sst.xlsx", xlsx, "3"))
    assert book.sheets[0].text(2, 2) == "标题"


def test_xls_dimensions_calamine_would_reserve(tmp_path):
    # calamine reserves the DIMENSIONS rectangle; inverted, it wraps to 4 billion rows.
    inverted = load_in_child(bf.xls_dimensions(tmp_path / "inv.xls", 10_000_000, 1, 0, 1))
    assert (inverted["code"], inverted["detail"]["sheet"]) == ("F-CORRUPT", "表一")
    huge = refused(bf.xls_dimensions(tmp_path / "huge.xls", 0, 65536, 0, 256))
    assert (huge.code, huge.detail["cause"], huge.detail["cell"]) == ("F-CELLS", "sheet_extent", "IV65536")
    assert load_book(bf.xls_dimensions(tmp_path / "ok.xls", 0, 1, 0, 1)).sheets[0].value(0, 0) == "x"


def test_an_xls_sheet_hidden_inside_another_record_is_refused(tmp_path):
    # Unguarded, calamine reads the hidden sheet's DIMENSIONS (4 billion rows) and aborts.
    for end_row, first_row in ((0xFFFFFFFF, 0), (1, 10_000_000), (5, 0)):
        outcome = load_in_child(bf.xls_hidden_substream(tmp_path / "hidden.xls", end_row, first_row))
        assert outcome["code"] == "F-CORRUPT" and outcome["grew_mb"] < 50, outcome
        assert outcome["detail"]["sheet"] == "A"


def test_the_cells_of_all_xls_sheets_share_one_budget(tmp_path):
    # Twenty sheets of 1M declared cells each: every one within the sheet limit.
    outcome = load_in_child(bf.xls_many_sheets(tmp_path / "many.xls", sheets=20))
    assert (outcome["code"], outcome["detail"]["cause"]) == ("F-CELLS", "book_cells"), outcome
    assert outcome["detail"]["cells"] > MAX_BOOK_CELLS and outcome["grew_mb"] < 50
    assert len(load_book(bf.xls_many_sheets(tmp_path / "few.xls", sheets=3, rows=100, cols=20)).sheets) == 4


def test_the_cells_of_all_xlsx_sheets_share_one_budget(tmp_path):
    outcome = load_in_child(bf.sparse_sheets_xlsx(tmp_path / "sparse.xlsx", sheets=12))
    assert (outcome["code"], outcome["detail"]["cause"]) == ("F-CELLS", "book_cells"), outcome
    assert outcome["grew_mb"] < 400  # a sheet of 1M cells at a time, not twelve
    book = load_book(bf.sparse_sheets_xlsx(tmp_path / "three.xlsx", sheets=3))
    assert [g.height * g.width for g in book.sheets] == [1_000_000] * 3


def test_damaged_files_raise_only_unreadable_and_never_crash(tmp_path):
    """Seeded mutants of each kind of input, loaded in a child process: every one
    either loads or raises Unreadable; a leak or an abort fails the test."""
    sources = [bf.xlsxwriter_xlsx(tmp_path / "a.xlsx"), bf.openpyxl_xlsx(tmp_path / "b.xlsx"),
               bf.xlwt_xls(tmp_path / "c.xls")]
    script = textwrap.dedent(f"""
        import json, sys, traceback
        from pathlib import Path
        sys.path[:0] = [{str(REPO)!r}, {str(REPO / "tests")!r}]
        import badfiles
        from jnqh.read.workbook import Unreadable, load_book
        counts, leaks = {{"ok": 0, "refused": 0}}, []
        plans = [(Path(p), xml) for p in {[str(p) for p in sources]!r} for xml in (False, True)
                 if not (xml and p.endswith(".xls"))]
        for number, (source, xml) in enumerate(plans):
            for data in badfiles.mutants(source, 120, seed=number, xml_level=xml):
                target = Path({str(tmp_path)!r}) / ("mutant" + source.suffix)
                target.write_bytes(data)
                try:
                    load_book(target)
                    counts["ok"] += 1
                except Unreadable:
                    counts["refused"] += 1
                except BaseException:
                    leaks.append(traceback.format_exc(limit=2))
        print(json.dumps({{"counts": counts, "leaks": leaks}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome["leaks"] == []
    assert outcome["counts"]["ok"] > 0 and outcome["counts"]["refused"] > 0


# --- refusals: XML attacks -----------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda path, source: bf.billion_laughs_xlsx(path, source),
    lambda path, source: bf.billion_laughs_xlsx(path, source, encoding="utf-16"),
    lambda path, source: bf.external_entity_xlsx(path, source),
], ids=["billion-laughs", "utf-16", "external-entity"])
def test_doctype_in_a_part(tmp_path, xlsx, build):
    error = refused(build(tmp_path / "attack.xlsx", xlsx))
    assert (error.code, error.detail) == (
        "F-XML-ATTACK", {"part": "xl/sharedStrings.xml", "cause": "doctype"})


@pytest.mark.parametrize("padding", [" " * 5000, "<!--" + "x" * 5000 + "-->\n"],
                         ids=["whitespace", "comment"])
def test_doctype_pushed_past_the_scanned_head(tmp_path, xlsx, padding):
    error = refused(bf.billion_laughs_xlsx(tmp_path / "padded.xlsx", xlsx, padding=padding))
    assert (error.code, error.detail["cause"]) == ("F-XML-ATTACK", "prolog")


# --- the input is never touched ------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda folder: bf.xlsxwriter_xlsx(folder / "good.xlsx"),
    lambda folder: bf.xlwt_xls(folder / "good.xls"),
    lambda folder: bf.truncated(folder / "cut.xlsx", bf.openpyxl_xlsx(folder / "src.xlsx")),
    lambda folder: bf.far_cell_xlsx(folder / "far.xlsx", "AA20000"),
], ids=["xlsx", "xls", "corrupt", "refused"])
def test_input_bytes_mtime_and_folder_unchanged(tmp_path, build):
    path = build(tmp_path)
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(tmp_path.iterdir()))
    try:
        load_book(path)
    except Unreadable:
        pass
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(tmp_path.iterdir())) == before


def test_too_many_cells_has_its_own_words_not_the_bomb_s(tmp_path):
    from jnqh.check.files import check_paths

    result = check_paths([bf.sparse_sheets_xlsx(tmp_path / "稀疏.xlsx", sheets=6)], registry=None,
                         today=dt.date(2024, 5, 6))
    (issue,) = result.files[0].issues
    assert issue.code == "F-CELLS" and "单元格太多" in issue.message and "5000000" in issue.message
    assert "解压" not in issue.message and "异常巨大" not in issue.message


def test_a_survey_export_with_too_many_cells_is_a_finding_not_a_crash(tmp_path):
    from jnqh.score.satisfaction import survey_paths

    result = survey_paths([bf.far_cell_xlsx(tmp_path / "问卷.xlsx")], registry=None)
    (issue,) = result.found
    assert (issue.code, issue.sheet, issue.file) == ("F-CELLS", "表一", str(tmp_path / "问卷.xlsx"))
