"""Provisional budget management (vorläufige Haushaltsführung, § 82 GO NRW) — pure.

While a fiscal year's Haushaltssatzung is not in force the city may make only the payments it is
legally obliged to make. For a grant that is an instalment of a Zuwendungsbescheid that is final
(bestandskräftig) and was issued without budget reservation (Haushaltsvorbehalt). Grants
decided under reservation wait for the budget — or, where the KI set it for the year, receive at
most a monthly twelfth of the previous year's amount (DOMAIN.md §2, "Fiscal year and budget
line"). :func:`provisional_verdict` says whether one payment may go out now, and why (German).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from grants.deadlines import end_of_month
from grants.money import Money
from grants.vocabulary import ProvisionalRule

NOTHING = Money(0)
NOTIFICATION_DAYS = 3  # § 41 Abs. 2 VwVfG NRW: a letter by post counts as notified on the 3rd day


def notification_date(notified_on: date | None, decided_on: date) -> date:
    """The Bekanntgabe: the recorded date, else the third day after the decision was sent."""
    return notified_on or decided_on + timedelta(days=NOTIFICATION_DAYS)


def final_from(notified_on: date) -> date:
    """The first day on which a decision is bestandskräftig: the day after the one month for an
    action at the Verwaltungsgericht (§ 74 Abs. 1 VwGO) has run out. The month ends on the day
    with the same number as the notification, or on the month's last day where there is none;
    one that ends on a Saturday or Sunday runs to the next Monday (§ 57 Abs. 2 VwGO, § 222 ZPO,
    § 188 Abs. 2, 3 BGB). Public holidays are not modelled: such a deadline comes out a day early."""
    year, month = notified_on.year + notified_on.month // 12, notified_on.month % 12 + 1
    end = date(year, month, min(notified_on.day, end_of_month(year, month).day))
    while end.weekday() >= 5:
        end += timedelta(days=1)
    return end + timedelta(days=1)


def months_elapsed(year: int, today: date) -> int:
    """How many months of the fiscal year have begun by ``today`` (0 before it, 12 after)."""
    if today.year < year:
        return 0
    if today.year > year:
        return 12
    return today.month


@dataclass(frozen=True, slots=True)
class ProvisionalCase:
    """What the rule needs to know about one payment of a grant from one fiscal year."""

    year: int
    budget_in_force: bool
    rule: ProvisionalRule  # the year's setting for grants under reservation
    reservation: bool  # decided unter Haushaltsvorbehalt
    notified_on: date  # Bekanntgabe of the (current) decision, see notification_date
    previous_year: Money = NOTHING  # the association's amount on the line in the year before
    released: Money = NOTHING  # of this grant and year already released or paid, this one excluded


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str  # German, for the refusal or the hint; empty when the budget is in force
    provisional: bool = True  # False: the budget is in force, nothing provisional about it
    limit: Money | None = None  # twelfths: what may have gone out of the year by now in total

    @property
    def waits(self) -> bool:
        return not self.allowed


def provisional_verdict(case: ProvisionalCase, amount: Money, today: date) -> Verdict:
    """May ``amount`` of this grant go out of fiscal year ``case.year`` on ``today``?"""
    year = case.year
    if case.budget_in_force:
        return Verdict(True, "", provisional=False)
    head = (
        f"Vorläufige Haushaltsführung (§ 82 GO NRW, Haushaltssatzung {year} noch nicht in Kraft): "
    )
    if not case.reservation:
        final = final_from(case.notified_on)
        if today >= final:
            return Verdict(True, head + (
                f"Der Bescheid ist seit {final:%d.%m.%Y} bestandskräftig und ohne Haushaltsvorbehalt "
                "erlassen; zu dieser Zahlung ist die Stadt rechtlich verpflichtet, sie darf ausgezahlt werden."
            ))  # fmt: skip
        return Verdict(False, head + (
            f"Der Bescheid wird erst am {final:%d.%m.%Y} bestandskräftig (Klagefrist von einem Monat nach "
            f"Bekanntgabe am {case.notified_on:%d.%m.%Y}). Bis dahin wartet die Zahlung."
        ))  # fmt: skip
    if case.rule is ProvisionalRule.WAIT:
        return Verdict(False, head + (
            f"Der Bescheid steht unter Haushaltsvorbehalt; die Zahlung wartet, bis die Haushaltssatzung "
            f"{year} in Kraft ist."
        ))  # fmt: skip
    months = months_elapsed(year, today)
    limit = Money(case.previous_year.cents * months // 12)  # "höchstens": rounded down
    if case.released + amount <= limit:
        return Verdict(True, head + (
            f"Der Bescheid steht unter Haushaltsvorbehalt; bis {months}/12 des Vorjahresbetrags "
            f"({case.previous_year.format()}) dürfen ausgezahlt sein, das sind {limit.format()}. Bisher "
            f"freigegeben {case.released.format()}; diese Zahlung passt hinein."
        ), limit=limit)  # fmt: skip
    return Verdict(False, head + (
        f"Der Bescheid steht unter Haushaltsvorbehalt; bis {months}/12 des Vorjahresbetrags "
        f"({case.previous_year.format()}) dürfen ausgezahlt sein, das sind {limit.format()}. Bisher "
        f"freigegeben {case.released.format()}; {amount.format()} passen nicht mehr hinein — der Rest "
        f"wartet auf den Haushalt."
    ), limit=limit)  # fmt: skip
