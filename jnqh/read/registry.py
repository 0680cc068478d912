"""The city's list of circles and county contacts (the registry workbook the office edits).

Read with the same label-tolerant machinery as the forms: the sheets 生活圈名册 and 联系人
are found by name (or by their header labels), the columns by their labels.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jnqh import forms
from jnqh.issues import Issue, make
from jnqh.names import file_name_problem
from jnqh.normalize import circle_key, clean_text, drop_controls, label_key, normalise_county, parse_tick
from jnqh.read.locate import SheetIndex
from jnqh.read.workbook import Unreadable, cell_ref, load_book

DEFAULT_REGISTRY = "生活圈名册.xlsx"  # shipped in jnqh/data/


@dataclass(frozen=True)
class RegisteredCircle:
    county: str
    name: str
    main_city: bool
    street: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Contact:
    county: str
    person: str | None
    email: str | None
    phone: str | None


@dataclass
class Registry:
    circles: list[RegisteredCircle] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    source: str = ""
    problems: list[Issue] = field(default_factory=list)  # cells the office should mend

    def __post_init__(self) -> None:
        self._by_key = {circle_key(c.name): c for c in self.circles}
        self._keys_of: dict[str, list[str]] = {}
        for key, circle in self._by_key.items():
            self._keys_of.setdefault(circle.county, []).append(key)
        extra = [c.county for c in self.circles if c.county not in forms.COUNTIES]
        # Asked for every file read and every circle checked: computed once.
        self._counties = tuple(forms.COUNTIES) + tuple(dict.fromkeys(extra))

    @property
    def counties(self) -> tuple[str, ...]:
        """The city's county-level units, then any other the registry names."""
        return self._counties

    def match(self, name: str | None) -> RegisteredCircle | None:
        """The registered circle a submitted name means, tolerating spaces and suffixes."""
        if not name:
            return None
        return self._by_key.get(circle_key(name))

    def nearest(self, name: str | None, county: str | None) -> str | None:
        """The registered name closest to `name` among `county`'s own circles: a hint goes
        into that county's feedback, which must never show another county's circles."""
        if not name or not county:
            return None
        keys = self._keys_of.get(county, [])
        close = difflib.get_close_matches(circle_key(name), keys, n=1, cutoff=0.5)
        return self._by_key[close[0]].name if close else None

    def circles_of(self, county: str) -> list[RegisteredCircle]:
        return [c for c in self.circles if c.county == county]

    def contacts_of(self, county: str) -> list[Contact]:
        return [c for c in self.contacts if c.county == county]

    def is_main_city(self, county: str) -> bool:
        listed = [c.main_city for c in self.circles_of(county)]
        return any(listed) if listed else county in forms.MAIN_CITY_COUNTIES


def shipped_registry_path() -> Path:
    return Path(str(resources.files("jnqh") / "data" / DEFAULT_REGISTRY))


def load_registry(path: Path | str | None = None) -> Registry:
    """Read a registry workbook; with no path, the one shipped with jnqh."""
    path = Path(path) if path else shipped_registry_path()
    book = load_book(path)
    circles, contacts, problems = [], [], []
    for grid in book.sheets:
        index = SheetIndex(grid)
        rows = _table(index, forms.REGISTRY_CIRCLE_COLUMNS, required=("county", "name"))
        if rows and "main_city" in rows[0] or (rows and grid.name == forms.REGISTRY_CIRCLES_SHEET):
            circles += [_circle(row) for row in rows if row.get("name")]
            problems += _text_problems(index, forms.REGISTRY_CIRCLE_COLUMNS, ("county", "name"), path.name)
            continue
        rows = _table(index, forms.REGISTRY_CONTACT_COLUMNS, required=("county", "email"))
        contacts += [_contact(row) for row in rows if row.get("county")]
        problems += _text_problems(index, forms.REGISTRY_CONTACT_COLUMNS, ("county", "email"), path.name)
    if not circles:  # no sheet is a circle table: every circle would read as unknown
        raise Unreadable("R-REGISTRY-TABLE", {"sheets": "、".join(g.name for g in book.sheets)})
    return Registry([c for c in circles if c], contacts, source=str(path), problems=problems)


def _header(index: SheetIndex, columns: tuple[forms.Column, ...],
            required: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """The first row that carries the required column labels, and the column of each label."""
    by_row: dict[int, dict[str, int]] = {}
    for (r, c), key in index.keys.items():
        by_row.setdefault(r, {})[key] = c
    for r in sorted(by_row):
        found = {}
        for column in columns:
            for spelling in (column.label, *column.variants):
                if label_key(spelling) in by_row[r]:
                    found[column.id] = by_row[r][label_key(spelling)]
                    break
        if all(k in found for k in required):
            return r, found
    return None


def _table(index: SheetIndex, columns: tuple[forms.Column, ...], required: tuple[str, ...]) -> list[dict]:
    """Rows under the first row that carries the required column labels."""
    header = _header(index, columns, required)
    if header is None:
        return []
    r, found = header
    return [{cid: index.grid.value(row, c) for cid, c in found.items()}
            for row in range(r + 1, len(index.grid.rows))]


def _text_problems(index: SheetIndex, columns: tuple[forms.Column, ...], required: tuple[str, ...],
                   file: str) -> list[Issue]:
    """County and circle names that cannot be file names (they name outputs), and text with
    a line break or control character (a 联系人 typed with Alt+Enter would break a mail
    header): each reported with its cell; the values themselves are cleaned when read."""
    header = _header(index, columns, required)
    if header is None:
        return []
    top, at = header
    found = []
    for column in columns:
        if column.id not in at or column.kind != forms.TEXT:
            continue
        for r in range(top + 1, len(index.grid.rows)):
            raw = index.grid.value(r, at[column.id])
            if not isinstance(raw, str) or not raw.strip():
                continue
            where = {"file": file, "sheet": index.grid.name, "cell": cell_ref(r, at[column.id]),
                     "label": column.label, "value": raw}
            reason = file_name_problem(_one_line(raw)) if column.id in ("county", "name") else None
            if reason and not normalise_county(raw):
                found.append(make("R-REGISTRY-NAME", reason=reason, **where))
            elif "\n" in raw or drop_controls(raw) != raw:
                found.append(make("R-REGISTRY-TEXT", **where))
    return found


def _one_line(value: object) -> str | None:
    """Registry text on one line: names, people and addresses go into file names and headers."""
    text = clean_text(value)
    return " ".join(text.split()) if text else None


def _circle(row: dict) -> RegisteredCircle | None:
    county = normalise_county(row.get("county")) or _one_line(row.get("county"))
    name = _one_line(row.get("name"))
    if not county or not name:
        return None
    main = parse_tick(row.get("main_city"))
    year = row.get("year")
    return RegisteredCircle(
        county=county, name=name,
        main_city=main if main is not None else county in forms.MAIN_CITY_COUNTIES,
        street=_one_line(row.get("street")),
        year=int(year) if isinstance(year, (int, float)) else None,
    )


def _contact(row: dict) -> Contact:
    county = normalise_county(row.get("county")) or _one_line(row.get("county"))
    return Contact(county=county, person=_one_line(row.get("person")),
                   email=_one_line(row.get("email")), phone=_one_line(row.get("phone")))
