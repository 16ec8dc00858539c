"""The automatic checks of a usage report (Verwendungsnachweis), issue 12.

Shown to the association before it submits and to the reviewer: every plan line has its actual,
the receipts add up per line and lie in the approval period, each expense line against the 20 %
rule (ANBest-P Nr. 1.2), extra revenues, money used later than two months after payout
(§ 49a Abs. 4 VwVfG NRW) and the final grant as it would be computed (DOMAIN.md §4).

Pure, no I/O. A blocking finding stops the submission; the others are warnings or notes.

Late use is allocated first in, first out: the expense receipts in the order of their payment
(``paid_on``, else ``receipt_date``; equal days by receipt number) use the payouts in the order
they were paid out. An expense paid before a payout arrived was pre-financed; the payout is used
on the day it arrives. The allocation charges the grant first, before own and third-party funds
— the reading most favourable to the association; money never used is no late use (it is
refunded, with interest under Abs. 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal

from grants import financing
from grants.money import LOCALE, Money
from grants.vocabulary import FinancingType, PlanLineKind

NOTHING = Money(0)


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One line of the approved plan with its actual; ``actual`` None: not entered yet."""

    line_key: str
    label: str
    kind: PlanLineKind
    plan: Money
    actual: Money | None
    amended: bool = False  # an Änderungsbescheid changed this line's plan (no 20 % tolerance)
    # False for own funds and own work (Eigenmittel, Eigenleistung): no receipts prove them.
    receipted: bool = True


@dataclass(frozen=True, slots=True)
class ReceiptEntry:
    """One receipt of the receipt list (Belegliste)."""

    number: int
    kind: PlanLineKind
    line_key: str | None
    receipt_date: date | None
    amount: Money
    paid_on: date | None


@dataclass(frozen=True, slots=True)
class Payout:
    """Money paid out to the association (a payment order marked paid)."""

    paid_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """Everything the checks need; ``early_start``: receipts may date from it (vorzeitiger
    Maßnahmebeginn); ``simplified``: einfacher Verwendungsnachweis without receipt list."""

    parameters: financing.Parameters
    approved: Money
    period_start: date
    period_end: date
    early_start: date | None
    lines: tuple[ReportLine, ...]
    receipts: tuple[ReceiptEntry, ...]
    payouts: tuple[Payout, ...]
    simplified: bool
    units_actual: int | None  # Pauschale
    base_rates: financing.BaseRates
    margin_basis_points: int = 300
    de_minimis: Money = NOTHING


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of the checks; ``message`` is a complete German sentence."""

    code: str
    blocking: bool
    message: str
    line_key: str | None = None
    receipt_number: int | None = None


@dataclass(frozen=True, slots=True)
class LateUse:
    """A part of a payout used later than two months after it was paid out."""

    amount: Money
    paid_out_on: date
    used_on: date
    days: int  # interest days: from payout (counted) to use (not counted)
    interest: Money  # before the de-minimis limit, which applies to the sum


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The findings and the figures behind them."""

    findings: tuple[Finding, ...]
    receipt_totals: Mapping[str, Money]  # plan line_key → sum of its receipts (empty if simplified)
    deviation: financing.DeviationReport  # the 20 % rule over the expense lines
    extra_revenue: Money  # D′ − D where positive
    late_use: tuple[LateUse, ...]
    late_use_interest: Money
    final_grant: Money
    paid: Money
    refund: Money
    subsequent: Money

    @property
    def blocking(self) -> bool:
        """Whether any finding is blocking: the report cannot be submitted."""
        return any(finding.blocking for finding in self.findings)


