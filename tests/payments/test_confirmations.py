"""Payment confirmations of the cash office: every row checked, all or nothing, never twice."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from grants import clock
from grants.errors import Forbidden
from grants.money import Money
from grants.services import confirmations, payments
from grants.tables import AuditEvent, PaymentOrder
from grants.workflow import PaymentOrderStatus
from tests.payments.conftest import Granted, persona

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
P = PaymentOrderStatus
HEADER = "Anordnungs-Nr.;Verwendungszweck;Betrag;Datum;Kassenzeichen"


async def noop_statement(batch_id: int) -> bytes:
    return b"xlsx"


async def exported(granted: Granted, count: int = 2) -> list[PaymentOrder]:
    """Instalments 1…count ordered by a reviewer, released and exported by finance."""
    reviewer, finance = await persona("reviewer"), await persona("finance")
    ids = [
        await payments.prepare_instalment(reviewer, granted.grant_id, n)
        for n in range(1, count + 1)
    ]
    for order_id in ids:
        await payments.release(finance, order_id, 1)
    await payments.export_released(finance, f"stapel-{granted.grant_id}", noop_statement)
    return [await PaymentOrder.objects().get(PaymentOrder.id == i) for i in ids]


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8-sig")


def line(
    order: PaymentOrder,
    amount: str | None = None,
    day: str = "02.01.2026",
    reference: str = "5400.1",
) -> str:
    return f"{order.order_number};;{amount or Money(order.amount_cents).format_plain()};{day};{reference}"


async def test_a_correct_file_pays_every_order_and_the_same_file_again_changes_nothing(granted):
    finance = await persona("finance")
    first, second = await exported(granted)
    content = csv_file(line(first, reference="5400.0001"), line(second, reference="5400.0002"))

    result = await confirmations.apply(finance, "kasse.csv", content)
    assert (result.payments, result.total) == (2, Money(first.amount_cents + second.amount_cents))
    paid = await PaymentOrder.select(PaymentOrder.status, PaymentOrder.paid_on, PaymentOrder.cash_reference).where(
        PaymentOrder.id.is_in([first.id, second.id])).order_by(PaymentOrder.id)  # fmt: skip
    assert paid == [{"status": P.PAID, "paid_on": date(2026, 1, 2), "cash_reference": "5400.0001"},
                    {"status": P.PAID, "paid_on": date(2026, 1, 2), "cash_reference": "5400.0002"}]  # fmt: skip

    with pytest.raises(confirmations.ImportRejected) as again:
        await confirmations.apply(finance, "kasse.csv", content)
    assert again.value.errors == [
        f"Zeile 2: Anordnung {first.order_number} ist bereits am 02.01.2026 als ausgezahlt verbucht (Kassenzeichen 5400.0001).",
        f"Zeile 3: Anordnung {second.order_number} ist bereits am 02.01.2026 als ausgezahlt verbucht (Kassenzeichen 5400.0002).",
    ]  # fmt: skip
    assert await AuditEvent.count().where(AuditEvent.action == "payment_order.paid") == 2
    assert await AuditEvent.count().where(AuditEvent.action == "payments.imported") == 1


async def test_one_bad_row_rejects_the_whole_file_with_every_problem_listed(granted):
    finance = await persona("finance")
    first, second, third = await exported(granted, 3)
    certified = await PaymentOrder.objects().get(PaymentOrder.id == (
        await payments.prepare_instalment(await persona("reviewer"), granted.grant_id, 4)))  # fmt: skip
    tomorrow = f"{clock.today() + timedelta(days=1):%d.%m.%Y}"
    content = csv_file(
        line(first),  # right, yet not applied
        line(second, amount="1,00"),
        "AO-1999-0001-001;;10,00;02.01.2026;5400.9",
        line(first, reference="5400.2"),
        f";{certified.purpose};{Money(certified.amount_cents).format_plain()};02.01.2026;5400.3",
        line(third, day=tomorrow),
    )
    with pytest.raises(confirmations.ImportRejected) as rejected:
        await confirmations.apply(finance, "kasse.csv", content)
    assert rejected.value.errors == [
        f"Zeile 3: Der Betrag 1,00\u00a0€ weicht von der Anordnung {second.order_number} "
        f"({Money(second.amount_cents).format()}) ab.",
        "Zeile 4: Anordnung AO-1999-0001-001 ist unbekannt.",
        f"Zeile 5: Anordnung {first.order_number} steht bereits in Zeile 2.",
        f"Zeile 6: Anordnung „{certified.purpose}“ wurde noch nicht an die Kasse übermittelt "
        "(Status „sachlich richtig“).",
        f"Zeile 7: Das Zahlungsdatum {tomorrow} liegt in der Zukunft.",
    ]  # fmt: skip
    statuses = {o["id"]: o["status"] for o in await PaymentOrder.select(PaymentOrder.id, PaymentOrder.status).where(
        PaymentOrder.id.is_in([first.id, second.id, third.id, certified.id]))}  # fmt: skip
    assert statuses == {
        first.id: P.EXPORTED,
        second.id: P.EXPORTED,
        third.id: P.EXPORTED,
        certified.id: P.CERTIFIED,
    }


def test_rows_that_cannot_be_read_are_named_before_anything_is_looked_up():
    content = csv_file(
        "AO-1;;zehn Euro;02.01.2026;5400.1",
        "AO-2;;10,00;32.13.2026;5400.2",
        "AO-3;;10,00;02.01.2026;",
        ";;10,00;02.01.2026;5400.4",
        ";;;;",  # blank rows are skipped
    )
    with pytest.raises(confirmations.ImportRejected) as rejected:
        confirmations.read("kasse.csv", content)
    assert rejected.value.errors == [
        "Zeile 2: Betrag „zehn Euro“: „zehn Euro“ ist kein Betrag. Bitte so eingeben: 1.234,56",
        "Zeile 3: Datum „32.13.2026“ ist kein Datum (TT.MM.JJJJ).",
        "Zeile 4: Kassenzeichen fehlt.",
        "Zeile 5: Anordnungs-Nr. oder Verwendungszweck fehlt.",
    ]
    for name, data, message in (
        ("kasse.pdf", b"%PDF", "Bitte eine CSV- oder Excel-Datei"),
        ("kasse.csv", b"", "Die Datei ist leer."),
        ("kasse.csv", b"Betrag;Datum\n1;2", "Spalte fehlt: Anordnungs-Nr. oder Verwendungszweck, Kassenzeichen"),
        ("kasse.xlsx", b"PK\x03\x04kaputt", "Die Excel-Datei lässt sich nicht lesen."),
    ):  # fmt: skip
        with pytest.raises(confirmations.ImportRejected) as rejected:
            confirmations.read(name, data)
        assert rejected.value.errors[0].startswith(message), rejected.value.errors


async def test_an_excel_file_with_numbers_and_dates_is_read_exactly(granted):
    finance = await persona("finance")
    [order] = await exported(granted, 1)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Kassenzeichen", "Anordnungsnummer", "Betrag (EUR)", "Buchungsdatum"])
    sheet.append(["5400.7777", order.order_number, order.amount_cents / 100, date(2026, 1, 5)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(Forbidden):
        await confirmations.apply(await persona("reviewer"), "kasse.xlsx", buffer.getvalue())
    result = await confirmations.apply(finance, "kasse.xlsx", buffer.getvalue())
    assert result.total == Money(order.amount_cents)
    paid = await PaymentOrder.objects().get(PaymentOrder.id == order.id)
    assert (paid.status, paid.paid_on, paid.cash_reference) == (
        P.PAID,
        date(2026, 1, 5),
        "5400.7777",
    )
