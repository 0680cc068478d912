"""The value rules of the forms, each stated once for both checkers.

`jnqh check` (the parsers in :mod:`jnqh.normalize`, the rules in :mod:`jnqh.check.validate`) and
the official template's live self-check (:mod:`jnqh.write.template`, Excel formulas) both take
their conditions from here, so the two cannot drift; tests/test_template_rules.py has a
real LibreOffice recalculate filled templates and compares the two cell by cell.

A rule on one number has a Python test and the same condition as an Excel expression over
``{v}``. A rule between two cells of a row is only judged when both hold valid numbers: a
value already reported (negative, text) does not raise a second problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from jnqh import forms


@dataclass(frozen=True)
class NumberRule:
    code: str
    kinds: frozenset[str]
    broken: Callable[[float], bool]  # the number breaks the rule
    excel: str  # the same, in Excel, over {v} (a cell known to hold a number)


NUMBER_RULES: tuple[NumberRule, ...] = (
    NumberRule("V-PERCENT-RANGE", frozenset({forms.PERCENT}), lambda v: v < 0 or v > 100, "OR({v}<0,{v}>100)"),
    NumberRule("V-NEGATIVE", frozenset({forms.COUNT, forms.DECIMAL}), lambda v: v < 0, "{v}<0"),
    NumberRule("V-INTEGER", frozenset({forms.COUNT}), lambda v: v != int(v), "{v}<>INT({v})"),
)


def number_problem(kind: str, number: float) -> str | None:
    """The code of the first rule of `kind` that `number` breaks, if any."""
    return next((r.code for r in NUMBER_RULES if kind in r.kinds and r.broken(number)), None)


def rules_of(kind: str) -> tuple[NumberRule, ...]:
    return tuple(r for r in NUMBER_RULES if kind in r.kinds)


def excel_valid(ref: str, kind: str) -> str:
    """Excel: `ref` holds a number that breaks no rule of its kind."""
    broken = [r.excel.format(v=ref) for r in rules_of(kind)]
    return f"AND(ISNUMBER({ref}),NOT(OR({','.join(broken)})))" if broken else f"ISNUMBER({ref})"


@dataclass(frozen=True)
class RowRule:
    """A rule between two numbers of one outlet row (or of one 附件6 project)."""

    code: str
    cell: str  # the field the problem is reported at
    other: str
    broken: Callable[[float, float], bool]  # (cell, other) → breaks the rule
    excel: str  # over {cell} and {other}


CHAIN_NOT_OVER_OUTLETS = RowRule("V-CHAIN-GT-OUTLETS", "chain", "outlets", lambda chain, outlets: chain > outlets,
                                 "{cell}>{other}")
STAFF_PLAUSIBLE = RowRule("V-STAFF-PEOPLE", "staff_10k", "outlets",
                          lambda staff, outlets: staff > outlets * forms.STAFF_PER_OUTLET_MAX_10K + 1e-9,
                          "{cell}>{other}*" + str(forms.STAFF_PER_OUTLET_MAX_10K))
INVESTED_NOT_OVER_TOTAL = RowRule("P-INVESTED-GT-TOTAL", "invested_10k_yuan", "investment_10k_yuan",
                                  lambda invested, total: invested > total + 1e-9, "{cell}>{other}")
OUTLET_ROW_RULES = (CHAIN_NOT_OVER_OUTLETS, STAFF_PLAUSIBLE)


def excel_row_rule(rule: RowRule, cell: str, other: str, kinds: tuple[str, str]) -> str:
    """Excel: both cells hold valid numbers and break `rule` (IF, as Excel's AND does not stop
    at the first FALSE and INT of a text would be an error)."""
    both = f"AND(ISNUMBER({cell}),ISNUMBER({other}))"
    valid = f"AND({excel_valid(cell, kinds[0])},{excel_valid(other, kinds[1])})"
    return f"IF({both},AND({valid},{rule.excel.format(cell=cell, other=other)}),FALSE)"


def excel_all_valid(first: str, last: str, kind: str) -> str:
    """Excel: every filled cell of `first:last` holds a valid number of `kind` (so that a 合计
    is compared only with parts that are themselves right)."""
    span = f"{first}:{last}"
    checks = [f"COUNTIF({span},\"<0\")=0"] if any(r.code == "V-NEGATIVE" for r in rules_of(kind)) else []
    if any(r.code == "V-INTEGER" for r in rules_of(kind)):
        checks.append(f"SUMPRODUCT(--({span}<>INT({span})))=0")
    inner = f"AND({','.join(checks)})" if checks else "TRUE"
    return f"IF(COUNT({span})<>COUNTA({span}),FALSE,{inner})"
