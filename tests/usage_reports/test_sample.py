"""The sample of receipts: drawn once, reproducible from its seed, uploaded by the association
and seen by the reviewer."""

from __future__ import annotations

import re

import pytest

from grants import sampling
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services import report_reviews, usage_reports
from grants.tables import Attachment, AuditEvent, GrantAward, Notification, Receipt, UsageReport
from grants.vocabulary import PlanLineKind
from grants.workflow import GrantStatus
from tests.support.login import csrf_post, sign_in
from tests.support.principals import principal
from tests.usage_reports.test_review import started

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _items(report_id: int) -> list[sampling.SampleItem]:
    rows = await Receipt.select(Receipt.number, Receipt.amount_cents).where(
        (Receipt.usage_report == report_id) & (Receipt.kind == PlanLineKind.EXPENSE)).order_by(Receipt.number)  # fmt: skip
    return [sampling.SampleItem(r["number"], Money(r["amount_cents"])) for r in rows]


async def test_the_sample_is_recorded_marked_and_the_same_for_the_same_seed(database):
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.report is not None
    mails = await Notification.count()
    drawn = await report_reviews.draw_sample(
        reviewer, grant, grant.report.version, 3, Money.parse("1.000")
    )
    expected = sampling.draw(
        await _items(grant.report.id), seed=drawn.seed, size=3, threshold=Money.parse("1.000")
    )
    assert drawn.numbers == expected.numbers
    assert len(drawn.numbers) >= 3
    again = await usage_reports.get(reviewer, grant.grant_id)
    assert again.report is not None
    stored = again.report.sample
    assert stored["seed"] == drawn.seed
    assert stored["numbers"] == list(expected.numbers)
    assert (stored["size"], stored["threshold_cents"], stored["method"]) == (
        3,
        100000,
        expected.method,
    )
    assert (stored["drawn_by"], stored["drawn_by_name"]) == (reviewer.id, reviewer.display_name)
    marked = await Receipt.select(Receipt.number).where(
        (Receipt.usage_report == grant.report.id) & (Receipt.sampled == True)).order_by(Receipt.number)  # noqa: E712  # fmt: skip
    assert [r["number"] for r in marked] == list(drawn.numbers)
    event = await AuditEvent.select(AuditEvent.action, AuditEvent.data).where(
        AuditEvent.entity_id == grant.grant_id).order_by(AuditEvent.id, ascending=False).output(load_json=True).first()  # fmt: skip
    assert event["action"] == "usage_report.sample_drawn"
    assert (event["data"]["seed"], event["data"]["method"]) == (drawn.seed, expected.method)
    assert await Notification.count() == mails + 1
    with pytest.raises(Conflict):  # drawn once: not drawn again until a sample suits
        await report_reviews.draw_sample(
            reviewer, again, again.report.version, 3, Money.parse("1.000")
        )


async def test_the_same_seed_draws_the_same_sample_through_the_service(database):
    """Two draws with one seed on the same report (the first rolled back) give the same numbers."""
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.report is not None
    found = []
    for _ in range(2):
        savepoint = await database.savepoint()
        drawn = await report_reviews.draw_sample(
            reviewer, grant, grant.report.version, 4, Money(0), seed=20261208
        )
        found.append(drawn.numbers)
        await savepoint.rollback_to()
    assert found[0] == found[1]
    assert len(found[0]) == 4


async def test_bad_sample_parameters_are_refused(database):
    grant = await started()
    assert grant.report is not None
    with pytest.raises(Invalid) as refused:
        await report_reviews.draw_sample(
            await principal("reviewer"), grant, grant.report.version, -1, Money(-1)
        )
    assert set(refused.value.errors) == {"size", "threshold"}
    with pytest.raises(Forbidden):
        await report_reviews.draw_sample(
            await principal("reviewer2"), grant, grant.report.version, 3, Money(0)
        )


async def test_a_simplified_report_has_no_sample(database):
    grant = await started()
    assert grant.report is not None
    await UsageReport.update({UsageReport.simplified: True}).where(
        UsageReport.id == grant.report.id
    )
    grant = await usage_reports.get(await principal("reviewer"), grant.grant_id)
    with pytest.raises(Conflict):
        await report_reviews.draw_sample(
            await principal("reviewer"), grant, grant.report.version, 3, Money(0)
        )  # type: ignore[union-attr]


