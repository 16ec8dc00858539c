"""The KI's review of a submitted usage report (Prüfung des Verwendungsnachweises): taking it
up, recognising, reducing or refusing each line and receipt, the sample of receipts the
association uploads, and the Nachforderung.

Every use case takes the :class:`~grants.services.usage_reports.GrantReport` the caller loaded
once and the version of the report the page showed; the updates are guarded by that version.
The reviewer who takes the report up (``UsageReport.reviewer``) recognises the figures; the
settlement is made by someone else (:mod:`grants.services.settlements`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants import audit, clock, db, files, notifications, sampling
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import DeviationReport, LinePlanActual, deviation_check
from grants.money import Money
from grants.report_assessment import (
    Assessed,
    Item,
    ReceiptState,
    Verdict,
    check,
    proposal,
    receipt_ceiling,
    verdict_of,
)
from grants.services.attachments import Download, checked
from grants.services.usage_reports import (
    GrantReport,
    ReceiptRow,
    Report,
    ReportLine,
    may_see,
    receipt_row,
)  # one row as the read model reads it
from grants.services.users import Principal
from grants.tables import (
    ActualLine,
    Attachment,
    ChangeRequest,
    GrantAward,
    Organisation,
    Receipt,
    UsageReport,
    User,
)
from grants.vocabulary import AttachmentKind, PlanLineKind, Role, UsageReportKind
from grants.workflow import (
    GRANT,
    USAGE_REPORT,
    GrantStatus,
    TransitionNotAllowed,
    UsageReportStatus,
    advance,
)

SAMPLE_SIZE = 10  # receipts drawn by default
SAMPLE_THRESHOLD = Money(100_000)  # every receipt from 1.000 € on is in the sample by default
MAX_SAMPLE = 1000
RECEIPT_STALE = "Der Beleg wurde inzwischen geändert. Bitte laden Sie die Seite neu."
STALE = "Der Verwendungsnachweis wurde inzwischen geändert. Bitte laden Sie die Seite neu."


# -- guards ----------------------------------------------------------------------------------


def _report(grant: GrantReport) -> Report:
    if grant.report is None:
        raise Conflict("Zu dieser Zuwendung liegt kein Verwendungsnachweis vor.")
    return grant.report


def _advance(machine: Any, action: str, state: Any, principal: Principal) -> Any:
    try:
        return advance(machine, action, state, principal.roles)
    except TransitionNotAllowed as exc:
        if exc.role_missing:
            raise Forbidden(str(exc)) from exc
        raise Conflict(f"Der Verwendungsnachweis ist „{state.label}“.") from exc


def _moves_grant(report: Report) -> bool:
    """Only the final report moves the grant's state; an interim one leaves it paying."""
    return report.kind is UsageReportKind.FINAL


def _grant_in_review(grant: GrantReport, report: Report) -> bool:
    return not _moves_grant(report) or grant.grant_status is GrantStatus.REPORT_IN_REVIEW


def is_reviewer(principal: Principal, grant: GrantReport) -> bool:
    """Whether the principal reviews this report now (and so may assess it)."""
    report = grant.report
    return (
        report is not None
        and Role.REVIEWER in principal.roles
        and report.reviewer_id == principal.id
        and report.status is UsageReportStatus.IN_REVIEW
        and _grant_in_review(grant, report)
    )


def _in_review(principal: Principal, grant: GrantReport, version: int | None) -> Report:
    """The report, if it is in review by this principal and (with a version) unchanged."""
    report = _report(grant)
    if Role.REVIEWER not in principal.roles or not may_see(principal, grant.organisation_id):
        raise Forbidden("Nur die Sachbearbeitung prüft Verwendungsnachweise.")
    if report.status is not UsageReportStatus.IN_REVIEW or not _grant_in_review(grant, report):
        raise Conflict(f"Der Verwendungsnachweis ist „{report.status.label}“.")
    if report.reviewer_id != principal.id:
        raise Forbidden("Nur die zuständige Sachbearbeitung prüft diesen Verwendungsnachweis.")
    if version is not None and report.version != version:
        raise Conflict(STALE)
    return report


