"""What every sample writer shares: a target that is a path or a binary file, fixed metadata.

Writers build the workbook in memory and then hand the bytes to the target, so a path is
written atomically and a file object (tests) gets the whole workbook at once.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import BinaryIO, Callable, Union

import xlsxwriter

from jnqh.atomic import write_bytes

Target = Union[Path, str, BinaryIO]

# Fixed document properties: the same data gives the same workbook content.
PROPERTIES = {
    "title": "济宁市城市一刻钟便民生活圈（示例数据）",
    "author": "jnqh",
    "company": "济宁市商务局",
    "comments": "由 jnqh 生成的示例数据，不是真实填报",
    "created": dt.datetime(2024, 1, 1),
}
OPTIONS = {
    # Text such as "=HYPERLINK(...)" or "http://" must stay text, as a county typed it.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "in_memory": True,
}


def deliver(target: Target, data: bytes) -> None:
    if isinstance(target, (str, Path)):
        write_bytes(Path(target), data)
    else:
        target.write(data)


def write_xlsx(target: Target, build: Callable[[xlsxwriter.Workbook], None]) -> None:
    """Run `build` on a fresh xlsxwriter workbook and deliver the result to `target`."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, OPTIONS)
    workbook.set_properties(PROPERTIES)
    build(workbook)
    workbook.close()
    deliver(target, buffer.getvalue())
