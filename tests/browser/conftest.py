"""Browser tests: Debian's Chromium driven by Playwright against the app served on loopback.

Chromium is installed by ``.ci/run``; where it is missing these tests are skipped, unless
GRANTS_REQUIRE_BROWSER=1 (set by CI) turns that into a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL
from tests.support.postgres import fresh_postgres_database
from tests.support.server import command_env, free_port, grants, serving

CHROMIUM = os.environ.get("GRANTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("GRANTS_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Chromium fehlt ({CHROMIUM}), die Browsertests sind Pflicht.")
    skip = pytest.mark.skip(
        reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_root: Path):
    """The demo data, migrated and seeded through the ``grants`` command, served by uvicorn."""
    workdir = tmp_root / "browser"
    workdir.mkdir(exist_ok=True)
    if TEST_DATABASE_URL.startswith("postgres"):
        url = asyncio.run(fresh_postgres_database(TEST_DATABASE_URL, "browser"))
    else:
        url = f"sqlite:///{workdir / 'browser.sqlite3'}"
    port = free_port()
    env = command_env(GRANTS_ENV="demo", GRANTS_DATABASE_URL=url, GRANTS_LOG_LEVEL="WARNING",
                      GRANTS_LOGIN_RATE_LIMIT="1000",
                      GRANTS_BASE_URL=f"http://127.0.0.1:{port}")  # fmt: skip
    for step in ("migrate", "seed-demo"):
        result = grants(step, cwd=workdir, env=env)
        assert result.returncode == 0, result.stderr
    opened = subprocess.run(  # a call open today, whatever the demo's dates say
        [sys.executable, "-c", "import asyncio; from tests.support.applying import open_call; asyncio.run(open_call())"],
        cwd=workdir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    command = [sys.executable, "-m", "uvicorn", "tests.support.failing_app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with serving(command, cwd=workdir, env=env, port=port) as base_url:
        yield base_url


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser, live_server):
    context = await browser.new_context(base_url=live_server, locale="de-DE")
    page = await context.new_page()
    yield page
    await context.close()


async def assert_accessible(page) -> None:
    """Fail on any axe-core violation of WCAG 2.0/2.1 A and AA on the current page."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"],
    })  # fmt: skip
    assert results.violations_count == 0, results.generate_report()


async def accessible_at_1280_and_320(page) -> None:
    """The page passes axe-core at 1280 px and at 320 px, where it does not scroll sideways."""
    for width in (1280, 320):
        await page.set_viewport_size({"width": width, "height": 720})
        await assert_accessible(page)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await page.set_viewport_size({"width": 1280, "height": 720})


async def log_in(page, persona: str) -> None:
    """Sign in as a demo persona through the development provider (signing out first)."""
    await page.goto("/")
    if await page.get_by_role("button", name="Abmelden").count():
        await page.get_by_role("button", name="Abmelden").click()
    await page.get_by_role("link", name="Anmelden").click()
    await page.get_by_role("heading", name="Demo-Anmeldung").wait_for()
    await page.locator(f"#persona-{persona}").check()
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_load_state()
