"""Finding labels in a sheet, wherever a county put them.

A :class:`SheetIndex` folds every text cell of a grid once (spaces, line breaks, full- and
half-width brackets, quotes) so that each form reader can ask "where is this label?" and
"what is the value beside it?" without scanning the sheet again per field.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import compress
from typing import Callable, Sequence

from jnqh.model import Source
from jnqh.normalize import is_blank, label_key
from jnqh.read.workbook import Grid, cell_ref


# What the form readers look for among a sheet's texts (a circle-name label, a checklist of
# boxes, a 附件3 fact …), by name. Each reader registers its test once, at import; every
# distinct text of a sheet is then classed once, while the sheet is indexed, instead of each
# reader going over all the texts of every sheet for its own kind.
_TEXT_KINDS: dict[str, Callable[[str], bool]] = {}


def text_kind(name: str, test: Callable[[str], bool]) -> str:
    """Register a kind of text readers look for; returns `name` (for a module constant)."""
    if _TEXT_KINDS.get(name, test) is not test:
        raise ValueError(f"text kind {name!r} registered twice")
    _TEXT_KINDS[name] = test
    _kinds_of.cache_clear()  # indexes made before this class their texts again when asked
    _folded.cache_clear()  # it keeps each text's kinds with its key
    return name


@dataclass(frozen=True)
class Hit:
    row: int
    col: int
    key: str  # the folded text of the cell
    anchor: str  # the folded label that matched
    inline: str  # folded text after the label inside the same cell ('' when none)


class SheetIndex:
    """The folded text of every non-empty anchor cell of one grid.

    `keys` maps (row, col) to the folded text; `rows` holds the same cells row by row
    ((col, key) in column order), so that readers asking about one row need not scan
    the whole sheet; `where` maps each folded text to its cells, and `kinds` each registered
    kind of text (see `text_kind`) to the sheet's texts of that kind.
    """

    def __init__(self, grid: Grid):
        self.grid = grid
        self.keys: dict[tuple[int, int], str] = {}
        self.rows: dict[int, list[tuple[int, str]]] = {}
        # The same cells by their folded text (row by row): labels are looked up by text far
        # more often than by cell, and a sheet holds far fewer distinct texts than cells.
        self.where: dict[str, list[tuple[int, int]]] = {}
        # The distinct texts of each registered kind, in the order `where` has them.
        self.kinds: dict[str, list[str]] = {}
        covered = grid.covered_cells() if grid.merged else set()
        folded, keys, where, kinds = _folded, self.keys, self.where, self.kinds
        rows = self.rows
        for r, row in enumerate(grid.rows):
            cells = None
            # Most cells are empty: `compress` yields the columns of the non-empty ones at C
            # speed, so Python looks only at those (a loop over every cell cost most here).
            for c in compress(range(len(row)), row):
                text = row[c]
                if text.__class__ is not str:
                    continue  # numbers and dates are values, never labels
                entry = folded(text)
                cell = (r, c)  # one tuple for both maps: a sheet holds thousands
                if entry is None or cell in covered:
                    continue
                key = entry[0]
                keys[cell] = key
                if cells is None:
                    cells = rows[r] = [(c, key)]
                else:
                    cells.append((c, key))
                same_key = where.get(key)
                if same_key is None:
                    where[key] = [cell]
                    for kind in entry[1]:  # a text seen for the first time: class it
                        same_kind = kinds.get(kind)
                        if same_kind is None:
                            kinds[kind] = [key]
                        else:
                            same_kind.append(key)
                else:
                    same_key.append(cell)
        self._kind_count = len(_TEXT_KINDS)  # the kinds `kinds` was classed by
        self._merge_of = {(m[0], m[1]): m for m in grid.merged}
        # Every value read asks for its Source: bind the sheet name once so that the call
        # goes straight to the cache (`source` below documents it; this is the fast path).
        self.source = functools.partial(_source, grid.name)
        self._hits: dict[tuple, list[Hit]] = {}

    @property
    def name(self) -> str:
        return self.grid.name

    def texts_of_kind(self, kind: str) -> list[str]:
        """The sheet's distinct folded texts of a registered kind (see `text_kind`), in sheet order."""
        if kind not in _TEXT_KINDS:
            raise KeyError(f"unknown text kind {kind!r}")
        if self._kind_count != len(_TEXT_KINDS):  # indexed before a reader registered its kind:
            # class every text again, as __init__ does for each new text (inline there: hot)
            self.kinds = {}
            for key in self.where:
                for name in _kinds_of(key):
                    self.kinds.setdefault(name, []).append(key)
            self._kind_count = len(_TEXT_KINDS)
        return self.kinds.get(kind, [])

    def ref(self, r: int, c: int) -> str:
        return cell_ref(r, c)

    def source(self, r: int, c: int) -> Source:
        """Where (r, c) is, as records keep it (shadowed per instance by a partial, same result)."""
        return _source(self.grid.name, r, c)

    def find(self, anchors: tuple[str, ...], *, rows: range | None = None,
             prefix: bool = True, contains: bool = False) -> list[Hit]:
        """Cells whose folded text is, starts with (or contains) one of the anchors.

        Longer anchors are tried first, so '试点生活圈名称' wins over '生活圈名称'.
        """
        # Readers ask the same questions of each block of a sheet: answer once per sheet.
        question = (tuple(anchors), prefix, contains)
        hits = self._hits.get(question)
        if hits is None:
            hits = self._hits[question] = self._find_all(*question)
        if rows is None:
            return list(hits)
        return [hit for hit in hits if hit.row in rows]

    def _find_all(self, anchors: tuple[str, ...], prefix: bool, contains: bool) -> list[Hit]:
        folded = _folded_anchors(anchors)
        where = self.where
        if not prefix and not contains:  # exact: look the anchors up
            cells = [(cell, key) for key in folded for cell in where.get(key, ())]
            return [Hit(r, c, key, key, "") for (r, c), key in sorted(cells)]
        # Only a text that holds (or, without `contains`, starts with) an anchor can match:
        # find those at C speed, then pick each one's anchor, longest first.
        if contains:
            candidates = {key for anchor in folded for key in where if anchor in key}
        else:
            starts = tuple(folded)
            candidates = [key for key in where if key.startswith(starts)]
        hits = []
        for key in candidates:
            for anchor in folded:
                if key == anchor or (prefix and key.startswith(anchor)):
                    hits += [Hit(r, c, key, anchor, key[len(anchor):].lstrip(":：")) for r, c in where[key]]
                    break
                if contains and anchor in key:
                    hits += [Hit(r, c, key, anchor, "") for r, c in where[key]]
                    break
        return sorted(hits, key=lambda h: (h.row, h.col))

    def merge_span(self, r: int, c: int) -> tuple[int, int, int, int]:
        """The merged range anchored at (r, c), or the cell itself."""
        return self._merge_of.get((r, c), (r, c, r, c))

    def is_key(self, r: int, c: int, keys: frozenset[str]) -> bool:
        """Whether the text at (r, c) is, or starts with, one of `keys`."""
        key = self.keys.get((r, c))
        return key is not None and key.startswith(_as_prefixes(keys))

    def right_cells(self, r: int, c: int, stop: frozenset[str]) -> list[tuple[int, int]]:
        """Anchor cells right of (r, c) on row r, up to the next label in `stop`."""
        _, _, _, c_end = self.merge_span(r, c)
        cells = []
        width = len(self.grid.rows[r]) if r < len(self.grid.rows) else 0
        anchors, keys, merges, prefixes = self.grid.merge_anchors(), self.keys, self._merge_of, _as_prefixes(stop)
        col = c_end + 1
        while col < width:
            cell = (r, col)
            anchor = anchors.get(cell, cell) if anchors is not None else self.grid.merge_anchor(r, col)
            if anchor != cell:  # under a merge: its anchor was seen already
                col += 1
                continue
            key = keys.get(cell)
            if key is not None and key.startswith(prefixes):  # is_key, inline: asked per cell
                break
            cells.append(cell)
            merge = merges.get(cell)
            col = merge[3] + 1 if merge is not None else col + 1
        return cells

    def value_right(self, r: int, c: int, stop: frozenset[str]) -> tuple[object, tuple[int, int]]:
        """The first non-empty value right of a label, and its cell.

        When every cell is blank, the cell returned is the first one right of the label,
        which is where a missing value should be typed.
        """
        _, _, _, c_end = self.merge_span(r, c)
        return self.first_value(self.right_cells(r, c, stop), (r, c_end + 1))

    def first_value(self, cells: Sequence[tuple[int, int]], empty_at: tuple[int, int]) -> tuple[object, tuple[int, int]]:
        """The first non-empty value of `cells` and its cell; when all are blank, None and the
        first cell (or `empty_at` when there is none), where the missing value should be typed."""
        value_of = self.grid.value
        for cell in cells:
            value = value_of(*cell)
            if not is_blank(value):
                return value, cell
        return None, cells[0] if cells else empty_at