async def _touch_report(report: Report, changes: dict[Any, Any] | None = None) -> None:
    done = await UsageReport.update({
        **(changes or {}), UsageReport.version: report.version + 1, UsageReport.updated_at: clock.now(),
    }).where((UsageReport.id == report.id) & (UsageReport.version == report.version)).returning(UsageReport.id)  # fmt: skip
    if not done:
        raise Conflict(STALE)


async def _touch_grant(grant: GrantReport, status: GrantStatus) -> None:
    done = await GrantAward.update({GrantAward.status: status, GrantAward.version: grant.grant_version + 1}).where(
        (GrantAward.id == grant.grant_id) & (GrantAward.version == grant.grant_version)
    ).returning(GrantAward.id)  # fmt: skip
    if not done:
        raise Conflict("Die Zuwendung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")


async def _organisation_email(grant: GrantReport) -> str:
    row = (
        await Organisation.select(Organisation.email)
        .where(Organisation.id == grant.organisation_id)
        .first()
    )
    return row["email"] if row else ""


# -- taking the report up --------------------------------------------------------------------


async def start_review(
    principal: Principal, grant: GrantReport, version: int, request_id: str = "-"
) -> None:
    """A reviewer takes up a submitted report: report (and, for the final report, grant) go
    "in Prüfung", and this reviewer is the one who recognises the figures."""
    report = _report(grant)
    if not may_see(principal, grant.organisation_id):
        raise NotFound(grant.grant_id)
    async with db.transaction():
        if report.version != version:
            raise Conflict(STALE)
        if _moves_grant(report):
            grant_status = _advance(GRANT, "start_report_review", grant.grant_status, principal)
        report_status = _advance(USAGE_REPORT, "start_review", report.status, principal)
        await _touch_report(
            report, {UsageReport.status: report_status, UsageReport.reviewer: principal.id}
        )
        if _moves_grant(report):
            await _touch_grant(grant, grant_status)
        await audit.record(Actor(principal.id, request_id), "usage_report.review_started", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={"usage_report": report.id})  # fmt: skip


# -- lines -----------------------------------------------------------------------------------


def deviations(grant: GrantReport) -> DeviationReport:
    """The 20 % rule over the expense lines with an actual (pure)."""
    return deviation_check([
        LinePlanActual(line.line_key, line.label, line.plan, line.actual, line.amended)
        for line in grant.expenses if line.actual is not None
    ])  # fmt: skip


def assessed_lines(grant: GrantReport) -> tuple[ReportLine, ...]:
    """The lines the association entered an actual for: those the review assesses."""
    return tuple(line for line in grant.lines if line.actual_line_id is not None)


def unassessed(grant: GrantReport) -> tuple[ReportLine, ...]:
    """The lines with an actual the review has not assessed yet (the settlement waits for none)."""
    return tuple(line for line in assessed_lines(grant) if line.recognised is None)


async def line_ceilings(report: Report) -> dict[int, Money]:
    """actual line id → the most it may be recognised with, for the lines with a cut receipt
    (:func:`grants.report_assessment.receipt_ceiling`); one query over the cut receipts' lines."""
    cut = Receipt.select(Receipt.actual_line).where(
        (Receipt.usage_report == report.id) & Receipt.recognised_cents.is_not_null()
        & (Receipt.recognised_cents < Receipt.amount_cents)
    )  # fmt: skip
    rows = await Receipt.select(Receipt.actual_line, Receipt.amount_cents, Receipt.recognised_cents).where(
        (Receipt.usage_report == report.id) & Receipt.actual_line.is_in(cut)
    )  # fmt: skip
    by_line: dict[int, list[ReceiptState]] = {}
    for row in rows:
        recognised = row["recognised_cents"]
        by_line.setdefault(row["actual_line"], []).append(
            ReceiptState(
                Money(row["amount_cents"]), None if recognised is None else Money(recognised)
            )
        )
    return {
        line: ceiling
        for line, states in by_line.items()
        if (ceiling := receipt_ceiling(states)) is not None
    }