def check_report(facts: ReportFacts) -> CheckReport:
    """Run every check of issue 12 over ``facts``; see the module docstring."""
    findings: list[Finding] = [*_actual_findings(facts)]
    totals: dict[str, Money] = {}
    late: tuple[LateUse, ...] = ()
    if facts.simplified:
        findings.append(
            Finding(
                "late_use_not_checked",
                False,
                "Beim einfachen Verwendungsnachweis gibt es keine Belegliste; ob Mittel später als "
                "zwei Monate nach der Auszahlung verwendet wurden, lässt sich daher nicht berechnen.",
            )
        )
    else:
        totals = _receipt_totals(facts)
        findings += _receipt_findings(facts)
        findings += _sum_findings(facts, totals)
    deviation = financing.deviation_check(
        [
            financing.LinePlanActual(
                line.line_key, line.label, line.plan, line.actual or NOTHING, line.amended
            )
            for line in facts.lines
            if line.kind is PlanLineKind.EXPENSE
        ]
    )
    findings += _deviation_findings(deviation)
    revenues = Money.total(
        line.actual or NOTHING for line in facts.lines if line.kind is PlanLineKind.REVENUE
    )
    extra = max(NOTHING, revenues - facts.parameters.other_funding)
    if extra:
        findings.append(_extra_revenue_finding(facts.parameters, revenues, extra))
    late_interest = NOTHING
    if not facts.simplified:
        late = tuple(_late_uses(facts))
        late_interest, late_findings = _late_use_findings(facts, late)
        findings += late_findings
    units = facts.units_actual
    if facts.parameters.financing_type is FinancingType.PER_UNIT and (units is None or units < 0):
        findings.append(_units_finding(units))
        units = 0
    final = financing.final_grant(
        facts.parameters,
        facts.approved,
        financing.Actuals(deviation.recognised, revenues, units),
    )
    paid = Money.total(payout.amount for payout in facts.payouts)
    refund = financing.refund(paid, final, facts.de_minimis)
    subsequent = financing.subsequent_payment(paid, final)
    findings.append(_final_finding(facts, final, paid, refund, subsequent))
    return CheckReport(
        findings=tuple(findings),
        receipt_totals=totals,
        deviation=deviation,
        extra_revenue=extra,
        late_use=late,
        late_use_interest=late_interest,
        final_grant=final,
        paid=paid,
        refund=refund,
        subsequent=subsequent,
    )


def _units_finding(units: int | None) -> Finding:
    if units is None:
        message = "Bitte die Zahl der tatsächlich erbrachten Einheiten angeben."
    else:
        message = "Die Zahl der tatsächlich erbrachten Einheiten darf nicht negativ sein."
    return Finding("units_missing", True, message)


# --- Actuals and receipts --------------------------------------------------------------------


def _actual_findings(facts: ReportFacts) -> Iterator[Finding]:
    for line in facts.lines:
        kind = line.kind.label
        if line.actual is None:
            yield Finding(
                "actual_missing",
                True,
                f"Für die {kind} „{line.label}“ fehlt der tatsächliche Betrag "
                "(bei keiner Ausgabe oder Einnahme bitte 0 eintragen).",
                line_key=line.line_key,
            )
        elif line.actual < NOTHING:
            yield Finding(
                "actual_negative",
                True,
                f"Der tatsächliche Betrag der {kind} „{line.label}“ darf nicht negativ sein.",
                line_key=line.line_key,
            )


def _receipt_totals(facts: ReportFacts) -> dict[str, Money]:
    totals = {line.line_key: NOTHING for line in facts.lines}
    for receipt in facts.receipts:
        if receipt.line_key in totals:
            totals[receipt.line_key] += receipt.amount
    return totals


