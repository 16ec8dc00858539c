"""The start page, the legal pages, and the shared layout."""

from datetime import UTC, datetime, timedelta

import pytest

from grants.tables import BudgetLine, Call, FiscalYear, Programme

pytestmark = pytest.mark.anyio


async def add_call(title: str, *, opens: datetime, closes: datetime) -> None:
    year = await FiscalYear.objects().get_or_create(FiscalYear.year == closes.year)
    line = await BudgetLine.objects().get_or_create(
        (BudgetLine.fiscal_year == year.id) & (BudgetLine.cost_centre == "1304IKZ"),
        defaults={BudgetLine.product: "0504", BudgetLine.plan_line: "15"},
    )
    programme = await Programme.objects().get_or_create(
        Programme.name == "Förderung der Interkulturellen Zentren"
    )
    await Call.insert(
        Call(programme=programme.id, fiscal_year=year.id, budget_line=line.id, title=title,
             opens_at=opens, closes_at=closes, budget_cents=78_000_000)
    )  # fmt: skip


async def test_start_page_lists_only_open_calls_with_german_figures(client):
    now = datetime.now(UTC)
    await add_call("Aufruf offen", opens=now - timedelta(days=3), closes=now + timedelta(days=30))
    await add_call("Aufruf vorbei", opens=now - timedelta(days=90), closes=now - timedelta(days=1))
    await add_call("Aufruf künftig", opens=now + timedelta(days=5), closes=now + timedelta(days=60))

    response = await client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Aufruf offen" in response.text
    assert "Aufruf vorbei" not in response.text
    assert "Aufruf künftig" not in response.text
    assert "780.000,00\xa0€" in response.text


async def test_start_page_says_so_when_no_call_is_open(client):
    response = await client.get("/")
    assert "Zurzeit ist kein Förderaufruf geöffnet." in response.text


async def test_start_page_query_count_does_not_grow_with_the_calls(client, queries):
    now = datetime.now(UTC)
    await add_call("Erster", opens=now - timedelta(days=1), closes=now + timedelta(days=9))
    with queries() as one:
        await client.get("/")
    for n in range(5):
        await add_call(
            f"Weiterer {n}", opens=now - timedelta(days=1), closes=now + timedelta(days=9)
        )
    with queries() as six:
        page = await client.get("/")
    assert page.text.count('class="card"') == 6
    assert one.value == six.value == 1


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Förderung der Interkulturellen Zentren in Köln"),
        ("/impressum", "Impressum"),
        ("/datenschutz", "Datenschutzerklärung"),
        ("/barrierefreiheit", "Erklärung zur Barrierefreiheit"),
    ],
)
async def test_every_page_has_the_german_layout(client, path, heading):
    html = (await client.get(path)).text
    assert '<html lang="de"' in html
    assert f"<h1>{heading}</h1>" in html
    assert '<main id="inhalt"' in html
    assert 'href="#inhalt"' in html  # skip link
    for target in ("/impressum", "/datenschutz", "/barrierefreiheit"):
        assert f'href="{target}"' in html
