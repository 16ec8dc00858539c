"""Programmes and calls in a real browser: the admin pages and a form with errors pass axe-core,
and the public list of open calls reflows at 320 px."""

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_login_journeys import log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
IKZ = "Förderung der Interkulturellen Zentren"


async def test_an_admin_edits_a_programme_and_sees_errors_at_the_fields(page):
    await log_in(page, "admin")
    await page.get_by_role("link", name="Programme und Aufrufe").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Förderprogramme"
    await assert_accessible(page)

    await page.get_by_role("link", name=f"Bearbeiten – {IKZ}").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == f"Programm bearbeiten: {IKZ}"
    await assert_accessible(page)

    await page.get_by_label("Name des Programms").fill("")
    await page.get_by_label("Höchstzuwendung").fill("1e3")
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Bitte korrigieren Sie Ihre Angaben" in await summary.inner_text()
    assert await page.get_by_label("Höchstzuwendung").input_value() == "1e3"
    assert (await page.locator("#fehler-max_grant").inner_text()).endswith(
        "„1e3“ ist kein Betrag. Bitte so eingeben: 1.234,56"
    )
    await assert_accessible(page)
    await summary.get_by_role("link", name="Bitte ausfüllen.").click()
    assert page.url.endswith("#feld-name")


async def test_the_call_pages_are_accessible(page):
    await log_in(page, "admin")
    await page.goto("/admin/programme")
    await page.get_by_role("link", name=f"Aufrufe – {IKZ}").click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    await page.get_by_role("link", name="Neuen Förderaufruf anlegen").click()
    await page.wait_for_load_state()
    await page.get_by_label("Titel").fill("Testaufruf")
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_load_state()
    assert "Bitte ein Haushaltsjahr wählen." in await page.get_by_role("alert").inner_text()
    assert await page.get_by_label("Titel").input_value() == "Testaufruf"
    await assert_accessible(page)


@pytest.mark.parametrize("path", ["/foerderaufrufe", "/foerderprogramme/1"])
async def test_the_public_call_pages_reflow_at_320_pixels(page, path):
    await page.set_viewport_size({"width": 320, "height": 640})
    response = await page.goto(path)
    assert response.status == 200
    assert await page.locator("h1").count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await assert_accessible(page)
