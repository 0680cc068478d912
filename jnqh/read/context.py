"""What every form reader shares while reading one file: where issues go, what today is."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Callable

from jnqh import forms, issues
from jnqh.issues import Issue
from jnqh.model import Source
from jnqh.normalize import (
    Parsed, parse_choice, parse_count, parse_date, parse_decimal, parse_multi,
    parse_number, parse_percent, parse_text, parse_yesno, split_list,
)


@dataclass
class ReadContext:
    file: str  # the file name shown in messages
    today: dt.date
    found: list[Issue] = field(default_factory=list)

    def add(self, code: str, *, sheet: str | None = None, cell: str | None = None,
            field: str | None = None, value: object = None, **params: object) -> None:
        self.found.append(issues.make(code, file=self.file, sheet=sheet, cell=cell,
                                      field=field, value=value, **params))

    def add_at(self, code: str, source: Source | None, field: str | None = None,
               value: object = None, **params: object) -> None:
        self.add(code, sheet=source.sheet if source else None, cell=source.cell if source else None,
                 field=field, value=value, **params)


# Kinds whose result depends on the kind, unit and value alone and holds no list: one parse
# serves every cell with the same value (counts like 0, 1, 2 fill most of a form).
_PLAIN_KINDS = frozenset({forms.TEXT, forms.COUNT, forms.DECIMAL, forms.PERCENT, forms.DATE, forms.YESNO})
_PLAIN_VALUES = frozenset({str, int, float, bool, dt.date, dt.datetime})
Spec = forms.Field | forms.Column


def remember_parses(parse: Callable[[Spec, object], Parsed]) -> Callable[[Spec, object], Parsed]:
    """Memoise `parse(spec, raw)` for cell values, which are scalars.

    Choices, option boxes and lists recur in every circle's column, and finding labels and
    marks in them is slow: each (spec, value) is parsed once. Keyed by the spec's identity
    (specs are the form definitions' constants, or made once each; hashing a Field would cost
    more than the parse), which the entry keeps alive; typed, as 1, 1.0 and True parse
    differently. A list or dict result is copied on the way out: records keep their values
    and may change them later.
    """
    cache: dict[tuple, tuple[Spec, Parsed]] = {}

    @functools.wraps(parse)
    def cached(spec: Spec, raw: object) -> Parsed:
        key = (id(spec), type(raw), raw)
        entry = cache.get(key)
        if entry is None or entry[0] is not spec:
            if len(cache) >= 16384:  # only a stream of new values gets here
                cache.clear()
            entry = cache[key] = (spec, parse(spec, raw))
        parsed = entry[1]
        if isinstance(parsed.value, (list, dict)):
            return Parsed(parsed.value.copy(), parsed.code, parsed.params)
        return parsed
    return cached


def parse_field(spec: Spec, raw: object) -> Parsed:
    """Parse one raw cell value by the kind its form definition gives."""
    kind = spec.kind
    if raw is None or type(raw) in _PLAIN_VALUES:
        if kind in _PLAIN_KINDS:
            return _plain_parser(kind, getattr(spec, "unit", ""))(raw)
        return _parse_remembered(spec, raw)
    return _parse_any(spec, raw)


def parser_of(spec: Spec) -> Callable[[object], Parsed]:
    """`parse_field(spec, ·)` for the values of a grid's cells (scalars, so hashable).

    For the loops that parse a whole column or table: a plain kind goes straight to its
    cache, with no Python call in between.
    """
    if spec.kind in _PLAIN_KINDS:
        return _plain_parser(spec.kind, getattr(spec, "unit", ""))
    return functools.partial(parse_field, spec)


@functools.lru_cache(maxsize=64)  # one per kind and unit of the forms
def _plain_parser(kind: str, unit: str) -> Callable[[object], Parsed]:
    """The parser of one plain kind and unit, remembering each value it has parsed.

    Counts like 0, 1, 2 fill most of a form. Results are shared between cells: Parsed is
    frozen and its value immutable here, and readers copy `params` before adding to it
    (record_parse_problem). Typed, as 1, 1.0 and True parse differently.
    """
    return functools.lru_cache(maxsize=4096, typed=True)(functools.partial(_parse_by_kind, kind, unit, ()))


def _parse_any(spec: Spec, raw: object) -> Parsed:
    return _parse_by_kind(spec.kind, getattr(spec, "unit", ""), getattr(spec, "options", ()), raw)


_parse_remembered = remember_parses(_parse_any)


def _parse_by_kind(kind: str, unit: str, options: tuple, raw: object) -> Parsed:
    if kind == forms.TEXT:
        return parse_text(raw)
    if kind == forms.COUNT:
        return parse_count(raw, unit=unit)
    if kind == forms.DECIMAL:
        return parse_decimal(raw, unit=unit)
    if kind == forms.PERCENT:
        return parse_percent(raw)
    if kind == forms.DATE:
        parsed = parse_date(raw)
        return Parsed(parsed.value.isoformat(), None, {}) if parsed.ok and parsed.value else parsed
    if kind == forms.YESNO:
        return parse_yesno(raw)
    if kind == forms.CHOICE:
        return parse_choice(raw, options)
    if kind == forms.MULTI:
        return parse_multi(raw, options)
    if kind == forms.LIST:
        return Parsed(split_list(raw) or None)
    if kind == forms.NUMBER_LIST:
        return _parse_number_list(raw)
    raise ValueError(f"unknown field kind {kind!r}")


def _parse_number_list(raw: object) -> Parsed:
    if isinstance(raw, (int, float)):
        return Parsed([float(raw)])
    numbers = []
    for item in split_list(raw):
        parsed = parse_number(item)
        if not parsed.ok:
            return parsed
        numbers.append(parsed.value)
    return Parsed(numbers or None)


def unit_hint(spec: forms.Field | forms.Column) -> str:
    unit = getattr(spec, "unit", "")
    return f"（单位：{unit}）" if unit else ""


def record_parse_problem(ctx: ReadContext, parsed: Parsed, spec: forms.Field | forms.Column,
                         source: Source, path: str, raw: object) -> None:
    """Turn a parser's complaint into an issue at the cell the value came from."""
    if parsed.code is None:
        return
    params = dict(parsed.params)
    params.setdefault("value", raw)
    params.setdefault("options", "、".join(o.label for o in getattr(spec, "options", ())))
    ctx.add_at(parsed.code, source, field=path, label=spec.label, unit_hint=unit_hint(spec),
               **params)
