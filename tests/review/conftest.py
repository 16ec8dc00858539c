"""Shared fixtures of the review tests."""

import pytest

from tests.support import applying
from tests.support.login import sign_in


@pytest.fixture
async def submitted(client, database):
    """An application of the demo association, submitted by its signatory (plan: A 34.800, D 4.800,
    requested 30.000)."""
    world = await applying.open_call()
    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await applying.start(client, world)
    await applying.complete(client, app_id, world)
    assert (await applying.submit(client, app_id)).status_code == 303
    return app_id, world
