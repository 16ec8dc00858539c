"""Signing in through the portal's real OIDC code path, against the development provider."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx


class FormFields(HTMLParser):
    """The hidden inputs of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden":
            self.fields.append((values.get("name") or "", values.get("value") or ""))


def hidden_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return dict(parser.fields)


def local(url: str) -> str:
    """The path and query of a URL on the test server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def sign_in(client: httpx.AsyncClient, persona: str, next_path: str = "/") -> httpx.Response:
    """Log in as a demo persona: portal → provider's persona page → callback. Returns the
    callback's answer (a 303 to ``next_path`` when it worked)."""
    start = await client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 303, start.text
    picker = await client.get(local(start.headers["location"]))
    assert picker.status_code == 200, picker.text
    chosen = await client.post(local(start.headers["location"]).split("?")[0],
                               data={**hidden_fields(picker.text), "persona": persona})  # fmt: skip
    assert chosen.status_code == 303, chosen.text
    return await client.get(local(chosen.headers["location"]))


async def csrf_post(
    client: httpx.AsyncClient, url: str, data: dict[str, str] | None = None
) -> httpx.Response:
    """POST a form the way a browser does: with the CSRF token from the cookie."""
    if "csrftoken" not in client.cookies:
        await client.get("/")
    return await client.post(url, data={**(data or {}), "_csrf_token": client.cookies["csrftoken"]})