def _receipt_findings(facts: ReportFacts) -> Iterator[Finding]:
    lines = {line.line_key: line for line in facts.lines}
    earliest = facts.early_start or facts.period_start
    for r in sorted(facts.receipts, key=lambda receipt: receipt.number):
        name = f"Beleg Nr. {r.number}"

        def finding(code: str, message: str, r: ReceiptEntry = r) -> Finding:
            return Finding(code, True, message, line_key=r.line_key, receipt_number=r.number)

        line = lines.get(r.line_key) if r.line_key is not None else None
        if r.line_key is None:
            yield finding("receipt_without_line", f"{name} ist keiner Zeile des Plans zugeordnet.")
        elif line is None:
            yield finding(
                "receipt_unknown_line",
                f"{name} gehört zu einer Zeile, die im bewilligten Finanzierungsplan nicht vorkommt.",
            )
        elif r.kind is not line.kind:
            yield finding(
                "receipt_kind_mismatch",
                f"{name} ist als {r.kind.label} erfasst, „{line.label}“ ist aber eine "
                f"{line.kind.label}.",
            )
        if r.amount < NOTHING:
            yield finding("receipt_negative", f"Der Betrag von {name} darf nicht negativ sein.")
        if r.receipt_date is None:
            yield finding("receipt_without_date", f"Bei {name} fehlt das Belegdatum.")
        elif r.receipt_date < earliest:
            start = (
                f"vor dem genehmigten vorzeitigen Maßnahmebeginn am {earliest:%d.%m.%Y}"
                if facts.early_start
                else f"vor dem Beginn des Bewilligungszeitraums am {earliest:%d.%m.%Y}"
            )
            yield finding(
                "receipt_outside_period", f"{name} vom {r.receipt_date:%d.%m.%Y} liegt {start}."
            )
        elif r.receipt_date > facts.period_end:
            yield finding(
                "receipt_outside_period",
                f"{name} vom {r.receipt_date:%d.%m.%Y} liegt nach dem Ende des "
                f"Bewilligungszeitraums am {facts.period_end:%d.%m.%Y}.",
            )


def _sum_findings(facts: ReportFacts, totals: Mapping[str, Money]) -> Iterator[Finding]:
    for line in facts.lines:
        if line.actual is None or not line.receipted:
            continue
        total = totals[line.line_key]
        if total != line.actual:
            yield Finding(
                "receipts_do_not_add_up",
                True,
                f"Die Belege zu „{line.label}“ ergeben {total.format()}, angegeben sind "
                f"{line.actual.format()} (Differenz {(line.actual - total).format()}).",
                line_key=line.line_key,
            )


# --- The 20 % rule and revenues --------------------------------------------------------------


def _deviation_findings(report: financing.DeviationReport) -> Iterator[Finding]:
    for line in report.lines:
        if line.recognised < line.actual:
            if not line.plan:
                why = "im bewilligten Plan ist dafür nichts vorgesehen"
            elif line.recognised == line.plan:
                why = "der Plan wurde durch einen Änderungsbescheid festgesetzt"
            else:
                why = "eine Zeile darf ihren Plan um höchstens 20 % überschreiten"
            yield Finding(
                "expense_cut",
                False,
                f"Bei „{line.label}“ werden nur {line.recognised.format()} von "
                f"{line.actual.format()} anerkannt, denn {why} (ANBest-P Nr. 1.2).",
                line_key=line.key,
            )
        if not line.covered:
            yield Finding(
                "excess_not_covered",
                False,
                f"Die Mehrausgabe bei „{line.label}“ von {line.deviation.format()} "
                f"({_percent(line.percent)}) ist nicht durch Einsparungen bei anderen Ausgaben "
                "gedeckt; der Finanzierungsplan ist in seiner Summe verbindlich, die Zuwendung "
                "steigt dadurch nicht (ANBest-P Nr. 1.2).",
                line_key=line.key,
            )


def _extra_revenue_finding(p: financing.Parameters, revenues: Money, extra: Money) -> Finding:
    text = (
        f"Die Einnahmen und Drittmittel liegen mit {revenues.format()} um {extra.format()} über "
        f"dem Plan ({p.other_funding.format()})"
    )
    match p.financing_type:
        case FinancingType.SHARE if p.share is not None:
            reduction = Money.from_decimal(p.share * extra.to_decimal())
            text += (
                f"; bei Anteilfinanzierung mindern sie die Zuwendung anteilig um "
                f"{reduction.format()} (ANBest-P Nr. 2.1)."
            )
        case FinancingType.SHORTFALL | FinancingType.FULL:
            text += "; sie mindern den Fehlbedarf und damit die Zuwendung (ANBest-P Nr. 2.2)."
        case _:
            text += "; bei Festbetragsfinanzierung mindern sie die Zuwendung nicht."
    return Finding("extra_revenue", False, text)


# --- Late use --------------------------------------------------------------------------------


