"""The issue catalogue is complete, consistent and documented."""

import re
import string
from pathlib import Path

from jnqh import issues

DOC = Path(__file__).parent.parent / "docs" / "问题代码.md"
CODE_SHAPE = re.compile(r"^[FRVPXSQM]-[A-Z0-9-]+$")  # M: mail


def test_reference_page_is_generated_from_the_catalogue():
    assert DOC.read_text(encoding="utf-8") == issues.catalogue_markdown(), (
        "docs/问题代码.md is stale: run `python -m jnqh.issues > docs/问题代码.md`")


def test_codes_are_unique_and_well_formed():
    codes = [k.code for k in issues.CATALOGUE]
    assert len(codes) == len(set(codes))
    assert all(CODE_SHAPE.match(c) for c in codes)


def test_every_kind_has_chinese_text_and_a_fix():
    for kind in issues.CATALOGUE:
        assert kind.severity in (issues.ERROR, issues.WARNING)
        for text in (kind.title, kind.message, kind.hint):
            assert re.search(r"[\u4e00-\u9fff]", text), kind.code
        list(string.Formatter().parse(kind.message))  # a malformed template fails here


def test_codes_used_in_the_package_exist():
    package = Path(issues.__file__).parent
    used = set()
    for source in package.rglob("*.py"):
        used |= set(re.findall(r"\"([FRVPXSQ]-[A-Z0-9-]+)\"", source.read_text(encoding="utf-8")))
    assert used <= set(issues.KIND), sorted(used - set(issues.KIND))


def test_missing_template_fields_render_blank_not_crash():
    issue = issues.make("V-REQUIRED", file="a.xlsx", sheet="附件5-1", cell="C3")
    assert issue.message == "“”没有填写" and issue.where == "a.xlsx › 附件5-1!C3"