def proposals(grant: GrantReport, ceilings: dict[int, Money]) -> dict[int, Assessed]:
    """actual line id → the assessment as stored, or as proposed where there is none yet: the
    20 % rule's amount for an expense line, the actual for a revenue line (pure)."""
    rule = {line.key: line.recognised for line in deviations(grant).lines}
    found: dict[int, Assessed] = {}
    for line in assessed_lines(grant):
        if line.actual_line_id is None or line.actual is None:
            continue
        if line.recognised is not None:
            found[line.actual_line_id] = Assessed(
                line.actual_line_id,
                verdict_of(line.actual, line.recognised),
                line.recognised,
                line.reason,
            )
            continue
        suggested = proposal(
            line.actual, rule.get(line.line_key, line.actual), ceilings.get(line.actual_line_id)
        )
        found[line.actual_line_id] = Assessed(line.actual_line_id, suggested.verdict, suggested.recognised,
                                              suggested.reason)  # fmt: skip
    return found


async def assess_lines(principal: Principal, grant: GrantReport, version: int, inputs: Sequence[Verdict],
                       request_id: str = "-") -> None:  # fmt: skip
    """Recognise, reduce or refuse every actual line at once, all or nothing."""
    async with db.transaction():
        report = _in_review(principal, grant, version)
        lines = assessed_lines(grant)
        if {i.item_id for i in inputs} != {line.actual_line_id for line in lines}:
            raise Conflict(
                "Die Zeilen des Nachweises passen nicht zu diesem Formular. Bitte laden Sie die Seite neu."
            )
        ceilings = await line_ceilings(report)
        items = [Item(line.actual_line_id or 0, line.label, line.actual or Money(0), ceilings.get(line.actual_line_id or 0))
                 for line in lines]  # fmt: skip
        errors, assessed = check(items, inputs)
        if errors:
            raise Invalid(errors)
        for a in assessed:
            await ActualLine.update({ActualLine.recognised_cents: a.recognised.cents, ActualLine.reason: a.reason,
                                     ActualLine.version: ActualLine.version + 1}).where(
                (ActualLine.id == a.item_id) & (ActualLine.usage_report == report.id))  # fmt: skip
        await _touch_report(report)
        keys = {line.actual_line_id: line.line_key for line in lines}
        await audit.record(Actor(principal.id, request_id), "usage_report.lines_assessed", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={
                               "usage_report": report.id,
                               "lines": {keys[a.item_id]: [a.verdict.value, a.recognised.cents] for a in assessed}})  # fmt: skip


# -- receipts --------------------------------------------------------------------------------


async def assess_receipt(principal: Principal, grant: GrantReport, receipt_id: int, version: int, verdict: Verdict,
                         request_id: str = "-") -> None:  # fmt: skip
    """Recognise, reduce or refuse one receipt. A cut receipt caps its line: where the line is
    recognised with more than its receipts now allow, it is lowered to that amount with the
    receipt's reason (DOMAIN rule in :mod:`grants.report_assessment`)."""
    async with db.transaction():
        report = _in_review(principal, grant, None)
        row = (
            await Receipt.select()
            .where((Receipt.id == receipt_id) & (Receipt.usage_report == report.id))
            .first()
        )
        if row is None:
            raise NotFound(receipt_id)
        if row["version"] != version:
            raise Conflict(RECEIPT_STALE)
        item = Item(receipt_id, f"Beleg {row['number']}", Money(row["amount_cents"]))
        errors, assessed = check([item], [verdict], prefix="receipt-")
        if errors:
            raise Invalid(errors)
        (a,) = assessed
        done = await Receipt.update({Receipt.recognised_cents: a.recognised.cents, Receipt.reason: a.reason,
                                     Receipt.version: version + 1}).where(
            (Receipt.id == receipt_id) & (Receipt.version == version)).returning(Receipt.id)  # fmt: skip
        if not done:
            raise Conflict(RECEIPT_STALE)
        lowered = await _cap_line(report, row["actual_line"], a.reason)
        await audit.record(Actor(principal.id, request_id), "usage_report.receipt_assessed", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={
                               "usage_report": report.id, "receipt": row["number"], "verdict": a.verdict.value,
                               "recognised_cents": a.recognised.cents, "line_lowered_to_cents": lowered})  # fmt: skip


