"""An amendment in Chromium, checked with axe-core: a member sees who may ask for one; the
signatory asks, and the request with its changes stands in the Verlauf; the reviewer sees each
changed line with its old and new amount (also at 320 px) and recommends, the approver decides."""

import re

import pytest

from tests.browser.conftest import accessible_at_1280_and_320, assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def open_approved_grant(page) -> None:
    await page.goto("/antraege")
    await page.get_by_role("link", name=re.compile(r"^Arbeit des .* 2026$")).first.click()
    await page.wait_for_load_state()


async def test_who_may_ask_and_the_request_in_the_verlauf(page):
    await log_in(page, "member")
    await open_approved_grant(page)
    changes = page.get_by_role("region", name="Änderungen")
    assert (
        "Eine Änderung beantragen darf nur eine vertretungsberechtigte Person Ihrer Organisation: Mehmet Kaya"
        in (await changes.inner_text())
    )
    assert await changes.get_by_role("link", name="Änderung beantragen").count() == 0
    await assert_accessible(page)

    await log_in(page, "signatory")
    await open_approved_grant(page)
    await page.get_by_role("link", name="Änderung beantragen").click()
    await page.get_by_label("Lehr- und Verbrauchsmaterial").fill("1.234,00")
    await page.get_by_label("Begründung").fill("Mehr Material für die Kurse.")
    await page.get_by_role("button", name="Änderung beantragen").click()
    await page.wait_for_load_state()
    assert "Der Änderungsantrag ist beim Kommunalen Integrationszentrum eingegangen." in (
        await page.get_by_role("status").first.inner_text()
    )
    history = page.get_by_role("region", name="Verlauf")
    text = await history.inner_text()
    assert "Änderungsantrag gestellt, von Mehmet Kaya" in text
    assert "Mehr Material für die Kurse." in text
    table = history.get_by_role("table", name="Geänderte Ausgaben")
    assert "1.234,00\xa0€" in await table.inner_text()
    await assert_accessible(page)

    application = re.search(r"/antraege/(\d+)", page.url).group(1)
    await log_in(page, "reviewer")
    await page.goto(f"/pruefung/antraege/{application}")
    requests = page.get_by_role("region", name="Änderungsanträge")
    assert "(in Prüfung)" in await requests.inner_text()  # a German label, no status code
    changed = await requests.get_by_role("table", name="Geänderte Ausgaben").inner_text()
    assert "Lehr- und Verbrauchsmaterial" in changed
    assert "1.234,00\xa0€" in changed
    await accessible_at_1280_and_320(page)
    await requests.get_by_label("Empfehlung der Sachbearbeitung").fill("Bewilligen.")
    await requests.get_by_role("button", name="Empfehlung speichern").click()
    await page.wait_for_load_state()

    await log_in(page, "approver")
    await page.goto(f"/pruefung/antraege/{application}")
    requests = page.get_by_role("region", name="Änderungsanträge")
    await requests.get_by_label("bewilligen (Änderungsbescheid)").check()
    await requests.get_by_label("Begründung").fill("Wie empfohlen.")
    await requests.get_by_role("button", name="Entscheiden").click()
    await page.wait_for_load_state()
    assert (
        "(bewilligt)"
        in (await page.get_by_role("region", name="Änderungsanträge").inner_text()).lower()
    )
    await assert_accessible(page)
