"""LibreOffice helpers for tests: find soffice, recalculate a workbook, convert to PDF/PNG.

Recalculation. LibreOffice decides per file type whether to recalculate formulas on load
(Tools › Options › Calc › Formula › "Recalculation on file load"). For xlsx it trusts the
cached results of files whose docProps/app.xml says "Microsoft Excel" — which xlsxwriter and
openpyxl both write — so a formula cached as 0 by xlsxwriter stays 0 after a plain
``--convert-to xlsx`` (measured with LibreOffice 7.4: ``=A1+1`` cached 0 came back 0; only
cells without a cached value, as openpyxl leaves them, were computed). Each run therefore
gets a fresh profile whose registrymodifications.xcu sets ``OOXMLRecalcMode`` (and the ODF
one) to 0 = "always recalculate"; then ``--convert-to xlsx`` writes every formula's freshly
computed value, which openpyxl reads back with ``data_only=True``. No UNO/macro needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT_S = 180

_ALWAYS_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


_skip_without_soffice = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")


def requires_soffice(test):
    """Mark a test that drives LibreOffice: skipped without it, and selectable with
    ``-m libreoffice`` (one decorator, so the mark cannot be forgotten)."""
    return pytest.mark.libreoffice(_skip_without_soffice(test))


def _profile(root: Path) -> str:
    """A fresh user profile that recalculates every formula on load; returns its URL."""
    user = root / "profile" / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_ALWAYS_RECALC, encoding="utf-8")
    return (root / "profile").as_uri()


def convert(source: Path, out_dir: Path, target: str, infilter: str | None = None) -> Path:
    """`soffice --headless --convert-to target` with a recalculating profile; the output path.
    `infilter` names the import filter (e.g. "HTML (StarCalc)" to open a web page in Calc)."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as root:
        command = [exe, f"-env:UserInstallation={_profile(Path(root))}", "--headless", "--norestore",
                   *([f"--infilter={infilter}"] if infilter else []),
                   "--convert-to", target, "--outdir", str(out_dir), str(source)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    result = out_dir / f"{source.stem}.{target.split(':')[0]}"
    if not result.exists():
        raise RuntimeError(f"LibreOffice did not convert {source}: {done.stdout}\n{done.stderr}")
    return result


def recalc(source: Path, out_dir: Path) -> Path:
    """A copy of the xlsx `source` in `out_dir`, every formula recalculated by LibreOffice."""
    return convert(source, out_dir, "xlsx:Calc Office Open XML")


def to_pdf(source: Path, out_dir: Path) -> Path:
    return convert(source, out_dir, "pdf")


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in points, rounded, of every page (`pdfinfo`)."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    done = subprocess.run([exe, "-f", "1", "-l", "100000", str(pdf)], capture_output=True, text=True,
                          check=True, timeout=TIMEOUT_S)
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", done.stdout, flags=re.M)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


def pdf_to_png(pdf: Path, out_prefix: Path, dpi: int = 60) -> list[Path]:
    """One PNG per page (`pdftoppm -png -r dpi`), sorted by page."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(out_prefix)], check=True, timeout=TIMEOUT_S)
    return sorted(out_prefix.parent.glob(f"{out_prefix.name}*.png"))
