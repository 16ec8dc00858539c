"""The two servers the benchmark starts, each with uvicorn and one worker like ``grants serve``.

- :func:`portal_app`: the portal (``portal.app.create_app``) plus a capture hook: a request with
  the header ``x-bench-capture: <name>`` has every SQL statement it sends through asyncpg
  pickled to ``$BENCH_CAPTURE_DIR/<name>.pickle`` (statement and arguments, in order), for the
  query count and the database floor. Requests without the header pay one header lookup.
- :func:`floor_app`: a bare Litestar app that renders a Jinja page of ``?size=`` bytes (a table
  of rows, like the portal's lists) — the framework floor.
"""

from __future__ import annotations

import os
import pickle
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
from litestar import Litestar, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

CAPTURE_HEADER = b"x-bench-capture"
_captured: ContextVar[list[tuple[str, tuple[Any, ...]]] | None] = ContextVar(
    "captured", default=None
)


def _recording(method: Any) -> Any:
    async def wrapper(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        queries = _captured.get()
        if queries is not None:
            queries.append((query, args))
        return await method(self, query, *args, **kwargs)

    return wrapper


def _patch_asyncpg() -> None:
    for name in ("fetch", "fetchrow", "fetchval", "execute"):
        setattr(asyncpg.Connection, name, _recording(getattr(asyncpg.Connection, name)))


def portal_app() -> Any:
    """The portal with the capture hook (uvicorn factory)."""
    from portal.app import create_app

    directory = Path(os.environ["BENCH_CAPTURE_DIR"])
    _patch_asyncpg()
    inner = create_app()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        name = (
            dict(scope.get("headers") or ()).get(CAPTURE_HEADER)
            if scope["type"] == "http"
            else None
        )
        if not name:
            await inner(scope, receive, send)
            return
        queries: list[tuple[str, tuple[Any, ...]]] = []
        target = directory / f"{name.decode()}.pickle"

        async def send_after_writing(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                target.write_bytes(pickle.dumps(queries))  # before the client has the answer
            await send(message)

        token = _captured.set(queries)
        try:
            await inner(scope, receive, send_after_writing)
        finally:
            _captured.reset(token)

    return app


ROW = (
    '<tr><td><a href="/antraege/{n}">IKZ-2026-{n:04d}</a></td><td>Kulturverein Köln Nr. {n} e. V.'
    '</td><td>Arbeit des Zentrums {n}</td><td class="num">{n},00 €</td><td>In Prüfung</td></tr>\n'
)
PAGE = """<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/site.css"></head><body><header><nav><a href="/">Start</a></nav>
</header><main><h1>{{ title }}</h1><table><thead><tr><th>Az.</th><th>Träger</th><th>Titel</th>
<th>Betrag</th><th>Status</th></tr></thead><tbody>
{% for n in rows %}<tr><td><a href="/antraege/{{ n }}">IKZ-2026-{{ "%04d" % n }}</a></td><td>Kulturverein Köln Nr. {{ n }} e. V.</td><td>Arbeit des Zentrums {{ n }}</td><td class="num">{{ n }},00 €</td><td>{{ status }}</td></tr>
{% endfor %}</tbody></table></main><footer>Förderportal</footer></body></html>"""


@get("/page", sync_to_thread=False)
def page(size: int = 20_000) -> Template:
    rows = range(1, max(1, size // len(ROW.format(n=1000))) + 1)
    return Template(
        template_str=PAGE, context={"title": "Anträge", "rows": rows, "status": "In Prüfung"}
    )


def floor_app() -> Litestar:
    """A bare Litestar app with Jinja, nothing else (uvicorn factory)."""
    return Litestar(
        route_handlers=[page],
        template_config=TemplateConfig(engine=JinjaTemplateEngine, directory=Path(__file__).parent),
    )
