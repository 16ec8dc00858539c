"""Rendering a decision's letter: the domain's facts → the Word letter of :mod:`reports`."""

from __future__ import annotations

import anyio

from grants.services.decisions import LetterFacts, RenderedLetter
from reports.word.letters import (
    Letter,
    Recipient,
    letter_document,
    letter_filename,
    letter_title,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SIGNER_TITLE = "Leitung des Kommunalen Integrationszentrums"


def to_letter(facts: LetterFacts) -> Letter:
    recipient = facts.recipient
    return Letter(
        kind=facts.kind, file_number=facts.file_number, letter_date=facts.letter_date,
        recipient=Recipient(recipient.get("legal_name", ""), recipient.get("street", ""),
                            recipient.get("postcode", ""), recipient.get("city", "")),
        title=facts.title, period_start=facts.period_start, period_end=facts.period_end,
        financing_type=facts.financing_type, eligible=facts.eligible, other_funding=facts.other_funding,
        approved=facts.approved, requested=facts.requested, payment_mode=facts.payment_mode,
        signer_name=facts.signer_name, signer_title=SIGNER_TITLE, share=facts.share, cap=facts.cap,
        fixed=facts.fixed, unit_rate=facts.unit_rate, units=facts.units, years=facts.years,
        payment_schedule=facts.payment_schedule, usage_report_due=facts.usage_report_due,
        conditions=facts.conditions, budget_reservation=facts.budget_reservation, reasons=facts.reasons,
        reductions=list(facts.reductions), previous_approved=facts.previous_approved,
        original_date=facts.original_date, changes=facts.changes, draft=facts.draft,
    )  # fmt: skip


async def render_letter(facts: LetterFacts) -> RenderedLetter:
    """The letter as a Word document (built in a worker thread)."""
    content = await anyio.to_thread.run_sync(letter_document, to_letter(facts))
    title, filename = (
        letter_title(facts.kind, facts.file_number),
        letter_filename(facts.kind, facts.file_number),
    )
    if facts.draft:
        title, filename = f"Entwurf – {title}", f"Entwurf-{filename}"
    return RenderedLetter(title, filename, DOCX, content)
