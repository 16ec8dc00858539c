"""Numbers beyond the database's integer range name no record: never a server error."""

import pytest

from portal.forms import MAX_INTEGER
from tests.auth.test_route_matrix import PARAM, routes

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