@functools.lru_cache(maxsize=65536)
def _source(sheet: str, r: int, c: int) -> Source:
    # Every value read is traced to its cell, and files of one template share sheet names
    # and cells: Source is immutable, so one object serves them all.
    return Source(sheet, cell_ref(r, c))


@functools.lru_cache(maxsize=256)
def _folded_anchors(anchors: tuple[str, ...]) -> list[str]:
    """The anchors folded as labels are, longest first (the readers' anchors are constants)."""
    return sorted({label_key(a) for a in anchors if a}, key=len, reverse=True)


@functools.lru_cache(maxsize=64)
def _as_prefixes(keys: frozenset[str]) -> tuple[str, ...]:
    # str.startswith takes a tuple; the stop sets are module constants, so this is made once.
    return tuple(keys)


@functools.lru_cache(maxsize=65536)
def _kinds_of(key: str) -> tuple[str, ...]:
    """The registered kinds a folded text is of (most texts are of none)."""
    return tuple(name for name, test in _TEXT_KINDS.items() if test(key))


@functools.lru_cache(maxsize=65536)
def _folded(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The folded key of a text cell and the kinds it is of; None when it is blank (labels
    recur in every file). One cached call per cell, as both are asked of every text."""
    if is_blank(text):
        return None
    key = label_key(text)
    return key, _kinds_of(key)
