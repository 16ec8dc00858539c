"""The pages that compare many amounts side by side — the decision pack and the budget — show
their whole table at 1280 px and reflow at 320 px (the table scrolls within itself there)."""

import pytest

from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

FITS = "[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)"


async def test_the_pack_and_the_budget_fit_1280_px_and_reflow_at_320_px(page):
    await log_in(page, "approver")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto("/pruefung/beschlussvorlagen")
    await page.get_by_role("link", name="Interkulturelle Zentren 2026").click()
    await page.wait_for_load_state()
    assert await page.locator("tbody tr").count() >= 20
    for path in (page.url, "/haushalt?jahr=2026"):
        await page.goto(path)
        assert await page.evaluate(FITS), path
        await page.set_viewport_size({"width": 320, "height": 640})
        await page.reload()
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320, path
        await assert_accessible(page)
        await page.set_viewport_size({"width": 1280, "height": 800})
