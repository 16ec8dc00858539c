"""The finance statements: the payment-order statement (DOMAIN.md §8) with "bisher ausgezahlt",
refund rows and export batches; the account statement of an association; the list of grants of
a year — their figures against the database, their workbooks in openpyxl and LibreOffice, who
may read them, and how many queries they take."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grants.clock import BERLIN
from grants.demo.seed import load_once
from grants.errors import Forbidden, Invalid, NotFound
from grants.services import statements
from grants.services.statements import DateBasis, PaymentSelection
from grants.services.users import Principal
from grants.tables import FiscalYearShare, GrantAward, Membership, Organisation, PaymentOrder
from grants.vocabulary import PaymentKind, Role
from grants.workflow import GrantStatus, PaymentOrderStatus
from reports.excel import statements as workbooks
from reports.excel.statements import PAYMENT_COLUMNS, payment_order_statement, payment_values
from reports.excel.workbooks import DATE, EUR
from tests.finance.building import YEAR, Ledger, ledger, order, settlement
from tests.support.office import calc_rows

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
P = PaymentOrderStatus
EVIL = '=HYPERLINK("http://boese.example","Klick")\x0b e. V.'
DOMAIN_COLUMNS = [
    "Haushaltsjahr", "Programm", "Aktenzeichen", "Bescheiddatum", "Empfänger", "Kreditor-Nr.", "IBAN", "BIC",
    "Kontoinhaber", "Verwendungszweck", "Teilplan/Produkt", "Teilplanzeile", "Sachkonto", "Kostenstelle",
    "bewilligt", "davon dieses Jahr", "bisher ausgezahlt", "diese Zahlung", "Fälligkeit", "Zahlungsart",
    "sachlich richtig (wer, wann)", "freigegeben (wer, wann)", "Anordnungs-Nr.", "Forderung", "Zinsen",
    "Fälligkeit der Forderung",
]  # fmt: skip


def staff(role: Role = Role.FINANCE, user_id: int = 1) -> Principal:
    return Principal(
        id=user_id, display_name="Test", email="test@example.org", roles=frozenset({role})
    )


def year(y: int = YEAR, basis: DateBasis = DateBasis.DUE, **more) -> PaymentSelection:
    return PaymentSelection(start=date(y, 1, 1), end=date(y, 12, 31), basis=basis, **more)


async def rows_of(selection: PaymentSelection, principal: Principal | None = None, **kw) -> list:
    statement = await statements.payment_statement(principal or staff(), selection, **kw)
    return [row async for chunk in statement.chunks() for row in chunk]


@pytest.fixture
async def world(database) -> Ledger:
    """One grant of 10.000 € (2031: 6.000, 2032: 4.000) and its orders:
    a 1.000 paid 20.07.; b 2.000 paid 20.08.; c 500 paid 20.07. too (after a: higher id);
    d 1.500 released, e 700 exported (both in the batch); f cancelled, g draft; h 4.000 paid
    20.01.2032 on the 2032 line."""
    found = await ledger()
    await order(found, "a", 100_000, P.PAID, date(YEAR, 7, 15), date(YEAR, 7, 20))
    await order(found, "b", 200_000, P.PAID, date(YEAR, 8, 15), date(YEAR, 8, 20))
    await order(found, "c", 50_000, P.PAID, date(YEAR, 8, 10), date(YEAR, 7, 20))
    await order(found, "d", 150_000, P.RELEASED, date(YEAR, 10, 15), batch=True)
    await order(
        found, "e", 70_000, P.EXPORTED, date(YEAR, 11, 15), batch=True, kind=PaymentKind.FINAL
    )
    await order(found, "f", 30_000, P.CANCELLED, date(YEAR, 9, 1))
    await order(found, "g", 40_000, P.DRAFT, date(YEAR, 9, 1))
    await order(found, "h", 400_000, P.PAID, date(YEAR + 1, 1, 15), date(YEAR + 1, 1, 20),
                line=found.line_next)  # fmt: skip
    return found


# -- the payment-order statement -------------------------------------------------------------


async def test_paid_before_counts_the_orders_paid_earlier_on_the_same_grant(world):
    rows = await rows_of(year())
    o = world.orders
    assert [r.id for r in rows] == [
        o["a"],
        o["b"],
        o["c"],
        o["d"],
        o["e"],
    ]  # no draft, no cancelled
    paid_before = {r.id: r.paid_before_cents for r in rows}
    assert paid_before == {
        o["a"]: 0,  # the first paid
        o["c"]: 100_000,  # same paid date as a, higher id: after it
        o["b"]: 150_000,  # a and c
        o["d"]: 750_000,  # not paid yet: everything paid so far, 2032 too
        o["e"]: 750_000,
    }
    (h,) = await rows_of(year(YEAR + 1))
    assert (h.id, h.paid_before_cents, h.fiscal_year, h.year_share_cents) == (
        o["h"],
        350_000,
        YEAR + 1,
        400_000,
    )


async def test_a_row_has_every_column_of_the_finance_export(world):
    rows = {r.id: r for r in await rows_of(year())}
    c = rows[world.orders["c"]]
    assert (c.fiscal_year, c.programme, c.file_number, c.decision_date) == (
        YEAR, "Testprogramm Statements", "TST-2031-0001", date(YEAR, 3, 11),  # 23:30 UTC is the 11th in Köln
    )  # fmt: skip
    assert (c.recipient, c.creditor_number, c.iban, c.bic, c.account_holder) == (
        "Testverein Köln & Partner <Ehrenfeld> e. V.", "40001234", "DE89370400440532013000", "COBADEFFXXX",
        "Testverein Köln",
    )  # fmt: skip
    assert (c.purpose, c.product, c.plan_line, c.account, c.cost_centre) == (
        "TST-2031-0001 Rate c", "0504", "15", "53180000", "1304TEST",
    )  # fmt: skip
    assert (c.approved_cents, c.year_share_cents, c.paid_before_cents, c.amount_cents) == (
        1_000_000, 600_000, 100_000, 50_000,
    )  # fmt: skip
    assert (c.due_date, c.kind, c.order_number) == (date(YEAR, 8, 10), "Rate", "")
    assert (c.certified_by, c.released_by) == ("Julia Prüferin", "Markus Freigeber")
    assert c.certified_at.astimezone(BERLIN).replace(tzinfo=None) == datetime(YEAR, 8, 10, 10, 5)
    assert (c.claim_cents, c.interest_cents, c.claim_due) == (None, None, None)
    values = payment_values(c)
    assert len(values) == len(PAYMENT_COLUMNS) == len(DOMAIN_COLUMNS)
    assert values[20:22] == (
        "Julia Prüferin, 10.08.2031 10:05",
        "Markus Freigeber, 10.08.2031 11:15",
    )
    e = rows[world.orders["e"]]
    assert (e.kind, e.order_number) == ("Schlusszahlung", "AO-2031-TEST-e")


async def test_selections_by_paid_date_by_batch_and_by_status(world):
    o = world.orders
    july = PaymentSelection(start=date(YEAR, 7, 1), end=date(YEAR, 7, 31), basis=DateBasis.PAID)
    assert [r.id for r in await rows_of(july)] == [o["a"], o["c"]]
    assert [r.id for r in await rows_of(year(basis=DateBasis.PAID))] == [o["a"], o["b"], o["c"]]
    batch = await statements.payment_statement(staff(), PaymentSelection(batch_id=world.batch))
    assert batch.batch_number == "AO-2031-TEST"
    assert "Exportlauf AO-2031-TEST" in batch.description
    assert [r.id for chunk in [c async for c in batch.chunks()] for r in chunk] == [o["d"], o["e"]]
    both = PaymentSelection(start=date(YEAR, 11, 1), end=date(YEAR, 11, 30), batch_id=world.batch)
    assert [r.id for r in await rows_of(both)] == [o["e"]]
    every = year(statuses=frozenset(P))
    assert {r.id for r in await rows_of(every)} == {o[k] for k in "abcdefg"}


async def test_a_bad_selection_is_refused_in_german(world):
    with pytest.raises(Invalid) as missing:
        await statements.payment_statement(staff(), PaymentSelection())
    assert missing.value.errors == {"von": "Bitte einen Zeitraum oder einen Exportlauf auswählen."}
    with pytest.raises(Invalid) as backwards:
        await statements.payment_statement(
            staff(), PaymentSelection(start=date(YEAR, 2, 1), end=date(YEAR, 1, 1))
        )
    assert backwards.value.errors == {"bis": "Das Ende des Zeitraums liegt vor seinem Beginn."}
    with pytest.raises(Invalid) as open_end:
        await statements.payment_statement(staff(), PaymentSelection(start=date(YEAR, 2, 1)))
    assert "bis" in open_end.value.errors
    with pytest.raises(NotFound):
        await statements.payment_statement(staff(), PaymentSelection(batch_id=world.batch + 1000))


async def test_refunds_are_rows_of_their_own_in_their_period(world):
    decided = datetime(YEAR, 10, 1, 9, tzinfo=UTC)
    repaid = datetime(YEAR, 12, 31, 23, 30, tzinfo=UTC)  # 01.01.2032 in Köln
    refund = await settlement(world, 123_456, 789, date(YEAR, 12, 1), decided, repaid)
    rows = await rows_of(year(refunds=True))
    assert [r.id for r in rows[:-1]] == [world.orders[k] for k in "abcde"]
    claim = rows[-1]
    assert (claim.id, claim.kind, claim.is_refund) == (refund, "Rückforderung", True)
    assert (claim.claim_cents, claim.interest_cents, claim.claim_due) == (
        123_456,
        789,
        date(YEAR, 12, 1),
    )
    assert (claim.amount_cents, claim.due_date, claim.order_number) == (None, None, "")
    assert (claim.paid_before_cents, claim.approved_cents, claim.year_share_cents) == (
        750_000,
        1_000_000,
        600_000,
    )
    assert claim.purpose == "TST-2031-0001 Rückforderung Zeitraum 07/2031-06/2032"
    assert (claim.certified_by, claim.released_at) == ("Julia Prüferin", decided)
    assert all(not r.is_refund for r in await rows_of(year()))  # only when asked for
    # repaid in Köln on 1 January 2032: in 2032's statement by paid date, not in 2031's
    assert [
        r.id for r in await rows_of(year(basis=DateBasis.PAID, refunds=True)) if r.is_refund
    ] == []
    repaid_rows = await rows_of(year(YEAR + 1, basis=DateBasis.PAID, refunds=True))
    assert [r.id for r in repaid_rows if r.is_refund] == [refund]


async def test_a_refund_not_yet_set_is_no_row(world):
    await settlement(world, 50_000, 0, date(YEAR, 12, 1), decided=None)
    assert all(not r.is_refund for r in await rows_of(year(refunds=True)))


async def test_the_workbook_has_the_columns_the_figures_and_the_sums(world):
    decided = datetime(YEAR, 10, 1, 9, tzinfo=UTC)
    await settlement(world, 123_456, 789, date(YEAR, 12, 1), decided)
    content = await payment_order_statement(staff(), year(refunds=True))
    sheet = load_workbook(io.BytesIO(content))["Auszahlungsanordnungen"]
    assert sheet["A1"].value == "Auszahlungsanordnungen"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value.startswith(
        "Fälligkeit 01.01.2031–31.12.2031 · Status: freigegeben, an Kasse übermittelt, ausgezahlt"
    )
    assert sheet["A3"].value.startswith("Erstellt am ")
    assert [c.value for c in sheet[5]] == DOMAIN_COLUMNS
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:Z11"  # header and six rows
    c = {h: cell for h, cell in zip(DOMAIN_COLUMNS, sheet[8], strict=True)}  # the third order: c
    assert (c["Haushaltsjahr"].value, c["Aktenzeichen"].value) == (YEAR, "TST-2031-0001")
    assert c["Bescheiddatum"].value == datetime(YEAR, 3, 11)
    assert c["Bescheiddatum"].number_format == DATE
    assert (c["bewilligt"].value, c["davon dieses Jahr"].value, c["bisher ausgezahlt"].value) == (
        10_000,
        6_000,
        1_000,
    )
    assert c["diese Zahlung"].value == 500
    assert c["diese Zahlung"].number_format == EUR
    assert c["Empfänger"].value == "Testverein Köln & Partner <Ehrenfeld> e. V."
    assert c["sachlich richtig (wer, wann)"].value == "Julia Prüferin, 10.08.2031 10:05"
    assert c["Forderung"].value is None
    refund = {h: cell for h, cell in zip(DOMAIN_COLUMNS, sheet[11], strict=True)}
    assert (refund["Zahlungsart"].value, refund["Forderung"].value, refund["Zinsen"].value) == (
        "Rückforderung",
        1234.56,
        7.89,
    )
    assert refund["Fälligkeit der Forderung"].value == datetime(YEAR, 12, 1)
    totals = [cell.value for cell in sheet[12]]
    assert totals[0] == "Summe"
    assert totals[17] == "=SUM(R6:R11)"
    assert totals[23] == "=SUM(X6:X11)"
    assert totals[24] == "=SUM(Y6:Y11)"
    assert totals[14] is None  # approved amounts repeat per order: no sum


@pytest.mark.office
async def test_libreoffice_sums_equal_the_database_to_the_cent(world):
    await settlement(world, 123_456, 789, date(YEAR, 12, 1), datetime(YEAR, 10, 1, tzinfo=UTC))
    table = calc_rows(await payment_order_statement(staff(), year(refunds=True)))
    assert table[4] == DOMAIN_COLUMNS
    totals = table[11]
    assert totals[0] == "Summe"
    paid = sum(r["amount_cents"] for r in await PaymentOrder.select(PaymentOrder.amount_cents).where(
        PaymentOrder.id.is_in([world.orders[k] for k in "abcde"])))  # fmt: skip
    assert Decimal(totals[17]) == Decimal(paid) / 100 == Decimal("5700")
    assert (Decimal(totals[23]), Decimal(totals[24])) == (Decimal("1234.56"), Decimal("7.89"))


async def test_user_text_never_becomes_a_formula(database):
    found = await ledger(EVIL)
    await order(found, "x", 12_345, P.RELEASED, date(YEAR, 5, 5), purpose="=1+1 Rate")
    sheet = load_workbook(io.BytesIO(await payment_order_statement(staff(), year())))[
        "Auszahlungsanordnungen"
    ]
    row = {h: cell for h, cell in zip(DOMAIN_COLUMNS, sheet[6], strict=True)}
    for header, text in (
        ("Empfänger", EVIL.replace("\x0b", "")),
        ("Verwendungszweck", "=1+1 Rate"),
    ):
        assert (row[header].value, row[header].data_type, row[header].quotePrefix) == (
            text,
            "s",
            True,
        )


async def test_the_export_batch_file(world):
    content = await workbooks.batch_statement(staff(), world.batch)
    assert content[:2] == b"PK"
    assert (
        load_workbook(
            io.BytesIO(
                await payment_order_statement(staff(), PaymentSelection(batch_id=world.batch))
            )
        ).active.max_row
        == 8
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "Auszahlungsanordnungen – Exportlauf AO-2031-TEST"
    assert [sheet.cell(r, 23).value for r in (6, 7)] == ["AO-2031-TEST-d", "AO-2031-TEST-e"]
    assert sheet.cell(8, 1).value == "Summe"
    assert workbooks.file_name(PaymentSelection(batch_id=world.batch), "AO-2031-TEST") == (
        "Auszahlungsanordnungen_AO-2031-TEST.xlsx"
    )


async def test_one_query_per_chunk_whatever_the_number_of_rows(world, queries):
    async def count(
        selection: PaymentSelection, chunk_size: int = statements.CHUNK
    ) -> tuple[int, int]:
        statement = await statements.payment_statement(staff(), selection, chunk_size=chunk_size)
        with queries() as counted:
            rows = [row async for chunk in statement.chunks() for row in chunk]
        return len(rows), counted.value

    assert await count(PaymentSelection(start=date(YEAR, 7, 1), end=date(YEAR, 7, 1))) == (0, 1)
    assert await count(PaymentSelection(start=date(YEAR, 7, 1), end=date(YEAR, 7, 31))) == (1, 1)
    assert await count(year(statuses=frozenset(P))) == (7, 1)
    assert await count(year(statuses=frozenset(P)), chunk_size=3) == (7, 3)  # 3 + 3 + 1
    assert await count(year(statuses=frozenset(P)), chunk_size=7) == (
        7,
        2,
    )  # a full page asks once more


# -- the statement against the demo data -----------------------------------------------------


async def expected_demo_rows(selection: PaymentSelection) -> list[tuple]:
    """The statement's rows computed another way: Piccolo's joins and Python."""
    o = PaymentOrder
    application, organisation = o.grant.application, o.grant.application.organisation
    found = await o.select(
        o.id, o.grant, o.status, o.amount_cents, o.paid_on, o.due_date, o.kind, o.purpose, o.order_number,
        o.certified_at, o.released_at, o.budget_line.fiscal_year.year.as_alias("fy"),
        o.budget_line.product, o.budget_line.plan_line, o.budget_line.account, o.budget_line.cost_centre,
        o.grant.current_decision.as_alias("decision"), o.grant.current_decision.approved_cents.as_alias("approved"),
        o.grant.current_decision.decided_at.as_alias("decided_at"), application.file_number.as_alias("file"),
        organisation.legal_name, organisation.creditor_number, organisation.iban, organisation.bic,
        organisation.account_holder, application.call.programme.name.as_alias("programme"),
        o.certified_by.display_name.as_alias("certifier"), o.released_by.display_name.as_alias("releaser"),
    ).order_by(o.id)  # fmt: skip
    shares = {(s["decision"], s["year"]): s["amount_cents"] for s in await FiscalYearShare.select()}
    paid = [r for r in found if r["status"] == P.PAID]

    def before(r: dict) -> int:
        if r["status"] != P.PAID or r["paid_on"] is None:
            return sum(
                p["amount_cents"] for p in paid if p["grant"] == r["grant"] and p["id"] != r["id"]
            )
        key = (r["paid_on"], r["id"])
        return sum(
            p["amount_cents"]
            for p in paid
            if p["grant"] == r["grant"] and (p["paid_on"], p["id"]) < key
        )

    def who(name: str | None, moment: datetime | None) -> str | None:
        return workbooks.who_when(name or "", moment)

    chosen = [r for r in found if r["status"] in selection.effective_statuses()
              and selection.start <= r["due_date"] <= selection.end]  # fmt: skip
    return [(
        r["fy"], r["programme"], r["file"], r["decided_at"].astimezone(BERLIN).date(),
        r["grant.application.organisation.legal_name"], r["grant.application.organisation.creditor_number"],
        r["grant.application.organisation.iban"], r["grant.application.organisation.bic"],
        r["grant.application.organisation.account_holder"], r["purpose"], r["budget_line.product"],
        r["budget_line.plan_line"], r["budget_line.account"], r["budget_line.cost_centre"], r["approved"],
        shares.get((r["decision"], r["fy"])), before(r), r["amount_cents"], r["due_date"], PaymentKind(r["kind"]).label,
        who(r["certifier"], r["certified_at"]), who(r["releaser"], r["released_at"]), r["order_number"] or "",
        None, None, None,
    ) for r in chosen]  # fmt: skip


async def test_the_demo_statement_equals_the_database(database, queries):
    await load_once()
    selection = year(2026)
    statement = await statements.payment_statement(staff(), selection)
    with queries() as counted:  # hundreds of orders: still one query
        found = [payment_values(row) async for chunk in statement.chunks() for row in chunk]
    assert counted.value == 1
    assert found == await expected_demo_rows(selection)
    assert len(found) > 50
    assert {row[19] for row in found} == {"Rate", "Abruf"}
    assert any(row[16] for row in found)
    assert any(not row[16] for row in found)


@pytest.mark.office
async def test_the_demo_statement_sums_in_libreoffice(database):
    await load_once()
    selection = year(2026, statuses=frozenset(P))
    expected = sum(r["amount_cents"] for r in await PaymentOrder.select(PaymentOrder.amount_cents).where(
        (PaymentOrder.due_date >= date(2026, 1, 1)) & (PaymentOrder.due_date <= date(2026, 12, 31))))  # fmt: skip
    table = calc_rows(await payment_order_statement(staff(Role.AUDITOR), selection))
    totals = next(row for row in table if row and row[0] == "Summe")
    assert Decimal(totals[17]) == Decimal(expected) / 100


# -- who may read them -----------------------------------------------------------------------


async def test_only_ki_staff_read_the_payment_orders_and_the_grant_list(world):
    for role in (Role.FINANCE, Role.ADMIN, Role.APPROVER, Role.REVIEWER, Role.AUDITOR):
        assert len(await rows_of(year(), staff(role))) == 5
        assert (await statements.grant_list(staff(role), YEAR)).year == YEAR
    member = Principal(id=1, display_name="m", email="m@x", roles=frozenset())
    with pytest.raises(Forbidden):
        await statements.payment_statement(member, year())
    with pytest.raises(Forbidden):
        await statements.grant_list(member, YEAR)


async def test_an_association_reads_its_own_account_statement_only(world):
    from grants.services.users import Affiliation

    own = Principal(id=1, display_name="m", email="m@x",
                    affiliations=(Affiliation(world.organisation, "Testverein", Role.MEMBER),))  # fmt: skip
    assert (
        await statements.account_statement(own, world.organisation)
    ).organisation_id == world.organisation
    other = (
        await Organisation.insert(Organisation(legal_name="Anderer Verein e. V.")).returning(
            Organisation.id
        )
    )[0]["id"]
    with pytest.raises(NotFound):
        await statements.account_statement(own, other)
    with pytest.raises(NotFound):
        await statements.account_statement(
            Principal(id=2, display_name="g", email="g@x"), world.organisation
        )
    with pytest.raises(NotFound):
        await statements.account_statement(staff(), other + 1000)


# -- the account statement -------------------------------------------------------------------


async def test_the_account_statement_has_each_grant_with_its_balance(world, queries):
    await settlement(
        world, 123_456, 789, date(YEAR + 1, 12, 1), datetime(YEAR + 1, 10, 1, tzinfo=UTC)
    )
    with queries() as counted:
        account = await statements.account_statement(staff(Role.AUDITOR), world.organisation)
    assert counted.value == 3
    (grant,) = account.grants
    assert (grant.file_number, grant.programme, grant.fiscal_year, grant.title) == (
        "TST-2031-0001", "Testprogramm Statements", YEAR, "Testvorhaben",
    )  # fmt: skip
    assert (grant.decision_date, grant.status) == (date(YEAR, 3, 11), GrantStatus.PAYING)
    assert (grant.approved_cents, grant.paid_cents, grant.refund_cents, grant.interest_cents) == (
        1_000_000, 750_000, 123_456, 789,
    )  # fmt: skip
    assert (grant.open_cents, grant.balance_cents) == (124_245, 750_000 - 124_245)
    assert [p.id for p in account.payments] == [
        world.orders[k] for k in "acbh"
    ]  # by paid date, then id
    sheet = load_workbook(io.BytesIO(workbooks.account_statement_workbook(account)))
    grants, payments = sheet["Zuwendungen"], sheet["Auszahlungen"]
    assert grants["A1"].value == "Kontoauszug – Testverein Köln & Partner <Ehrenfeld> e. V."
    assert [c.value for c in grants[6]][6:10] == [10_000, 7_500, 1234.56, 7.89]
    assert grants.cell(6, 14).value == 6257.55
    assert grants.cell(7, 14).value == "=SUM(N6:N6)"
    assert [payments.cell(r, 7).value for r in range(6, 10)] == [1_000, 500, 2_000, 4_000]
    assert payments.cell(10, 7).value == "=SUM(G6:G9)"


@pytest.mark.office
async def test_the_demo_account_statements_sum_to_the_database(database):
    await load_once()
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-member")
    ).organisation
    account = await statements.account_statement(staff(), organisation)
    table = calc_rows(workbooks.account_statement_workbook(account))
    header, totals = table[4], next(row for row in table if row and row[0] == "Summe")
    grants = await GrantAward.select(GrantAward.id).where(
        GrantAward.application.organisation == organisation
    )
    paid = sum(r["amount_cents"] for r in await PaymentOrder.select(PaymentOrder.amount_cents).where(
        PaymentOrder.grant.is_in([g["id"] for g in grants]) & (PaymentOrder.status == P.PAID)))  # fmt: skip
    assert len(account.grants) == len(grants) > 1
    assert Decimal(totals[header.index("ausgezahlt")]) == Decimal(paid) / 100
    assert Decimal(totals[header.index("Saldo")]) == Decimal(account.balance_cents) / 100
    assert (
        Decimal(totals[header.index("bewilligt")])
        == Decimal(sum(g.approved_cents for g in account.grants)) / 100
    )


# -- the list of grants ----------------------------------------------------------------------


async def test_the_grant_list_holds_the_grants_with_money_of_the_year(world):
    for y in (YEAR, YEAR + 1):  # the call's year and the year of the decision's second share
        found = await statements.grant_list(staff(), y)
        rows = [row async for chunk in found.chunks() for row in chunk]
        assert [r.id for r in rows] == [world.grant]
    (row,) = rows
    assert (row.file_number, row.organisation, row.centre, row.district, row.programme, row.title) == (
        "TST-2031-0001", "Testverein Köln & Partner <Ehrenfeld> e. V.", "", "Ehrenfeld", "Testprogramm Statements",
        "Testvorhaben",
    )  # fmt: skip
    assert (row.decision_date, row.financing_type, row.approved_cents, row.paid_cents, row.status) == (
        date(YEAR, 3, 11), "Fehlbedarfsfinanzierung", 1_000_000, 750_000, "Auszahlungen",
    )  # fmt: skip
    with pytest.raises(Invalid):
        await statements.grant_list(staff(), 1800)


@pytest.mark.office
async def test_the_demo_grant_list_sums_to_the_database(database, tmp_path):
    await load_once()
    target = tmp_path / "liste.xlsx"
    found = await workbooks.write_grant_list(staff(Role.REVIEWER), 2025, target)
    grants = await GrantAward.select(GrantAward.id, GrantAward.current_decision.approved_cents.as_alias("approved")).where(
        GrantAward.application.call.fiscal_year.year == 2025)  # fmt: skip
    paid = sum(r["amount_cents"] for r in await PaymentOrder.select(PaymentOrder.amount_cents).where(
        PaymentOrder.grant.is_in([g["id"] for g in grants]) & (PaymentOrder.status == P.PAID)))  # fmt: skip
    table = calc_rows(target.read_bytes())
    assert table[0][0] == f"Förderliste {found.year}"
    header, totals = table[4], table[5 + len(grants)]
    assert totals[0] == "Summe"
    assert (
        Decimal(totals[header.index("bewilligt")])
        == Decimal(sum(g["approved"] for g in grants)) / 100
    )
    assert Decimal(totals[header.index("ausgezahlt")]) == Decimal(paid) / 100
