"""Hand-built grants with payment orders and settlements, for figures we know by heart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from grants.tables import (
    Application,
    BudgetLine,
    Call,
    Decision,
    ExportBatch,
    FiscalYear,
    FiscalYearShare,
    GrantAward,
    Organisation,
    PaymentOrder,
    Programme,
    Settlement,
    UsageReport,
    User,
)
from grants.vocabulary import District, FinancingType, PaymentKind
from grants.workflow import GrantStatus, PaymentOrderStatus

YEAR = 2031  # no demo year: the hand-built figures stay alone in their year
IBAN = "DE89370400440532013000"


@dataclass
class Ledger:
    """One organisation with one grant of 10.000,00 € (2031: 6.000,00, 2032: 4.000,00)."""

    organisation: int
    grant: int
    decision: int
    line: int  # the 2031 budget line
    line_next: int  # the 2032 budget line
    certifier: int
    releaser: int
    batch: int
    orders: dict[str, int] = field(default_factory=dict)


async def user(subject: str, name: str) -> int:
    rows = await User.insert(User(issuer="https://test.example", subject=subject, email=f"{subject}@test.example",
                                  display_name=name)).returning(User.id)  # fmt: skip
    return int(rows[0]["id"])


async def year_line(year: int, cost_centre: str) -> int:
    fiscal = await FiscalYear.objects().get_or_create(FiscalYear.year == year,
                                                      defaults={FiscalYear.budget_in_force: True})  # fmt: skip
    rows = await BudgetLine.insert(BudgetLine(
        fiscal_year=fiscal.id, product="0504", plan_line="15", account="53180000", cost_centre=cost_centre,
        name="Testhaushaltsstelle", appropriation_cents=10**8,
    )).returning(BudgetLine.id)  # fmt: skip
    return int(rows[0]["id"])


async def ledger(name: str = "Testverein Köln & Partner <Ehrenfeld> e. V.") -> Ledger:
    """The organisation, its grant and two staff users; no orders yet (see :func:`order`)."""
    certifier = await user("test-certifier", "Julia Prüferin")
    releaser = await user("test-releaser", "Markus Freigeber")
    organisation = (await Organisation.insert(Organisation(
        legal_name=name, district=District.EHRENFELD, iban=IBAN, bic="COBADEFFXXX",
        account_holder="Testverein Köln", creditor_number="40001234",
    )).returning(Organisation.id))[0]["id"]  # fmt: skip
    line = await year_line(YEAR, "1304TEST")
    line_next = await year_line(YEAR + 1, "1304TEST")
    fiscal = (await FiscalYear.objects().get(FiscalYear.year == YEAR)).id
    programme = (await Programme.insert(Programme(name="Testprogramm Statements", short_name="TST"))
                 .returning(Programme.id))[0]["id"]  # fmt: skip
    call = (await Call.insert(Call(programme=programme, fiscal_year=fiscal, budget_line=line, title="Testaufruf",
                                   budget_cents=10**7)).returning(Call.id))[0]["id"]  # fmt: skip
    application = (await Application.insert(Application(
        organisation=organisation, call=call, file_number="TST-2031-0001", title="Testvorhaben",
        district=District.EHRENFELD, period_start=date(YEAR, 7, 1), period_end=date(YEAR + 1, 6, 30),
    )).returning(Application.id))[0]["id"]  # fmt: skip
    decision = (await Decision.insert(Decision(
        application=application, financing_type=FinancingType.SHORTFALL, approved_cents=1_000_000,
        period_start=date(YEAR, 7, 1), period_end=date(YEAR + 1, 6, 30),
        decided_at=datetime(YEAR, 3, 10, 23, 30, tzinfo=UTC),  # 11.03. in Köln
    )).returning(Decision.id))[0]["id"]  # fmt: skip
    await FiscalYearShare.insert(
        FiscalYearShare(decision=decision, year=YEAR, amount_cents=600_000),
        FiscalYearShare(decision=decision, year=YEAR + 1, amount_cents=400_000),
    )
    grant = (await GrantAward.insert(GrantAward(application=application, current_decision=decision,
                                                status=GrantStatus.PAYING)).returning(GrantAward.id))[0]["id"]  # fmt: skip
    batch = (await ExportBatch.insert(ExportBatch(number="AO-2031-TEST", created_by=releaser, file_sha256="0" * 64))
             .returning(ExportBatch.id))[0]["id"]  # fmt: skip
    return Ledger(organisation, grant, decision, line, line_next, certifier, releaser, batch)


async def order(world: Ledger, key: str, cents: int, status: PaymentOrderStatus, due: date,
                paid_on: date | None = None, *, line: int | None = None, batch: bool = False,
                kind: PaymentKind = PaymentKind.INSTALMENT, purpose: str | None = None) -> int:  # fmt: skip
    certified = status is not PaymentOrderStatus.DRAFT
    released = status in (
        PaymentOrderStatus.RELEASED,
        PaymentOrderStatus.EXPORTED,
        PaymentOrderStatus.PAID,
    )
    rows = await PaymentOrder.insert(PaymentOrder(
        grant=world.grant, budget_line=line or world.line, kind=kind, status=status, amount_cents=cents,
        due_date=due, purpose=purpose if purpose is not None else f"TST-2031-0001 {kind.label} {key}",
        order_number=f"AO-2031-TEST-{key}" if batch else None,
        certified_by=world.certifier if certified else None,
        certified_at=datetime(due.year, due.month, due.day, 8, 5, tzinfo=UTC) if certified else None,
        released_by=world.releaser if released else None,
        released_at=datetime(due.year, due.month, due.day, 9, 15, tzinfo=UTC) if released else None,
        batch=world.batch if batch else None, paid_on=paid_on,
    )).returning(PaymentOrder.id)  # fmt: skip
    world.orders[key] = int(rows[0]["id"])
    return world.orders[key]


async def settlement(world: Ledger, refund: int, interest: int, due: date | None,
                     decided: datetime | None, repaid: datetime | None = None) -> int:  # fmt: skip
    report = (await UsageReport.insert(UsageReport(grant=world.grant)).returning(UsageReport.id))[
        0
    ]["id"]
    rows = await Settlement.insert(Settlement(
        grant=world.grant, usage_report=report, refund_cents=refund, interest_cents=interest,
        refund_due_date=due, refund_decided_at=decided, repaid_at=repaid, settled_by=world.certifier,
        created_at=datetime(YEAR + 1, 9, 1, 10, tzinfo=UTC),
    )).returning(Settlement.id)  # fmt: skip
    return int(rows[0]["id"])
