"""The one plugin that wires routes, templates, static files, errors, logging and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import CacheControlHeader
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router

from grants import db
from grants.settings import Settings
from portal import errors, observability, templating
from portal.public import controllers as public
from portal.public import health

STATIC_DIR = Path(__file__).parent / "static"


class PortalPlugin(InitPlugin):
    __slots__ = ("settings",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.debug = False
        app_config.openapi_config = None
        app_config.state["settings"] = self.settings
        app_config.route_handlers.extend(
            [
                *public.ROUTES,
                health.healthz,
                create_static_files_router(
                    path="/static",
                    directories=[STATIC_DIR],
                    name="static",
                    cache_control=CacheControlHeader(max_age=3600),
                    include_in_schema=False,
                ),
            ]
        )
        app_config.template_config = templating.template_config(self.settings)
        app_config.middleware.insert(0, observability.RequestIdMiddleware())
        app_config.logging_config = observability.logging_config(self.settings)
        app_config.exception_handlers = {**app_config.exception_handlers, **errors.HANDLERS}
        app_config.lifespan.append(database_lifespan)
        return app_config


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Check the database and hold the PostgreSQL pool while the app runs."""
    async with db.connected():
        yield
