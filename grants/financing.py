"""The money rules of DOMAIN.md §4: grant, settlement, 20 % rule, interest, requests for funds.

Pure functions, no I/O. Notation as in DOMAIN.md: A eligible expenses and D other funding
(plan), A′ and D′ the recognised actuals, p share, H cap (Höchstbetrag), F fixed amount
(Festbetrag), Z approved grant, Z′ final grant, P paid out. Intermediate results stay
:class:`~decimal.Decimal` euros; each final amount is rounded half-up to the cent once, by
:meth:`Money.from_decimal`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from grants.money import Money
from grants.vocabulary import FinancingType

T = TypeVar("T")

ZERO = Decimal(0)
NOTHING = Money(0)
TOLERANCE = Decimal("1.2")  # ANBest-P Nr. 1.2: a line may exceed its plan by up to 20 %
ONE_DECIMAL = Decimal("0.1")
BASIS_POINTS = 10_000  # per 100 %
DAYS_PER_YEAR = 365  # actual/365, also in leap years
USE_WITHIN_MONTHS = 2  # ANBest-P Nr. 1.4: money is to be used within two months of payout

BaseRates = Sequence[tuple[date, int]]
"""The Basiszinssatz (§ 247 BGB) as ``(valid_from, basis_points)``, e.g. ``(date(2025, 7, 1), 127)``."""

CAPPED = frozenset({FinancingType.SHORTFALL, FinancingType.SHARE})
BY_SHORTFALL = frozenset({FinancingType.SHORTFALL, FinancingType.FULL})
FIXED_AMOUNT = frozenset({FinancingType.FIXED, FinancingType.PER_UNIT})


# --- Approval and settlement -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameters:
    """The financing parameters of a decision (Zuwendungsbescheid).

    ``share`` is a fraction (0.64 for 64 %). Parameters that the financing type does not use are
    ignored by the formulas.
    """

    financing_type: FinancingType
    eligible: Money  # A
    other_funding: Money  # D
    share: Decimal | None = None  # p
    cap: Money | None = None  # H
    fixed: Money | None = None  # F
    unit_rate: Money | None = None
    units_planned: int | None = None


@dataclass(frozen=True, slots=True)
class Actuals:
    """What the audit of the usage report (Verwendungsnachweis) recognised: A′, D′, units."""

    eligible: Money  # A′
    other_funding: Money  # D′
    units_actual: int | None = None


def check(parameters: Parameters) -> dict[str, str]:
    """German messages per field for parameters that contradict the financing type.

    VV Nr. 2.2.1–2.2.3 and 2.3 zu § 44 LHO NRW: a cap (Höchstbetrag) for Anteil- and
    Fehlbedarfsfinanzierung, a fixed amount (possibly per unit) for Festbetragsfinanzierung.
    """
    p = parameters
    kind = p.financing_type
    errors: dict[str, str] = {}

    def complain(field: str, message: str) -> None:
        errors.setdefault(field, message)

    if p.eligible < NOTHING:
        complain("eligible", "Die zuwendungsfähigen Ausgaben dürfen nicht negativ sein.")
    if p.other_funding < NOTHING:
        complain("other_funding", "Die übrigen Finanzierungsmittel dürfen nicht negativ sein.")
    if p.share is not None and not (p.share.is_finite() and ZERO < p.share <= 1):
        complain("share", "Der Anteil muss über 0 und höchstens 100 % liegen.")
    if p.cap is not None and p.cap <= NOTHING:
        complain("cap", "Der Höchstbetrag muss größer als 0 € sein.")
    if p.fixed is not None and p.fixed <= NOTHING:
        complain("fixed", "Der Festbetrag muss größer als 0 € sein.")
    if p.unit_rate is not None and p.unit_rate <= NOTHING:
        complain("unit_rate", "Der Betrag je Einheit muss größer als 0 € sein.")
    if p.units_planned is not None and p.units_planned <= 0:
        complain("units_planned", "Die Zahl der Einheiten muss größer als 0 sein.")

    if kind in CAPPED and p.cap is None:
        complain("cap", f"Bei {kind.label} ist ein Höchstbetrag vorgeschrieben.")
    if kind in BY_SHORTFALL and p.other_funding >= p.eligible:
        complain(
            "other_funding",
            "Die übrigen Finanzierungsmittel decken die zuwendungsfähigen Ausgaben bereits – "
            f"bei {kind.label} bliebe keine Zuwendung (A − D ≤ 0).",
        )
    if kind is FinancingType.SHARE:
        if p.share is None:
            complain("share", "Bitte den Fördersatz (Anteil in %) angeben.")
        if p.eligible <= NOTHING:
            complain(
                "eligible", "Ohne zuwendungsfähige Ausgaben ergibt der Anteil keine Zuwendung."
            )
    if kind is FinancingType.FIXED:
        if p.fixed is None:
            complain("fixed", "Bei Festbetragsfinanzierung bitte den Festbetrag angeben.")
        elif p.fixed > p.eligible:
            complain(
                "fixed", "Der Festbetrag darf die zuwendungsfähigen Ausgaben nicht übersteigen."
            )
    if kind is FinancingType.PER_UNIT:
        if p.unit_rate is None:
            complain("unit_rate", "Bitte den Betrag je Einheit angeben.")
        if p.units_planned is None:
            complain("units_planned", "Bitte die geplante Zahl der Einheiten angeben.")
    return errors


def approved_grant(parameters: Parameters) -> Money:
    """Z by financing type (VV Nr. 2.2.1–2.2.3, 2.3 zu § 44 LHO NRW; DOMAIN.md §4), never below 0.

    Fehlbedarf min(H, A − D); Anteil min(H, p·A); Festbetrag F; Pauschale rate × units planned;
    Vollfinanzierung A − D. Raises ``ValueError`` when a parameter the type needs is missing.
    """
    return grant_computation(parameters).approved


@dataclass(frozen=True, slots=True)
class GrantComputation:
    """How Z comes about: the formula of the financing type (A − D, p·A, F or rate × units,
    rounded to the cent for showing), the cap H where the type has one, and Z itself."""

    formula: Money
    cap: Money | None
    approved: Money

    @property
    def capped(self) -> bool:
        """Whether the cap H, not the formula, gives Z."""
        return self.cap is not None and self.approved < self.formula


def grant_computation(parameters: Parameters) -> GrantComputation:
    """The terms of :func:`approved_grant`; raises ``ValueError`` like it."""
    formula = _formula(parameters)
    cap = _need(parameters.cap, "cap") if parameters.financing_type in CAPPED else None
    approved = min(cap.to_decimal(), formula) if cap is not None else formula
    return GrantComputation(
        Money.from_decimal(max(ZERO, formula)), cap, Money.from_decimal(max(ZERO, approved))
    )


def _formula(p: Parameters) -> Decimal:
    eligible, other = p.eligible.to_decimal(), p.other_funding.to_decimal()
    match p.financing_type:
        case FinancingType.SHORTFALL | FinancingType.FULL:
            return eligible - other
        case FinancingType.SHARE:
            return _need(p.share, "share") * eligible
        case FinancingType.FIXED:
            return _need(p.fixed, "fixed").to_decimal()
        case FinancingType.PER_UNIT:
            return _need(p.unit_rate, "unit_rate").to_decimal() * _need(
                p.units_planned, "units_planned"
            )


def final_grant(parameters: Parameters, approved: Money, actuals: Actuals) -> Money:
    """Z′ after the usage report (ANBest-P Nr. 2), between 0 and the approved Z (a ceiling).

    Fehlbedarf and Vollfinanzierung (Nr. 2.2, "um den vollen in Betracht kommenden Betrag"):
    min(Z, max(0, A′ − D′)). Anteil (Nr. 2.1, "anteilig"): min(H, p·A′) − p·max(0, D′ − D).
    Festbetrag, exempt from Nr. 2: min(F, A′) — extra income does not reduce it. Pauschale:
    rate × min(units actual, units planned).
    """
    amount = min(approved.to_decimal(), _final(parameters, actuals))
    return Money.from_decimal(max(ZERO, amount))


def _final(p: Parameters, actuals: Actuals) -> Decimal:
    eligible, other = actuals.eligible.to_decimal(), actuals.other_funding.to_decimal()
    match p.financing_type:
        case FinancingType.SHORTFALL | FinancingType.FULL:
            return eligible - other
        case FinancingType.SHARE:
            share = _need(p.share, "share")
            extra_funding = max(ZERO, other - p.other_funding.to_decimal())
            return min(_need(p.cap, "cap").to_decimal(), share * eligible) - share * extra_funding
        case FinancingType.FIXED:
            return min(_need(p.fixed, "fixed").to_decimal(), eligible)
        case FinancingType.PER_UNIT:
            units = min(
                _need(actuals.units_actual, "units_actual"), _need(p.units_planned, "units_planned")
            )
            return _need(p.unit_rate, "unit_rate").to_decimal() * units


def refund(paid: Money, final: Money, de_minimis: Money = NOTHING) -> Money:
    """max(0, P − Z′), waived when below ``de_minimis`` (§ 49a Abs. 1 VwVfG NRW; ANBest-P Nr. 2)."""
    amount = max(NOTHING, paid - final)
    return NOTHING if amount < de_minimis else amount


def subsequent_payment(paid: Money, final: Money) -> Money:
    """max(0, Z′ − P): what is still to pay out (ANBest-P Nr. 2; Z′ ≤ Z, the Höchstbetrag)."""
    return max(NOTHING, final - paid)


def _need(value: T | None, name: str) -> T:
    if value is None:
        raise ValueError(f"{name} is required for this financing type; run check() first")
    return value


# --- The 20 % rule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinePlanActual:
    """One expense line of the financing plan with its actual; ``plan`` is the amended plan if
    ``amended`` (an Änderungsbescheid changed it)."""

    key: str
    label: str
    plan: Money
    actual: Money
    amended: bool = False


@dataclass(frozen=True, slots=True)
class LineDeviation:
    """A line judged by the 20 % rule; ``percent`` is None for a line without plan.

    ``covered`` is False only for a line whose recognised excess over plan is not offset by the
    savings in the other lines.
    """

    key: str
    label: str
    plan: Money
    actual: Money
    deviation: Money  # actual − plan
    percent: Decimal | None  # deviation in % of plan, one decimal
    recognised: Money
    covered: bool


@dataclass(frozen=True, slots=True)
class DeviationReport:
    """All lines and their totals; ``covered`` says whether the binding total holds."""

    lines: tuple[LineDeviation, ...]
    plan: Money
    actual: Money
    deviation: Money
    percent: Decimal | None
    recognised: Money
    excess: Money  # recognised spending above plan, summed over the lines
    savings: Money  # spending below plan, summed over the lines
    covered: bool  # excess ≤ savings


def deviation_check(lines: Sequence[LinePlanActual]) -> DeviationReport:
    """Judge the expense lines by ANBest-P Nr. 1.2 (the 20 % rule).

    The financing plan is binding in its total; a line may exceed its plan by up to 20 % if
    savings in other lines offset the excess. Recognised amount of a line = min(actual,
    1.2 × plan); a line whose plan an amendment changed is judged against that new plan without
    the tolerance: min(actual, plan). An excess above the total is not cut here: Z′ ≤ Z caps it.
    """
    judged = [(line, _recognised(line)) for line in lines]
    excess = Money.total(max(NOTHING, r - line.plan) for line, r in judged)
    savings = Money.total(max(NOTHING, line.plan - line.actual) for line in lines)
    covered = excess <= savings
    plan = Money.total(line.plan for line in lines)
    actual = Money.total(line.actual for line in lines)
    return DeviationReport(
        lines=tuple(
            LineDeviation(
                key=line.key,
                label=line.label,
                plan=line.plan,
                actual=line.actual,
                deviation=line.actual - line.plan,
                percent=_percent(line.actual - line.plan, line.plan),
                recognised=r,
                covered=covered or r <= line.plan,
            )
            for line, r in judged
        ),
        plan=plan,
        actual=actual,
        deviation=actual - plan,
        percent=_percent(actual - plan, plan),
        recognised=Money.total(r for _, r in judged),
        excess=excess,
        savings=savings,
        covered=covered,
    )


def _recognised(line: LinePlanActual) -> Money:
    if line.amended:
        return min(line.actual, line.plan)
    return Money.from_decimal(min(line.actual.to_decimal(), TOLERANCE * line.plan.to_decimal()))


def _percent(deviation: Money, plan: Money) -> Decimal | None:
    if not plan:
        return None
    ratio = Decimal(deviation.cents) * 100 / Decimal(plan.cents)
    return ratio.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --- Interest --------------------------------------------------------------------------------


def interest(
    amount: Money,
    start: date,
    end: date,
    base_rates: BaseRates,
    margin_basis_points: int = 300,
    de_minimis: Money = NOTHING,
) -> Money:
    """Interest under § 49a Abs. 3 VwVfG NRW: Basiszinssatz + 3 percentage points a year.

    Day count actual/365: the days from ``start`` (counted) to ``end`` (not counted), i.e.
    ``(end − start).days`` — 01.03.–30.06.2026 are 121 days, as in DOMAIN.md §4. The period is
    split where the base rate changes (a negative base rate lowers the rate); the sum is rounded
    half-up once, is never negative and is waived when below ``de_minimis``. Raises
    ``ValueError`` when ``end`` precedes ``start`` or no base rate covers ``start``.
    """
    if end < start:
        raise ValueError("the interest period ends before it starts")
    rate_days = sum(
        days * (basis_points + margin_basis_points)
        for days, basis_points in _periods(start, end, base_rates)
    )
    euros = amount.to_decimal() * rate_days / (BASIS_POINTS * DAYS_PER_YEAR)
    result = Money.from_decimal(max(ZERO, euros))
    return NOTHING if result < de_minimis else result


def late_use_interest(
    amount: Money,
    paid_on: date,
    used_on: date,
    base_rates: BaseRates,
    margin_basis_points: int = 300,
    de_minimis: Money = NOTHING,
) -> Money:
    """Interest on ``amount`` from payout until use, when used later than two months after payout.

    § 49a Abs. 4 VwVfG NRW, ANBest-P Nr. 1.4, VV Nr. 8.6 zu § 44 LHO NRW. The two months end on
    the day of the month that matches the payout day, or on the month's last day if it has none
    (§ 31 VwVfG NRW with §§ 187 Abs. 1, 188 Abs. 2 and 3 BGB); use on that day is in time.
    """
    if used_on <= use_by(paid_on):
        return NOTHING
    return interest(amount, paid_on, used_on, base_rates, margin_basis_points, de_minimis)


def use_by(paid_on: date) -> date:
    """The last day on which money paid out on ``paid_on`` is used in time (ANBest-P Nr. 1.4)."""
    return _months_after(paid_on, USE_WITHIN_MONTHS)


def _periods(start: date, end: date, base_rates: BaseRates) -> Iterator[tuple[int, int]]:
    """(days, basis points) for each base rate that is valid in [start, end)."""
    rates = sorted(base_rates)
    if not rates or rates[0][0] > start:
        raise ValueError(f"no Basiszinssatz known for {start.isoformat()}")
    ends = [valid_from for valid_from, _ in rates[1:]] + [date.max]
    for (valid_from, basis_points), valid_until in zip(rates, ends, strict=True):
        days = (min(end, valid_until) - max(start, valid_from)).days
        if days > 0:
            yield days, basis_points


def refund_due(notified: date) -> date:
    """When a refund falls due: one month after the refund decision was made known (§ 31 VwVfG
    NRW with §§ 187 Abs. 1, 188 Abs. 2 and 3 BGB)."""
    return _months_after(notified, 1)


def _months_after(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Requests for funds ----------------------------------------------------------------------


def funds_request_limit(
    financing_type: FinancingType,
    due_within_two_months: Money,
    share: Decimal | None,
    own_and_third_party_unused: Money,
    fixed_ratio: Decimal | None = None,
) -> Money:
    """The most a centre may request now (Mittelabruf, ANBest-P Nr. 1.4).

    Only what is needed for payments due within two months after payout. Fehlbedarf (Nr. 1.4.2)
    and Vollfinanzierung: only once the own and third-party funds are used — max(0, due − unused);
    a negative ``own_and_third_party_unused`` (the centre pre-financed) adds to the limit.
    Anteil: pro rata, due × p (8,000 € at 64 % → 5,120 €). Festbetrag and Pauschale: pro rata
    with ``fixed_ratio`` = Z / A, see :func:`fixed_share`.
    """
    due = due_within_two_months.to_decimal()
    if financing_type in BY_SHORTFALL:
        limit = due - own_and_third_party_unused.to_decimal()
    elif financing_type is FinancingType.SHARE:
        limit = due * _need(share, "share")
    else:
        limit = due * _need(fixed_ratio, "fixed_ratio")
    return Money.from_decimal(max(ZERO, limit))


def fixed_share(parameters: Parameters) -> Decimal:
    """The ratio Z / A (F / A) by which a Festbetrag is drawn pro rata (ANBest-P Nr. 1.4)."""
    if parameters.financing_type not in FIXED_AMOUNT:
        raise ValueError("fixed_share is for Festbetrag and Pauschale")
    if parameters.eligible <= NOTHING:
        raise ValueError("fixed_share needs eligible expenses above 0")
    return approved_grant(parameters).to_decimal() / parameters.eligible.to_decimal()
