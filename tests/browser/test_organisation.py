"""The organisation profile in a real browser: a member corrects a bad IBAN, every state passes
axe-core, the form fits 320 px, and the whole edit works by keyboard alone."""

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_login_journeys import log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
DEMO_ASSOCIATION = "Türkisch-Deutscher Kulturverein Ehrenfeld e. V."
BAD_IBAN = "DE89 3704 0044 0532 0130 01"
GOOD_IBAN = "DE93 3705 0198 1234 5678 90"  # Sparkasse KölnBonn, as the stored BIC


async def open_overview(page) -> None:
    await log_in(page, "member")
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    await navigation.get_by_role("link", name="Türkisch").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == DEMO_ASSOCIATION


async def test_a_member_corrects_a_bad_iban_and_saves(page):
    await open_overview(page)
    await assert_accessible(page)

    await page.get_by_role("link", name="Angaben ändern").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Angaben zum Träger ändern"
    await assert_accessible(page)

    await page.get_by_label("IBAN", exact=True).fill(BAD_IBAN)
    await page.get_by_role("button", name="Angaben speichern").click()
    await page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Bitte korrigieren Sie Ihre Angaben" in await summary.inner_text()
    assert "Die Prüfziffer der IBAN stimmt nicht" in await summary.inner_text()
    assert await page.get_by_label("IBAN", exact=True).input_value() == BAD_IBAN
    await assert_accessible(page)

    await summary.get_by_role("link").first.click()
    assert page.url.endswith("#feld-iban")
    await page.get_by_label("IBAN", exact=True).fill(GOOD_IBAN)
    await page.get_by_role("button", name="Angaben speichern").click()
    await page.wait_for_load_state()
    assert "Die Angaben wurden gespeichert." in await page.get_by_role("status").first.inner_text()
    assert GOOD_IBAN in await page.locator("dl.summary").inner_text()
    await assert_accessible(page)


async def test_the_profile_form_fits_320_pixels(page):
    await open_overview(page)
    await page.set_viewport_size({"width": 320, "height": 640})
    await page.get_by_role("link", name="Angaben ändern").click()
    await page.wait_for_load_state()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await assert_accessible(page)
    await page.get_by_label("Postleitzahl").fill("5067")
    await page.get_by_role("button", name="Angaben speichern").click()
    await page.wait_for_load_state()
    assert "fünfstellige Postleitzahl" in await page.get_by_role("alert").inner_text()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await assert_accessible(page)


async def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus")


async def test_the_whole_edit_works_by_keyboard(page):
    await open_overview(page)
    await tab_to(page, 'a[href$="/profil"]')
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Angaben zum Träger ändern"

    await tab_to(page, "#feld-phone")
    await page.keyboard.press("ControlOrMeta+A")
    await page.keyboard.type("0221 4711 0815")
    await page.keyboard.press("Enter")  # submits the form
    await page.wait_for_load_state()
    assert "Die Angaben wurden gespeichert." in await page.get_by_role("status").first.inner_text()
    assert "0221 4711 0815" in await page.locator("dl.summary").inner_text()
    await assert_accessible(page)