async def _cap_line(report: Report, actual_line_id: int | None, reason: str) -> int | None:
    """Lower the line to what its receipts allow, if it was recognised with more; the new cents."""
    if actual_line_id is None:
        return None
    ceiling = (await line_ceilings(report)).get(actual_line_id)
    line = await ActualLine.select(ActualLine.recognised_cents, ActualLine.reason).where(
        ActualLine.id == actual_line_id).first()  # fmt: skip
    if (
        ceiling is None
        or line is None
        or line["recognised_cents"] is None
        or line["recognised_cents"] <= ceiling.cents
    ):
        return None
    await ActualLine.update({ActualLine.recognised_cents: ceiling.cents,
                             ActualLine.reason: line["reason"] or reason,
                             ActualLine.version: ActualLine.version + 1}).where(ActualLine.id == actual_line_id)  # fmt: skip
    return ceiling.cents


# -- Nachforderung ---------------------------------------------------------------------------


async def request_changes(principal: Principal, grant: GrantReport, version: int, points: str, deadline: date,
                          request_id: str = "-") -> None:  # fmt: skip
    """Nachforderung: the report goes back to the association with points and a deadline; the
    association changes it and submits it again."""
    async with db.transaction():
        report = _in_review(principal, grant, version)
        if _moves_grant(report):
            grant_status = _advance(GRANT, "request_report_changes", grant.grant_status, principal)
        report_status = _advance(USAGE_REPORT, "request_changes", report.status, principal)
        errors = {}
        if not points.strip():
            errors["points"] = "Bitte nennen Sie, was nachzureichen ist."
        if deadline <= clock.today():
            errors["deadline"] = "Die Frist muss in der Zukunft liegen."
        if errors:
            raise Invalid(errors)
        await _touch_report(report, {UsageReport.status: report_status})
        if _moves_grant(report):
            await _touch_grant(grant, grant_status)
        await ChangeRequest.insert(ChangeRequest(usage_report=report.id, points=points.strip(), deadline=deadline,
                                                 requested_by=principal.id))  # fmt: skip
        if email := await _organisation_email(grant):
            await notifications.enqueue(
                recipient=email, subject=f"Nachforderung zum Verwendungsnachweis {grant.file_number}",
                body=(f"Guten Tag,\n\nzu Ihrem Verwendungsnachweis für „{grant.title}“ ({grant.file_number}) bitten "
                      f"wir bis zum {deadline:%d.%m.%Y} um Folgendes:\n\n{points.strip()}\n\n"
                      "Sie können den Verwendungsnachweis im Förderportal ergänzen und erneut einreichen.\n"),
            )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "usage_report.changes_requested", "grant", grant.grant_id,
                           organisation=grant.organisation_id,
                           data={"usage_report": report.id, "deadline": deadline.isoformat()})  # fmt: skip


# -- accepting an interim report -------------------------------------------------------------


async def accept_interim(
    principal: Principal, grant: GrantReport, version: int, request_id: str = "-"
) -> None:
    """The reviewer accepts an interim report (Zwischennachweis) in review: no settlement, the
    grant keeps paying; the association is told and may start its next report."""
    async with db.transaction():
        report = _in_review(principal, grant, version)
        if _moves_grant(report):
            raise Conflict("Der Verwendungsnachweis wird mit der Abrechnung abgeschlossen.")
        status = _advance(USAGE_REPORT, "accept", report.status, principal)
        await _touch_report(report, {UsageReport.status: status})
        if email := await _organisation_email(grant):
            await notifications.enqueue(
                recipient=email, subject=f"Zwischennachweis {grant.file_number} geprüft",
                body=(f"Guten Tag,\n\nIhr Zwischennachweis für „{grant.title}“ ({grant.file_number}) für den "
                      f"Zeitraum {report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y} ist geprüft "
                      "und ohne Beanstandung abgeschlossen.\n"),
            )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "usage_report.accepted", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={"usage_report": report.id})  # fmt: skip


