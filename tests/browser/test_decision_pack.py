"""The Leitung opens the decision pack (Beschlussvorlage) of a demo call in Chromium: from the
queue filtered by the call, with its table, sums, downloads and the committee's form, checked
with axe-core, also at 320 px."""

import pytest

from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

CALL = "Interkulturelle Zentren 2027"  # demo: applications ready for decision, none decided


async def test_the_approver_opens_the_pack_of_a_demo_call(page):
    await log_in(page, "approver")
    await page.goto("/pruefung")
    await page.get_by_label("Förderaufruf").select_option(label=CALL)
    await page.get_by_role("button", name="Anzeigen").click()
    await page.wait_for_load_state()
    await page.get_by_role(
        "link", name="Beschlussvorlage für den Integrationsrat zu diesem Förderaufruf"
    ).click()
    await page.wait_for_load_state()
    assert (
        await page.locator("h1").inner_text() == f"Beschlussvorlage für den Integrationsrat: {CALL}"
    )
    assert await page.locator("tbody tr").count() >= 3
    assert "Summe" in await page.locator("tfoot").inner_text()
    assert "verbleibt nach den Vorschlägen" in await page.locator("dl.facts").inner_text()
    assert await page.get_by_role("radio", name="zurückstellen").count() >= 3
    await assert_accessible(page)

    for name, media_type in (
        ("Word-Dokument", "wordprocessingml"),
        ("Excel-Tabelle", "spreadsheetml"),
    ):
        href = await page.get_by_role(
            "link", name=f"Beschlussvorlage als {name} herunterladen"
        ).get_attribute("href")
        answer = await page.request.get(href)
        assert answer.status == 200
        assert media_type in answer.headers["content-type"]
        assert answer.headers["content-disposition"].startswith("attachment;")

    await page.set_viewport_size({"width": 320, "height": 640})
    await page.reload()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await assert_accessible(page)
