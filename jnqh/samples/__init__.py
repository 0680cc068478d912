"""Realistic made-up submissions, shared by the demo, the tests and the benchmarks.

Deterministic: every function draws from the ``random.Random`` it is given (or one seeded
with the circle names), so the same seed gives the same circles and the same workbooks.
Only the ``write_*`` functions do I/O; each takes a target path or a binary file object.

- :func:`make_circle`, :func:`make_projects`, :func:`make_survey_rows` — the data;
- :func:`write_template_workbook` — the project's official template, filled in;
- :func:`write_seed_workbook` — the seed's 附件5/附件6 as pasted from Word into Excel (optionally
  the seed's 附件2 checklist and a county's own 附件3 facts table);
- :func:`write_survey_export` — a 问卷星-like 附件4 export (.xlsx, or .xls via xlwt);
- :func:`inject_mistakes` — the typical mistakes of county files, with ``MISTAKES`` giving
  the issue code the check must report for each.
"""

from jnqh.samples.circles import (
    EXPECTED_TYPE, LEVELS, MISTAKES, community_names, inject_mistakes, make_circle, make_projects,
    person_name, total_row,
)
from jnqh.samples.seed_layout import write_seed_workbook
from jnqh.samples.survey_export import make_survey_rows, write_survey_export
from jnqh.samples.template_fill import write_template_workbook

__all__ = [
    "EXPECTED_TYPE", "LEVELS", "MISTAKES", "community_names", "inject_mistakes", "make_circle",
    "make_projects", "make_survey_rows", "person_name", "total_row", "write_seed_workbook",
    "write_survey_export", "write_template_workbook",
]
