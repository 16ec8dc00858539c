"""The public pages in a real browser: accessible (axe-core, WCAG 2.1 AA), at 320 px, by keyboard."""

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

PAGES = ["/", "/impressum", "/datenschutz", "/barrierefreiheit"]
ERRORS = [("/gibt-es-nicht", 404, "Seite nicht gefunden"),
          ("/_test/verboten", 403, "Kein Zugriff"),
          ("/_test/kaputt", 500, "Technischer Fehler")]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
async def test_public_pages_have_no_accessibility_violations(page, path):
    response = await page.goto(path)
    assert response.status == 200
    await assert_accessible(page)


@pytest.mark.parametrize(("path", "status", "heading"), ERRORS)
async def test_error_pages_are_german_and_accessible(page, path, status, heading):
    response = await page.goto(path)
    assert response.status == status
    assert await page.locator("h1").inner_text() == heading
    assert "absichtlicher Fehler" not in await page.content()
    await assert_accessible(page)


@pytest.mark.parametrize("path", [*PAGES, "/gibt-es-nicht"])
async def test_pages_reflow_at_320_pixels(page, path):
    await page.set_viewport_size({"width": 320, "height": 640})
    await page.goto(path)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    await assert_accessible(page)


async def test_start_page_shows_the_demo_call_and_has_one_h1(page):
    await page.goto("/")
    assert await page.locator("h1").count() == 1
    assert await page.title() == "Start – Förderportal · Kommunales Integrationszentrum Köln"
    assert await page.locator("footer a", has_text="Barrierefreiheit").count() == 1


async def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page):
    await page.goto("/")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.inner_text() == "Zum Inhalt springen"
    assert await focused.is_visible()
    outline = await focused.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "inhalt"
