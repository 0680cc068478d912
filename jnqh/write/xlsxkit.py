"""How wide Chinese text is in a spreadsheet, for every workbook jnqh writes.

Column widths are in units of one Latin digit; a CJK character takes two. The template,
the run's workbooks and the annotated copies all size columns and rows with these, so a
text that fits in one of them fits in the others.
"""

from __future__ import annotations

import math


def text_width(text: str) -> int:
    """Display width in column units (the widest line of a multi-line text).

    A CJK character is 3 bytes in UTF-8 and 2 units wide, ASCII 1 and 1: so (bytes + chars)
    / 2 is that count, computed in C (this runs for every cell of a 5,000-circle workbook)."""
    if "\n" in text:
        return max(text_width(line) for line in text.split("\n"))
    return (len(text.encode("utf-8")) + len(text)) // 2


def wrapped_lines(value: object, width: float, padding: float = 1.0) -> int:
    """Lines a wrapped text needs in a column `width` units wide (a little pessimistic)."""
    if type(value) is not str or not value:
        return 1
    room = max(width - padding, 1)
    if 2 * len(value) <= room and "\n" not in value:  # fits even if every character is wide
        return 1
    return sum(max(1, math.ceil(text_width(line) / room)) for line in value.split("\n"))
