"""Open our Word and Excel files in LibreOffice, as the KI and the cash office will.

LibreOffice (``soffice``) reads the file and writes it out again as plain text (Word) or CSV
(Excel, with every formula calculated by LibreOffice itself). Tests marked ``office`` use it;
``.ci/run`` installs it, elsewhere they are skipped unless GRANTS_REQUIRE_OFFICE=1.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

SOFFICE = os.environ.get("GRANTS_SOFFICE", "soffice")
TEXT = "txt:Text (encoded):UTF8"
CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false"  # UTF-8, raw values


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which(SOFFICE):
        return
    if os.environ.get("GRANTS_REQUIRE_OFFICE") == "1":
        raise pytest.UsageError(f"LibreOffice fehlt ({SOFFICE}), die Office-Tests sind Pflicht.")
    skip = pytest.mark.skip(
        reason="LibreOffice not installed (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)"
    )
    for item in items:
        if "office" in item.keywords:
            item.add_marker(skip)


def _convert(data: bytes, suffix: str, target: str) -> bytes:
    """The file as LibreOffice writes it in ``target``; fails when LibreOffice cannot open it."""
    with tempfile.TemporaryDirectory(prefix="grants-office-") as tmp:
        source, out = Path(tmp, f"document{suffix}"), Path(tmp, "out")
        source.write_bytes(data)
        result = subprocess.run(
            [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
             "--convert-to", target, "--outdir", str(out), str(source)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        converted = out / f"document.{target.split(':')[0]}"
        assert result.returncode == 0, result.stderr
        assert converted.exists(), f"LibreOffice konnte die Datei nicht öffnen: {result.stdout}"
        return converted.read_bytes()


def word_text(docx: bytes) -> str:
    """The text of a .docx file as LibreOffice Writer reads it."""
    return _convert(docx, ".docx", TEXT).decode("utf-8-sig")


def word_lines(docx: bytes) -> list[str]:
    """The printed lines of a .docx file as LibreOffice Writer lays it out (through a PDF):
    a table cell too narrow for its text shows here as the text split over lines."""
    pdf = PdfReader(io.BytesIO(_convert(docx, ".docx", "pdf")))
    return [line for page in pdf.pages for line in page.extract_text().splitlines()]


def calc_rows(xlsx: bytes) -> list[list[str]]:
    """The first sheet of an .xlsx file as LibreOffice Calc shows it, formulas calculated."""
    return list(csv.reader(_convert(xlsx, ".xlsx", CSV).decode("utf-8-sig").splitlines()))


def calc_resaved(xlsx: bytes) -> bytes:
    """An .xlsx file as LibreOffice Calc saves it again (e.g. after a user edited it there)."""
    return _convert(xlsx, ".xlsx", "xlsx:Calc MS Excel 2007 XML")