# -- the sample ------------------------------------------------------------------------------


async def draw_sample(principal: Principal, grant: GrantReport, version: int, size: int, threshold: Money,
                      seed: int | None = None, request_id: str = "-") -> sampling.Sample:  # fmt: skip
    """Draw the sample of expense receipts the association uploads (VV Nr. 11.1 zu § 44 LHO):
    monetary-unit sampling plus every receipt from ``threshold`` on, reproducible from the
    recorded seed. Drawn once: a second draw is refused, so that no one draws until a sample
    suits (the seed, method and numbers are in the audit trail and the audit memo)."""
    async with db.transaction():
        report = _in_review(principal, grant, version)
        if report.sample:
            raise Conflict("Die Stichprobe ist bereits gezogen; sie wird nicht neu gezogen.")
        if report.simplified:
            raise Conflict(
                "Ein einfacher Verwendungsnachweis hat keine Belegliste, aus der gezogen wird."
            )
        errors = {}
        if not 0 <= size <= MAX_SAMPLE:
            errors["size"] = f"Bitte eine Anzahl von 0 bis {MAX_SAMPLE} angeben."
        if threshold.cents < 0:
            errors["threshold"] = "Bitte keinen negativen Betrag eingeben."
        items = [sampling.SampleItem(r["number"], Money(r["amount_cents"])) for r in await Receipt.select(
            Receipt.number, Receipt.amount_cents).where(
            (Receipt.usage_report == report.id) & (Receipt.kind == PlanLineKind.EXPENSE)).order_by(Receipt.number)]  # fmt: skip
        if not items:
            errors["size"] = "Der Nachweis hat keine Ausgabenbelege, aus denen gezogen werden kann."
        if errors:
            raise Invalid(errors)
        drawn = sampling.draw(items, seed=sampling.new_seed() if seed is None else seed, size=size,
                              threshold=threshold)  # fmt: skip
        now = clock.now()
        stored = {
            "seed": drawn.seed, "method": drawn.method, "threshold_cents": drawn.threshold.cents, "size": drawn.size,
            "numbers": list(drawn.numbers), "drawn_by": principal.id, "drawn_by_name": principal.display_name,
            "drawn_at": now.isoformat(),
        }  # fmt: skip
        await _touch_report(report, {UsageReport.sample: stored})
        if drawn.numbers:
            await Receipt.update({Receipt.sampled: True, Receipt.version: Receipt.version + 1}).where(
                (Receipt.usage_report == report.id) & Receipt.number.is_in(list(drawn.numbers)))  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "usage_report.sample_drawn", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={
                               "usage_report": report.id, "seed": drawn.seed, "method": drawn.method,
                               "size": drawn.size, "threshold_cents": drawn.threshold.cents,
                               "numbers": list(drawn.numbers)})  # fmt: skip
        if drawn.numbers and (email := await _organisation_email(grant)):
            await notifications.enqueue(
                recipient=email, subject=f"Belege zum Verwendungsnachweis {grant.file_number} hochladen",
                body=(f"Guten Tag,\n\nfür die Prüfung Ihres Verwendungsnachweises „{grant.title}“ "
                      f"({grant.file_number}) bitten wir um Kopien dieser Belege aus Ihrer Belegliste: "
                      f"Nr. {', '.join(str(n) for n in drawn.numbers)}.\n\nSie können sie im Förderportal unter "
                      f"/zuwendungen/{grant.grant_id}/verwendungsnachweis/stichprobe hochladen.\n"),
            )  # fmt: skip
    return drawn


@dataclass(frozen=True, slots=True)
class Copy:
    """An uploaded copy of a sampled receipt."""

    id: int
    filename: str
    size_bytes: int
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class SampledReceipt:
    receipt: ReceiptRow
    copies: tuple[Copy, ...]


