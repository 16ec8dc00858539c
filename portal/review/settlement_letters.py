"""Rendering a settlement letter: the domain's facts → the Word documents of
:mod:`reports.word.settlement_letters` (Prüfvermerk, Prüfungsmitteilung, Anhörung, Rückforderung)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import anyio

from grants.services.decisions import RenderedLetter
from grants.services.settlements import SettlementFacts
from grants.vocabulary import DocumentKind
from portal.review.letters import DOCX
from reports.word import settlement_letters as word
from reports.word.letter_parts import document_filename, document_title

WRITERS: dict[DocumentKind, Callable[[word.SettlementLetter], bytes]] = {
    DocumentKind.AUDIT_MEMO: word.audit_memo,
    DocumentKind.AUDIT_NOTICE: word.audit_notice,
    DocumentKind.HEARING_LETTER: word.hearing_letter,
    DocumentKind.REFUND_LETTER: word.refund_decision,
}


def to_letter(facts: SettlementFacts) -> word.SettlementLetter:
    values = {field.name: getattr(facts, field.name) for field in fields(facts)}
    values["lines"] = tuple(
        word.SettledLine(
            line.label, line.kind, line.plan, line.actual, line.recognised, line.reason
        )
        for line in facts.lines
    )
    return word.SettlementLetter(**values)


async def render_settlement_letter(kind: DocumentKind, facts: SettlementFacts) -> RenderedLetter:
    """The letter as a Word document (built in a worker thread)."""
    content = await anyio.to_thread.run_sync(WRITERS[kind], to_letter(facts))
    return RenderedLetter(document_title(kind, facts.file_number),
                          document_filename(kind, facts.file_number), DOCX, content)  # fmt: skip
