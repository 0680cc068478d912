"""Fixtures shared by the tests that run whole commands on the demo office."""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from jnqh.demo import make_demo

DEMO_DAY = dt.date(2024, 5, 6)


@pytest.fixture(scope="session")
def demo_office(tmp_path_factory) -> Path:
    """The demo office of DEMO_DAY, made once: copy it (`copy_office`) before changing it."""
    folder = tmp_path_factory.mktemp("office") / "演示"
    make_demo(folder, today=DEMO_DAY)
    return folder


def copy_office(source: Path, parent: Path) -> Path:
    copy = parent / "办公室"
    shutil.copytree(source, copy)
    return copy


@pytest.fixture
def fresh_office(demo_office, tmp_path) -> Path:
    """A private copy of the demo office (each test may run and rerun it)."""
    return copy_office(demo_office, tmp_path)