async def sampled_receipts(report: Report) -> list[SampledReceipt]:
    """The receipts of the sample with their uploaded copies (two queries)."""
    rows = await Receipt.select().where((Receipt.usage_report == report.id) & (Receipt.sampled == True)).order_by(  # noqa: E712
        Receipt.number)  # fmt: skip
    copies: dict[int, list[Copy]] = {}
    for a in await Attachment.select(Attachment.id, Attachment.receipt, Attachment.filename, Attachment.size_bytes,
                                     Attachment.uploaded_at).where(
        (Attachment.usage_report == report.id) & Attachment.receipt.is_not_null() & Attachment.deleted_at.is_null()
    ).order_by(Attachment.id):  # fmt: skip
        copies.setdefault(a["receipt"], []).append(
            Copy(a["id"], a["filename"], a["size_bytes"], a["uploaded_at"])
        )
    return [SampledReceipt(receipt_row(r), tuple(copies.get(r["id"], ()))) for r in rows]


UPLOADING = (UsageReportStatus.IN_REVIEW, UsageReportStatus.CHANGES_REQUESTED)


async def upload_copy(principal: Principal, grant: GrantReport, receipt_id: int, filename: str, content: bytes,
                      request_id: str = "-") -> int:  # fmt: skip
    """The association uploads a copy (PDF or image) of one of its sampled receipts."""
    report = _report(grant)
    if principal.role_in(grant.organisation_id) not in (Role.MEMBER, Role.SIGNATORY):
        raise Forbidden("Nur der Verein lädt seine Belege hoch.")
    file = checked(filename, content, f"file-{receipt_id}")
    async with db.transaction():
        if report.status not in UPLOADING:
            raise Conflict(f"Der Verwendungsnachweis ist „{report.status.label}“.")
        row = await Receipt.select(Receipt.number).where(
            (Receipt.id == receipt_id) & (Receipt.usage_report == report.id) & (Receipt.sampled == True)  # noqa: E712
        ).first()  # fmt: skip
        if row is None:
            raise NotFound(receipt_id)
        files.store(content)  # on disk before the row that points to it commits
        created = await Attachment.insert(Attachment(
            organisation=grant.organisation_id, usage_report=report.id, receipt=receipt_id, kind=AttachmentKind.OTHER,
            filename=file.filename, media_type=file.media_type, size_bytes=file.size_bytes, sha256=file.sha256,
            uploaded_by=principal.id,
        )).returning(Attachment.id)  # fmt: skip
        reviewer = await User.select(User.email).where(User.id == (report.reviewer_id or 0)).first()
        if reviewer and reviewer["email"]:
            await notifications.enqueue(
                recipient=reviewer["email"],
                subject=f"Beleg {row['number']} zum Verwendungsnachweis {grant.file_number} hochgeladen",
                body=(f"Guten Tag,\n\n{grant.organisation} hat eine Kopie von Beleg {row['number']} der Stichprobe "
                      f"hochgeladen ({file.filename}). Sie finden sie in der Prüfung unter "
                      f"/pruefung/nachweise/{grant.grant_id}.\n"),
            )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "usage_report.receipt_uploaded", "grant", grant.grant_id,
                           organisation=grant.organisation_id,
                           data={"usage_report": report.id, "receipt": row["number"], "attachment": created[0]["id"]})  # fmt: skip
    return int(created[0]["id"])


async def copy_download(grant: GrantReport, attachment_id: int) -> Download:
    """An uploaded copy of a sampled receipt, for whoever may see the grant (``grant`` was
    loaded for the principal by :func:`grants.services.usage_reports.get`)."""
    report = _report(grant)
    row = await Attachment.select(Attachment.filename, Attachment.media_type, Attachment.sha256).where(
        (Attachment.id == attachment_id) & (Attachment.usage_report == report.id) & Attachment.receipt.is_not_null()
        & Attachment.deleted_at.is_null()
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(attachment_id)
    return Download(row["filename"], row["media_type"], files.read(row["sha256"]))
