"""Numbers beyond the database's integer range name no record: never a server error."""

import pytest

from portal.forms import MAX_INTEGER
from tests.auth.test_route_matrix import PARAM, routes
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio
TOO_BIG = (MAX_INTEGER + 1, 2**63)  # one past PostgreSQL's integer, one past SQLite's


def int_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route with a whole number in its path."""
    return [(method, path) for method, path, _ in routes(app) if ":int}" in path]


@pytest.mark.parametrize("number", TOO_BIG)
async def test_every_route_answers_a_number_beyond_the_range_with_404(client, app, number):
    found = int_routes(app)
    assert len(found) > 50
    for method, path in found:
        url = PARAM.sub(lambda m: str(number) if m[0].endswith(":int}") else "x", path)
        answer = await client.request(method, url, headers={"x-csrftoken": "x"})
        assert answer.status_code == 404 or (method != "GET" and answer.status_code == 403), (
            method, url, answer.status_code,
        )  # fmt: skip


async def test_an_id_beyond_the_range_is_the_german_404_page(client):
    answer = await client.get(f"/foerderprogramme/{MAX_INTEGER + 1}")
    assert answer.status_code == 404
    assert "Seite nicht gefunden" in answer.text
    assert (await client.get(f"/foerderprogramme/{MAX_INTEGER}")).status_code == 404


@pytest.mark.parametrize("number", TOO_BIG)
async def test_numbers_beyond_the_range_in_queries_are_no_server_error(client, number):
    await sign_in(client, "reviewer")  # reads the queue, the budget and the payments
    for url in [f"/pruefung?seite={number}&aufruf={number}&programm={number}&jahr={number}&bearbeitung={number}",
                f"/haushalt?jahr={number}", f"/finanzen/auszuege/auszahlungsanordnungen.xlsx?exportlauf={number}"]:  # fmt: skip
        answer = await client.get(url)
        assert answer.status_code in {200, 400, 404}, (url, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html")
    for url in [f"/api/v1/payment-orders?page={number}", f"/api/v1/budget-lines/1?page={number}"]:
        answer = await client.get(url)
        assert answer.status_code == 422, (url, answer.status_code)
        assert answer.json()["errors"] == {
            "page": f"Bitte eine ganze Zahl bis {MAX_INTEGER} angeben."
        }
