"""Shared fixtures of the budget tests: the demo data, principals and signed-in clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from grants.demo.seed import load_once
from tests.support.login import sign_in


@pytest.fixture
async def demo(database) -> None:
    """The demo data: fiscal years 2024–2027 with their lines, grants, payments, settlements."""
    await load_once()


@pytest.fixture
async def signed_in(app, demo) -> AsyncIterator[Callable[[str], Awaitable[httpx.AsyncClient]]]:
    """``await signed_in("finance")``: a client of that persona, with its CSRF cookie."""
    clients: list[httpx.AsyncClient] = []

    async def open_as(persona: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(client)
        await sign_in(client, persona)
        await client.get("/")
        return client

    yield open_as
    for client in clients:
        await client.aclose()
