"""Open a file with a real office suite: Debian's LibreOffice, headless (`make test` installs it).

    converted(path, "csv")  -> the .csv LibreOffice Calc wrote from an .xlsx (first sheet)
    converted(path, "pdf")  -> the .pdf LibreOffice wrote from a .docx or .xlsx
    pdf_text(pdf)           -> the text of a PDF (pdftotext from poppler-utils when present, else the raw strings)

A file only the library that wrote it can read does not count as a spreadsheet or a document: these helpers
make the tests prove that people's office software opens what rectiflow gives them.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.fail("LibreOffice is missing: `make test` installs it (make office)")
    return found


def converted(path: Path, to: str, *, filter_options: str | None = None) -> Path:
    """Convert `path` with LibreOffice headless into `to` (csv, pdf, …) beside it; the converted file.

    Each call has its own LibreOffice profile, so conversions never wait on each other's lock file.
    `filter_options` e.g. 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1'
    writes every sheet of a workbook as its own CSV (LibreOffice ≥ 7.2).
    """
    out = path.parent / f"converted-{path.stem}"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", filter_options or to, "--outdir", str(out), str(path)],
            capture_output=True, text=True, timeout=180)
    made = sorted(out.glob(f"{path.stem}*.{to}"))
    assert result.returncode == 0 and made, f"LibreOffice could not open {path.name}: {result.stdout}{result.stderr}"
    return made[0]


def pdf_text(pdf: Path) -> str:
    """The text of a PDF LibreOffice wrote (pdftotext keeps Chinese; it comes with poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: `make test` installs poppler-utils (make office)")
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
