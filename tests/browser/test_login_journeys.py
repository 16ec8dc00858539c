"""Logging in through the demo's development provider in a real browser, and the pages behind
the login: every persona gets in, every page passes axe-core, by keyboard and at 320 px."""

import pytest

from grants.demo.personas import PERSONAS
from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.key)
async def test_every_persona_logs_in_and_out(page, persona):
    await log_in(page, persona.key)
    expected = (
        "Noch kein Zugang"
        if not persona.roles
        else "Förderung der Interkulturellen Zentren in Köln"
    )
    assert await page.locator("h1").inner_text() == expected
    assert (
        await page.locator(".site-header__user").inner_text()
        == f"Angemeldet als {persona.display_name}"
    )
    await assert_accessible(page)

    await page.get_by_role("button", name="Abmelden").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("link", name="Anmelden").count() == 1


async def test_the_persona_picker_is_accessible_and_works_by_keyboard(page):
    await page.goto("/auth/login")
    await page.get_by_role("heading", name="Demo-Anmeldung").wait_for()
    await assert_accessible(page)
    await page.locator("#persona-reviewer").focus()
    await page.keyboard.press("Space")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_load_state()
    assert "Angemeldet als Julia Becker" in await page.locator(".site-header__user").inner_text()


@pytest.mark.parametrize("path", ["/admin/nutzer", "/admin/einladungen"])
async def test_admin_pages_are_accessible_also_at_320_pixels(page, path):
    await log_in(page, "admin")
    await page.goto(path)
    await assert_accessible(page)
    await page.set_viewport_size({"width": 320, "height": 640})
    await page.reload()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await assert_accessible(page)


async def test_an_invitation_with_errors_keeps_the_input_and_links_to_the_fields(page):
    await log_in(page, "signatory")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Türkisch")
        .click()
    )
    await page.get_by_role("link", name="Mitglieder und Einladungen").click()
    await page.get_by_label("E-Mail-Adresse").fill("kein-at-zeichen")
    await page.get_by_role("button", name="Einladen").click()
    await page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Bitte korrigieren Sie Ihre Angaben" in await summary.inner_text()
    assert await page.get_by_label("E-Mail-Adresse").input_value() == "kein-at-zeichen"
    await assert_accessible(page)

    await summary.get_by_role("link").first.click()
    assert await page.evaluate("document.activeElement.id") == "feld-email" or page.url.endswith(
        "#feld-email"
    )
    await page.get_by_label("E-Mail-Adresse").fill("neu@verein.example")
    await page.get_by_role("button", name="Einladen").click()
    await page.wait_for_load_state()
    assert (
        "Einladung an neu@verein.example verschickt."
        in await page.get_by_role("status").first.inner_text()
    )
    await assert_accessible(page)


async def test_a_failed_login_shows_an_accessible_german_page(page):
    response = await page.goto("/auth/callback?code=x&state=y")
    assert response.status == 400
    assert await page.locator("h1").inner_text() == "Anmeldung fehlgeschlagen"
    await assert_accessible(page)
