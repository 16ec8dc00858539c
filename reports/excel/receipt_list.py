"""The receipt list (Belegliste) of a usage report as an Excel file (issue 12): the template
generated for one grant, and reading the filled-in template back.

- :func:`template` — the .xlsx template of one grant (:mod:`reports.excel.receipt_template`);
- :func:`read` — every receipt of a filled-in template, or :class:`ReceiptListRefused` with
  every problem in German, row and column named (:mod:`reports.excel.receipt_import`).

No database, no web: the caller passes the grant's :class:`TemplateFacts`.
"""

from reports.excel.receipt_import import read
from reports.excel.receipt_sheet import (
    FIRST_ROW,
    HEADER_ROW,
    HEADERS,
    MAX_ROWS,
    ImportedReceipt,
    ReceiptListRefused,
    TemplateFacts,
    TemplateLine,
    position_labels,
)
from reports.excel.receipt_template import template

__all__ = [
    "FIRST_ROW",
    "HEADERS",
    "HEADER_ROW",
    "MAX_ROWS",
    "ImportedReceipt",
    "ReceiptListRefused",
    "TemplateFacts",
    "TemplateLine",
    "position_labels",
    "read",
    "template",
]