def _late_uses(facts: ReportFacts) -> Iterator[LateUse]:
    """Allocate expense receipts to payouts first in, first out (see the module docstring)."""
    payouts = sorted(facts.payouts, key=lambda payout: payout.paid_on)
    left = [payout.amount.cents for payout in payouts]
    spent = sorted(
        (day, r.number, r.amount.cents)
        for r in facts.receipts
        if r.kind is PlanLineKind.EXPENSE
        and r.amount > NOTHING
        and (day := r.paid_on or r.receipt_date) is not None
    )
    portions: dict[tuple[int, date], int] = {}  # (payout, day of use) → cents
    current = 0
    for day, _number, cents in spent:
        while cents and current < len(payouts):
            used = min(cents, left[current])
            if used:
                key = (current, max(day, payouts[current].paid_on))
                portions[key] = portions.get(key, 0) + used
            cents -= used
            left[current] -= used
            if not left[current]:
                current += 1
    for (index, used_on), cents in portions.items():
        paid_on, amount = payouts[index].paid_on, Money(cents)
        if used_on > financing.use_by(paid_on):
            yield LateUse(
                amount,
                paid_on,
                used_on,
                (used_on - paid_on).days,
                _late_interest(facts, amount, paid_on, used_on),
            )


def _late_interest(facts: ReportFacts, amount: Money, paid_on: date, used_on: date) -> Money:
    if not _rate_known(facts.base_rates, paid_on):
        return NOTHING
    return financing.late_use_interest(
        amount, paid_on, used_on, facts.base_rates, facts.margin_basis_points
    )


def _rate_known(base_rates: financing.BaseRates, day: date) -> bool:
    return any(valid_from <= day for valid_from, _ in base_rates)


def _late_use_findings(facts: ReportFacts, late: Iterable[LateUse]) -> tuple[Money, list[Finding]]:
    findings: list[Finding] = []
    for use in late:
        if _rate_known(facts.base_rates, use.paid_out_on):
            cost = f"dafür fallen für {use.days} Tage Zinsen von {use.interest.format()} an"
        else:
            cost = (
                f"für den {use.paid_out_on:%d.%m.%Y} ist kein Basiszinssatz hinterlegt, "
                "die Zinsen lassen sich daher noch nicht berechnen"
            )
        findings.append(
            Finding(
                "late_use",
                False,
                f"Von der Auszahlung am {use.paid_out_on:%d.%m.%Y} wurden {use.amount.format()} "
                f"erst am {use.used_on:%d.%m.%Y} verwendet, später als zwei Monate nach der "
                f"Auszahlung; {cost} (§ 49a Abs. 4 VwVfG NRW).",
            )
        )
    total = Money.total(use.interest for use in late)
    if total and total < facts.de_minimis:
        findings.append(
            Finding(
                "late_use_waived",
                False,
                f"Die Zinsen für die späte Verwendung von {total.format()} liegen unter der "
                f"Bagatellgrenze von {facts.de_minimis.format()} und werden nicht erhoben.",
            )
        )
        total = NOTHING
    return total, findings


# --- The final grant -------------------------------------------------------------------------


def _final_finding(
    facts: ReportFacts, final: Money, paid: Money, refund: Money, subsequent: Money
) -> Finding:
    text = (
        f"Nach diesen Angaben beträgt die Zuwendung voraussichtlich {final.format()} "
        f"(bewilligt {facts.approved.format()}, ausgezahlt {paid.format()})"
    )
    if refund:
        text += f"; zurückzuzahlen wären {refund.format()}."
    elif subsequent:
        text += f"; nachzuzahlen wären {subsequent.format()}."
    elif paid > final:
        text += (
            f"; die Erstattung von {(paid - final).format()} liegt unter der Bagatellgrenze von "
            f"{facts.de_minimis.format()} und wird nicht gefordert."
        )
    else:
        text += "; es ist nichts zurückzuzahlen und nichts nachzuzahlen."
    return Finding("final_grant", False, text)


def _percent(percent: Decimal | None) -> str:
    if percent is None:
        return "ohne Planansatz"
    return f"{format_decimal(percent, format='+#,##0.0;-#,##0.0', locale=LOCALE)} %"
