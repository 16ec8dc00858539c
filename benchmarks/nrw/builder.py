"""The demo builder (:mod:`grants.demo.data`) grown to NRW scale.

It keeps everything the demo has — the personas, their association, the states and the money
rules of every stage — and adds generated associations, six earlier fiscal years, more
instalments, messages and receipts. Where the demo scans its own rows (fine for 300
applications, quadratic for 24,000) the methods here keep running counters instead.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

from grants.demo import data as demo
from grants.demo.data import IKZ_STATES, Builder, DemoData, Line, Ref, at
from grants.demo.personas import REVIEWERS
from grants.vocabulary import District, ExpenseCategory, FinancingType, PlanLineKind
from grants.workflow import ApplicationStatus as A
from grants.workflow import GrantStatus as G
from grants.workflow import PaymentOrderStatus as P

FIRST_YEAR, DEMO_FIRST_YEAR, LAST_YEAR = 2018, 2024, 2027
INSTALMENT_MONTHS = (1, 3, 5, 7, 9, 11)  # six instalments a year: ~100,000 orders at full scale
FULL_ORGANISATIONS = 2_000
LARGE_PLAN_LIMIT = 4_000_000  # the IKZ programme's maximum grant (cents)
KINDS = ("Kulturverein", "Elternverein", "Frauenverein", "Begegnungszentrum", "Gemeinde",
         "Nachbarschaftshilfe", "Bildungswerk", "Sportverein")  # fmt: skip
CITIES = ("Köln", "Düsseldorf", "Dortmund", "Essen", "Duisburg", "Bochum", "Wuppertal",
          "Bielefeld", "Bonn", "Münster", "Aachen", "Gelsenkirchen")  # fmt: skip
MESSAGES = (
    (False, "Frage zum Kostenplan", "Guten Tag, dürfen wir die Honorare für die Deutschkurse auf zwei Kräfte aufteilen?"),
    (True, "Antwort: Kostenplan", "Ja, das ist möglich, solange die Summe der Honorare gleich bleibt."),
    (False, "Freistellungsbescheid", "Anbei der aktuelle Freistellungsbescheid des Finanzamts."),
)  # fmt: skip


class NrwBuilder(Builder):
    def __init__(self, seed: int, base_url: str, scale: float = 1.0) -> None:
        super().__init__(seed, base_url)
        self.generated = max(0, round(FULL_ORGANISATIONS * scale) - len(demo.ASSOCIATIONS))
        self.receipt_numbers: dict[Ref, int] = {}

    # -- people and organisations: the demo's 35 associations, then generated ones ---------

    def organisations_and_centres(self) -> None:
        districts = list(District)
        extra = tuple(
            (f"{KINDS[n % len(KINDS)]} {CITIES[n % len(CITIES)]} Nr. {n:04d} e. V.", f"nrw-{n:04d}",
             districts[n % len(districts)], districts[(n + 3) % len(districts)] if n % 10 == 0 else None)
            for n in range(self.generated)
        )  # fmt: skip
        with patch.object(demo, "ASSOCIATIONS", demo.ASSOCIATIONS + extra):
            super().organisations_and_centres()

    # -- budget: the demo's years 2024–2027, plus 2018–2023 --------------------------------

    def budget_and_programmes(self) -> None:
        super().budget_and_programmes()
        for year in range(FIRST_YEAR, DEMO_FIRST_YEAR):
            fiscal_year = self.data.add("fiscal_year", year=year, budget_in_force=True)
            for short, line in (("IKZ", self.budget_lines["IKZ", 2024]),
                                ("KOMMAN", self.budget_lines["KOMMAN", 2024])):  # fmt: skip
                template = self.data.get(line)
                self.budget_lines[short, year] = self.data.add(
                    "budget_line", **{**template, "fiscal_year": fiscal_year}
                )
                call = self.data.get(self.calls[short, 2024])
                self.calls[short, year] = self.data.add("funding_call", **{
                    **call, "fiscal_year": fiscal_year, "budget_line": self.budget_lines[short, year],
                    "title": call["title"].replace("2024", str(year)),
                    "description": f"Förderaufruf für das Haushaltsjahr {year}.",
                    "opens_at": at(date(year - 1, 10, 1), 6), "closes_at": at(date(year, 1, 31), 22),
                    "created_at": at(date(year - 1, 9, 15)),
                })  # fmt: skip

    # -- applications ----------------------------------------------------------------------

    def applications(self) -> None:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            states = IKZ_STATES.get(year, IKZ_STATES[DEMO_FIRST_YEAR])
            for number, (centre, organisation, district) in enumerate(self.centres):
                status, grant_status = states[number % len(states)]
                self.application("IKZ", year, centre, organisation, district, status, grant_status)
        centre, organisation, district = self.centres[0]
        self.application("IKZ", LAST_YEAR, centre, organisation, district, A.SUBMITTED, None)
        for year in range(FIRST_YEAR, LAST_YEAR):
            states = IKZ_STATES.get(year, IKZ_STATES[DEMO_FIRST_YEAR])
            for number, (centre, organisation, district) in enumerate(self.centres[::10]):
                status, grant_status = states[(number * 3 + 1) % len(states)]
                self.application(
                    "KOMMAN", year, centre, organisation, district, status, grant_status
                )

    def application(self, programme: str, year: int, centre: Ref, organisation: Ref,
                    district: District, status: A, grant_status: G | None) -> None:  # fmt: skip
        super().application(programme, year, centre, organisation, district, status, grant_status)
        app = Ref("application", len(self.data.of("application")) - 1)
        row = self.data.get(app)
        if row["submitted_at"] is None:
            return
        for offset, (from_staff, subject, body) in enumerate(MESSAGES[: self.rng.randint(1, 3)]):
            self.data.add("message", application=app, from_staff=from_staff, subject=subject, body=body,
                          author=self.user(self.rng.choice(REVIEWERS)) if from_staff else self.submitter(row),
                          created_at=row["submitted_at"] + timedelta(days=2 + 5 * offset),
                          read_at=row["submitted_at"] + timedelta(days=3 + 5 * offset))  # fmt: skip

    def plan(self, ikz: bool) -> tuple[list[Line], list[Line]]:
        """As the demo's; about one IKZ plan in a hundred also lists its courses one by one (40
        more lines), for the review workspace of a large application."""
        expenses, revenues = super().plan(ikz)
        courses = [
            Line.priced(ExpenseCategory.FEES, f"Honorar Kurs {n}", 4_000, 3_500)
            for n in range(1, 41)
        ]
        requested = sum(x.cents for x in expenses + courses) - sum(x.cents for x in revenues)
        if ikz and self.rng.random() < 0.01 and requested <= LARGE_PLAN_LIMIT:
            expenses += courses
        return expenses, revenues

    def proposed(self, application: dict[str, Any], lines: list[Ref]) -> dict[str, Any]:
        """As the demo's, but reads only the newest assessments (a review's come last)."""
        wanted = set(lines)
        eligible = sum(a["recognised_cents"] for a in self.data.of("line_assessment")[-len(lines):]
                       if a["plan_line"] in wanted)  # fmt: skip
        other = sum(self.data.get(line)["amount_cents"] for line in lines
                    if self.data.get(line)["kind"] is PlanLineKind.REVENUE)  # fmt: skip
        fixed = application["financing_type"] is FinancingType.FIXED
        approved = min(application["requested_cents"], eligible - other)
        return {"eligible_cents": eligible, "other_funding_cents": other, "share_basis_points": None,
                "cap_cents": None if fixed else application["requested_cents"],
                "fixed_cents": approved if fixed else None, "unit_rate_cents": None, "units_planned": None,
                "approved_cents": approved}  # fmt: skip

    # -- money -----------------------------------------------------------------------------

    def schedule(self, year: int, approved: int) -> list[tuple[date, int]]:
        """Six instalments that add up to the approved amount exactly."""
        part = approved // len(INSTALMENT_MONTHS)
        amounts = [part] * (len(INSTALMENT_MONTHS) - 1) + [
            approved - part * (len(INSTALMENT_MONTHS) - 1)
        ]
        return [
            (date(year, m, 15), cents) for m, cents in zip(INSTALMENT_MONTHS, amounts, strict=True)
        ]

    def payment_states(self, status: G, programme: str, count: int) -> list[P]:
        """As the demo's, for any number of instalments: a grant still in payment has its last
        instalments open (the payments desk shows them due)."""
        if status is G.APPROVED:
            states = [P.PAID] * max(0, count - 4) + [P.EXPORTED, P.RELEASED, P.CERTIFIED]
            return states[: count - 1] if programme == "IKZ" else [*states, P.DRAFT][:count]
        if status is G.PAYING:
            return [P.PAID] * (count - 1) + [self.rng.choice((P.PAID, P.RELEASED, P.CANCELLED))]
        return [P.PAID] * count

    def receipts(self, report: Ref, actual: Ref, amount: int, year: int) -> None:
        """About 14 receipts per expense line (~1,000,000 at full scale), numbered per report."""
        count = self.rng.randint(8, 20)
        first = self.receipt_numbers.get(report, 0)
        self.receipt_numbers[report] = first + count
        part = amount // count
        for n in range(count):
            day = date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            self.data.add("receipt", usage_report=report, actual_line=actual, number=first + n + 1,
                          receipt_date=day, payee=f"Zahlungsempfänger {self.rng.randint(1, 500)}",
                          purpose="Beleg laut Kostenplan", amount_cents=part if n < count - 1 else amount - part * n,
                          paid_on=day + timedelta(days=3))  # fmt: skip

    def balance_budget(self) -> None:
        """Each line's appropriation leaves 10 % room over what is committed on it; a call's
        budget is its line's appropriation."""
        committed: dict[Ref, int] = {}
        for row in self.data.of("budget_commitment"):
            committed[row["budget_line"]] = (
                committed.get(row["budget_line"], 0) + row["amount_cents"]
            )
        for line, total in committed.items():
            row = self.data.get(line)
            row["appropriation_cents"] = max(
                row["appropriation_cents"], (total * 11 // 10) // 100_000 * 100_000 + 100_000
            )
        for call in self.data.of("funding_call"):
            call["budget_cents"] = self.data.get(call["budget_line"])["appropriation_cents"]


def build(seed: int, base_url: str, scale: float = 1.0) -> DemoData:
    """The NRW world: the same seed and scale give the same data."""
    builder = NrwBuilder(seed, base_url, scale)
    builder.people()
    builder.organisations_and_centres()
    builder.budget_and_programmes()
    builder.applications()
    builder.balance_budget()
    return builder.data
