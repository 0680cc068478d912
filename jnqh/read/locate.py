"""Finding labels in a sheet, wherever a county put them.

A :class:`SheetIndex` folds every text cell of a grid once (spaces, line breaks, full- and
half-width brackets, quotes) so that each form reader can ask "where is this label?" and
"what is the value beside it?" without scanning the sheet again per field.
"""

from __future__ import annotations

from dataclasses import dataclass

from jnqh.normalize import is_blank, label_key
from jnqh.workbook import Grid, cell_ref


@dataclass(frozen=True)
class Hit:
    row: int
    col: int
    key: str  # the folded text of the cell
    anchor: str  # the folded label that matched
    inline: str  # folded text after the label inside the same cell ('' when none)


class SheetIndex:
    """The folded text of every non-empty anchor cell of one grid."""

    def __init__(self, grid: Grid):
        self.grid = grid
        self.keys: dict[tuple[int, int], str] = {}
        covered = _covered_cells(grid)
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                if (r, c) in covered or is_blank(value) or not isinstance(value, str):
                    continue
                self.keys[(r, c)] = label_key(value)
        self._merge_of = {(m[0], m[1]): m for m in grid.merged}

    @property
    def name(self) -> str:
        return self.grid.name

    def ref(self, r: int, c: int) -> str:
        return cell_ref(r, c)

    def find(self, anchors: tuple[str, ...], *, rows: range | None = None,
             prefix: bool = True, contains: bool = False) -> list[Hit]:
        """Cells whose folded text is, starts with (or contains) one of the anchors.

        Longer anchors are tried first, so '试点生活圈名称' wins over '生活圈名称'.
        """
        folded = sorted({label_key(a) for a in anchors if a}, key=len, reverse=True)
        hits = []
        for (r, c), key in self.keys.items():
            if rows is not None and r not in rows:
                continue
            for anchor in folded:
                if key == anchor or (prefix and key.startswith(anchor)):
                    hits.append(Hit(r, c, key, anchor, key[len(anchor):].lstrip(":：")))
                    break
                if contains and anchor in key:
                    hits.append(Hit(r, c, key, anchor, ""))
                    break
        return sorted(hits, key=lambda h: (h.row, h.col))

    def merge_span(self, r: int, c: int) -> tuple[int, int, int, int]:
        """The merged range anchored at (r, c), or the cell itself."""
        return self._merge_of.get((r, c), (r, c, r, c))

    def is_key(self, r: int, c: int, keys: frozenset[str]) -> bool:
        key = self.keys.get((r, c))
        return key is not None and any(key == k or key.startswith(k) for k in keys)

    def right_cells(self, r: int, c: int, stop: frozenset[str]) -> list[tuple[int, int]]:
        """Anchor cells right of (r, c) on row r, up to the next label in `stop`."""
        _, _, _, c_end = self.merge_span(r, c)
        cells = []
        width = len(self.grid.rows[r]) if r < len(self.grid.rows) else 0
        col = c_end + 1
        while col < width:
            anchor = self.grid.merge_anchor(r, col)
            if anchor != (r, col):
                col += 1
                continue
            if self.is_key(r, col, stop):
                break
            cells.append((r, col))
            _, _, _, span_end = self.merge_span(r, col)
            col = span_end + 1
        return cells

    def value_right(self, r: int, c: int, stop: frozenset[str]) -> tuple[object, tuple[int, int]]:
        """The first non-empty value right of a label, and its cell.

        When every cell is blank, the cell returned is the first one right of the label,
        which is where a missing value should be typed.
        """
        cells = self.right_cells(r, c, stop)
        for cell in cells:
            value = self.grid.value(*cell)
            if not is_blank(value):
                return value, cell
        _, _, _, c_end = self.merge_span(r, c)
        return None, cells[0] if cells else (r, c_end + 1)


def _covered_cells(grid: Grid) -> set[tuple[int, int]]:
    """Cells hidden under a merge (they read as '' and are never anchors)."""
    covered = set()
    last_row = len(grid.rows) - 1
    last_col = max((len(row) for row in grid.rows), default=0) - 1
    for r1, c1, r2, c2 in grid.merged:
        # Clip: a merge over whole rows or columns must not cost a million cells.
        for r in range(r1, min(r2, last_row) + 1):
            for c in range(c1, min(c2, last_col) + 1):
                if (r, c) != (r1, c1):
                    covered.add((r, c))
    return covered
