"""The settlement page and the finance receivables through HTTP: the computation on screen, four
eyes, settle → hearing → refund decision (real Word letters) → receivable → repayment."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document as WordDocument

from grants import clock, financing
from grants.demo.seed import load_once
from grants.money import Money
from grants.services import base_rates, payments, settlements, usage_reports
from grants.tables import Document, GrantAward, PaymentOrder, Settlement
from grants.workflow import GrantStatus, PaymentOrderStatus
from tests.support.login import csrf_post, sign_in
from tests.support.principals import principal
from tests.usage_reports.settling import in_review, render

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def grant_id(database) -> int:
    await load_once()
    return await in_review()


async def letter_text(client, kind: str) -> str:
    """The text (paragraphs and table cells) of the newest letter of ``kind``, downloaded."""
    newest = await Document.select(Document.id).where(Document.kind == kind).order_by(
        Document.id, ascending=False).first()  # fmt: skip
    answer = await client.get(f"/dokumente/{newest['id']}")
    assert answer.status_code == 200
    word = WordDocument(io.BytesIO(answer.content))
    cells = (cell.text for table in word.tables for row in table.rows for cell in row.cells)
    return re.sub(r"\s+", " ", "\n".join([*(p.text for p in word.paragraphs), *cells]))


def page(grant_id: int, step: str = "") -> str:
    return f"/pruefung/nachweise/{grant_id}/abrechnung{step}"


async def version(grant_id: int) -> str:
    row = await GrantAward.select(GrantAward.version).where(GrantAward.id == grant_id).first()
    return str(row["version"])


async def test_the_computation_is_on_screen_and_the_recogniser_gets_no_form(client, grant_id):
    await sign_in(client, "reviewer")
    answer = await client.get(page(grant_id))
    assert answer.status_code == 200
    text = re.sub(r"\s+", " ", answer.text)  # amounts keep their € with a no-break space
    assert (
        "min(Z, max(0, A′ − D′)) = min(32.000,00 €, max(0, 47.000,00 € − 19.500,00 €)) = 27.500,00 €"
        in text
    )
    assert "4.500,00 €" in text  # the refund
    assert "Vier-Augen-Prinzip" in text
    assert 'action="' + page(grant_id) + '"' not in text


async def test_the_association_and_guests_do_not_see_the_page(client, grant_id):
    await sign_in(client, "signatory")
    assert (await client.get(page(grant_id))).status_code in (403, 404)


async def test_settle_hearing_refund_and_repayment_through_the_pages(client, grant_id):
    await sign_in(client, "reviewer2")
    stale = await csrf_post(client, page(grant_id), {"version": "0", "interest_from": "01.01.2026"})
    assert stale.status_code == 409
    bad = await csrf_post(
        client, page(grant_id), {"version": await version(grant_id), "interest_from": "31.02.2026"}
    )
    assert bad.status_code == 400
    assert 'value="31.02.2026"' in bad.text  # what was typed is kept
    done = await csrf_post(
        client, page(grant_id), {"version": await version(grant_id), "interest_from": "01.01.2026"}
    )
    assert done.status_code == 303, done.text
    settled = await client.get(page(grant_id))
    assert "Abgerechnet am" in settled.text
    assert "27.500,00" in await letter_text(client, "audit_memo")
    heard = await csrf_post(
        client, page(grant_id, "/anhoerung"), {"version": await version(grant_id)}
    )
    assert heard.status_code == 303, heard.text
    client.cookies.clear()
    await sign_in(client, "approver")
    decided = await csrf_post(client, page(grant_id, "/rueckforderung"),
                              {"version": await version(grant_id), "answered": "true"})  # fmt: skip
    assert decided.status_code == 303, decided.text
    row = await Settlement.select().where(Settlement.grant == grant_id).first()
    refund_letter = await letter_text(client, "refund_letter")
    assert "4.500,00" in refund_letter
    assert Money(row["interest_cents"]).format().split("\xa0")[0] in refund_letter
    assert "Verwaltungsgericht Köln" in refund_letter
    client.cookies.clear()
    await sign_in(client, "finance")
    listing = await client.get("/finanzen/forderungen")
    assert listing.status_code == 200
    assert f"/pruefung/nachweise/{grant_id}/abrechnung" in listing.text
    # the list shows the claim as of today: the refund bears interest until it is repaid
    de_minimis, margin = settlements.refund_terms()
    today = clock.today()
    interest = financing.interest(Money(row["refund_cents"]), row["interest_from"], max(row["interest_from"], today),
                                  await base_rates.all_rates(), margin, de_minimis)  # fmt: skip
    claim = row["refund_cents"] + interest.cents + row["late_use_interest_cents"]
    shown = f"{claim // 100:,}".replace(",", ".") + f",{claim % 100:02d}"
    assert shown in re.sub(r"\s+", " ", listing.text)
    wrong = await csrf_post(client, f"/finanzen/forderungen/{grant_id}/zahlungseingang",
                            {"version": await version(grant_id), "amount": "100,00", "paid_on": "01.12.2026",
                             "cash_reference": "5400.77"})  # fmt: skip
    assert wrong.status_code == 400
    assert "Teilzahlungen" in wrong.text
    paid = await csrf_post(client, f"/finanzen/forderungen/{grant_id}/zahlungseingang",
                           {"version": await version(grant_id), "amount": shown, "paid_on": f"{today:%d.%m.%Y}",
                            "cash_reference": "5400.77"})  # fmt: skip
    assert paid.status_code == 303, paid.text
    status = await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first()
    assert status["status"] == GrantStatus.REFUNDED
    assert (
        f"/pruefung/nachweise/{grant_id}/abrechnung"
        not in (await client.get("/finanzen/forderungen")).text
    )


async def test_receivables_are_for_finance_and_the_ki(client, grant_id):
    await sign_in(client, "member")
    assert (await client.get("/finanzen/forderungen")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "finance")
    answer = await client.get("/finanzen/forderungen")
    assert answer.status_code == 200
    assert re.search(r'aria-label="Tabelle: Offene Forderungen"', answer.text)


async def test_the_nachzahlung_waits_on_the_payments_page_to_be_certified(client, database):
    await load_once()
    grant_id = await in_review(paid=2_400_000)
    await sign_in(client, "approver")
    done = await csrf_post(client, page(grant_id), {"version": await version(grant_id)})
    assert done.status_code == 303, done.text
    row = await Settlement.select(Settlement.subsequent_order, Settlement.subsequent_cents).where(
        Settlement.grant == grant_id).first()  # fmt: skip
    assert row["subsequent_cents"] == 350_000
    client.cookies.clear()
    await sign_in(client, "reviewer")
    payments_page = await client.get(f"/zuwendungen/{grant_id}/zahlungen")
    assert f"/zuwendungen/{grant_id}/anordnungen/{row['subsequent_order']}/" in payments_page.text
    assert "Nachzahlung" in payments_page.text


async def test_the_receivables_page_costs_the_same_for_none_and_many(client, grant_id, queries):
    await sign_in(client, "finance")

    async def shown() -> tuple[int, int]:
        await client.get("/finanzen/forderungen")
        with queries() as ran:
            answer = await client.get("/finanzen/forderungen")
        assert answer.status_code == 200
        return ran.value, answer.text.count("Eingang verbuchen")

    many = await shown()
    assert many[1] >= 5  # the demo's refunds decided and not yet repaid
    await Settlement.update({Settlement.repaid_at: Settlement.created_at}).where(
        Settlement.repaid_at.is_null()
    )
    none = await shown()
    assert (none[1], none[0]) == (0, many[0])


@pytest.mark.parametrize("status", [GrantStatus.REPORT_SUBMITTED, GrantStatus.SETTLED, GrantStatus.HEARING,
                                    GrantStatus.REFUND_SET, GrantStatus.REFUNDED, GrantStatus.CLOSED])  # fmt: skip
async def test_the_page_shows_every_state_of_the_demo(client, database, status):
    await load_once()
    grant = await GrantAward.select(GrantAward.id).where(GrantAward.status == status).first()
    await sign_in(client, "approver")
    answer = await client.get(page(grant["id"]))
    assert answer.status_code == 200, answer.text[:300]
    assert status.label in answer.text
    if status is GrantStatus.HEARING:
        assert "Rückforderungsbescheid erlassen" in answer.text
    if status is GrantStatus.REPORT_SUBMITTED:
        assert "Berechnung aus den anerkannten Beträgen" in answer.text
    else:
        assert "Abgerechnet am" in answer.text


async def test_a_cancelled_subsequent_payment_is_ordered_anew_from_the_page(client, database):
    await load_once()
    grant_id = await in_review(paid=2_400_000)
    approver = await principal("approver")
    grant = await usage_reports.get(approver, grant_id)
    data = settlements.SettleInput(None, None, "")
    settlement_id = await settlements.settle(approver, grant, grant.grant_version, data, render)
    row = await Settlement.select().where(Settlement.id == settlement_id).first()
    order = await PaymentOrder.select(PaymentOrder.version).where(
        PaymentOrder.id == row["subsequent_order"]
    ).first()  # fmt: skip
    await sign_in(client, "reviewer2")
    assert "Nachzahlung neu anordnen" not in (await client.get(page(grant_id))).text
    await payments.cancel(
        await principal("reviewer2"), row["subsequent_order"], order["version"], "Doppelt"
    )
    shown = await client.get(page(grant_id))
    assert "Nachzahlung neu anordnen" in shown.text
    stale = await csrf_post(client, page(grant_id, "/nachzahlung"), {"version": "0"})
    assert stale.status_code == 409
    done = await csrf_post(client, page(grant_id, "/nachzahlung"), {"version": str(row["version"])})
    assert done.status_code == 303, done.text
    again = await Settlement.select().where(Settlement.id == settlement_id).first()
    new = await PaymentOrder.select(PaymentOrder.status, PaymentOrder.amount_cents).where(
        PaymentOrder.id == again["subsequent_order"]
    ).first()  # fmt: skip
    assert again["subsequent_order"] != row["subsequent_order"]
    assert (new["status"], new["amount_cents"]) == (PaymentOrderStatus.DRAFT, 350_000)
    assert "Nachzahlung neu anordnen" not in (await client.get(page(grant_id))).text