async def _drawn_for_the_demo_association() -> tuple[int, list[int]]:
    """A submitted report of the demo association, taken up and sampled (through the services)."""
    member = await principal("member")
    rows = await GrantAward.select(GrantAward.id).where(
        (GrantAward.status == GrantStatus.REPORT_SUBMITTED)
        & GrantAward.application.organisation.is_in(list(member.organisation_ids))).order_by(GrantAward.id)  # fmt: skip
    assert rows, "the demo association needs a submitted usage report"
    grant_id = rows[0]["id"]
    reviewer = await principal("reviewer")
    grant = await usage_reports.get(reviewer, grant_id)
    assert grant.report is not None
    await report_reviews.start_review(reviewer, grant, grant.report.version)
    grant = await usage_reports.get(reviewer, grant_id)
    assert grant.report is not None
    drawn = await report_reviews.draw_sample(reviewer, grant, grant.report.version, 2, Money(0))
    ids = await Receipt.select(Receipt.id).where(
        (Receipt.usage_report == grant.report.id) & Receipt.number.is_in(list(drawn.numbers))).order_by(Receipt.number)  # fmt: skip
    return grant_id, [r["id"] for r in ids]


async def test_the_association_uploads_a_sampled_receipt_and_the_reviewer_sees_it(client, database):
    grant_id, receipts = await _drawn_for_the_demo_association()
    member = await principal("member")
    grant = await usage_reports.get(member, grant_id)
    assert grant.report is not None
    await sign_in(client, "member")
    page = await client.get(f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe")
    assert page.status_code == 200
    assert f'name="receipt" value="{receipts[0]}"' in page.text
    token = client.cookies["csrftoken"]
    bad = await client.post(f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe",
                            data={"receipt": str(receipts[0]), "_csrf_token": token},
                            files={f"file-{receipts[0]}": ("beleg.pdf", b"not a pdf", "application/pdf")})  # fmt: skip
    assert bad.status_code == 400
    assert "passt nicht" in bad.text
    mails = await Notification.count()
    done = await client.post(f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe",
                             data={"receipt": str(receipts[0]), "_csrf_token": token},
                             files={f"file-{receipts[0]}": ("beleg.pdf", PDF, "application/pdf")})  # fmt: skip
    assert done.status_code == 303
    stored = await Attachment.select().where(Attachment.receipt == receipts[0]).first()
    mail = await Notification.select().order_by(Notification.id, ascending=False).first()
    assert await Notification.count() == mails + 1
    assert mail["recipient"] == (await principal("reviewer")).email
    assert (stored["usage_report"], stored["filename"], stored["organisation"]) == (
        grant.report.id, "beleg.pdf", grant.organisation_id)  # fmt: skip
    download = await client.get(
        f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe/{stored['id']}"
    )
    assert download.status_code == 200
    assert download.content == PDF
    # a receipt not in the sample takes no upload
    other = await Receipt.select(Receipt.id).where(
        (Receipt.usage_report == grant.report.id) & (Receipt.sampled == False)).first()  # noqa: E712  # fmt: skip
    with pytest.raises(NotFound):
        await report_reviews.upload_copy(member, grant, other["id"], "x.pdf", PDF)
    # the reviewer sees the copy on the workspace and downloads it
    client.cookies.clear()
    await sign_in(client, "reviewer")
    workspace = await client.get(f"/pruefung/nachweise/{grant_id}")
    link = f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe/{stored['id']}"
    assert link in workspace.text
    assert "noch nicht hochgeladen" in workspace.text  # the second receipt
    assert (await client.get(link)).content == PDF


async def test_the_reviewer_draws_through_the_workspace(client, database):
    grant = await started()
    await sign_in(client, "reviewer")
    page = await client.get(f"/pruefung/nachweise/{grant.grant_id}")
    version = re.search(r'stichprobe".*?name="version" value="(\d+)"', page.text, re.S).group(1)  # type: ignore[union-attr]
    refused = await csrf_post(client, f"/pruefung/nachweise/{grant.grant_id}/stichprobe",
                              {"version": version, "size": "drei", "threshold": "1.000,00"})  # fmt: skip
    assert refused.status_code == 400
    assert 'value="drei"' in refused.text
    drawn = await csrf_post(client, f"/pruefung/nachweise/{grant.grant_id}/stichprobe",
                            {"version": version, "size": "2", "threshold": "1.000,00"})  # fmt: skip
    assert drawn.status_code == 303
    page = await client.get(f"/pruefung/nachweise/{grant.grant_id}")
    assert "Belege der Stichprobe" in page.text
    assert "Stichprobe ziehen" not in page.text


async def test_an_association_cannot_see_another_organisations_review_pages(client, database):
    member = await principal("member")
    other = await GrantAward.select(GrantAward.id).where(
        (GrantAward.status == GrantStatus.REPORT_SUBMITTED)
        & GrantAward.application.organisation.not_in(list(member.organisation_ids))).first()  # fmt: skip
    await sign_in(client, "member")
    assert (
        await client.get(f"/zuwendungen/{other['id']}/verwendungsnachweis/stichprobe")
    ).status_code == 404
    assert (await client.get(f"/pruefung/nachweise/{other['id']}")).status_code == 403
