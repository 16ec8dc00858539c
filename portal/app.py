"""The composition root: ``create_app()`` builds the Litestar app from its plugins."""

from litestar import Litestar

from grants.settings import Settings, get_settings
from portal.api.schemas import RequestBodySchemas
from portal.plugin import PortalPlugin


def create_app(settings: Settings | None = None) -> Litestar:
    # RequestBodySchemas first: Litestar appends its own schema plugins after the app's
    return Litestar(plugins=[RequestBodySchemas(), PortalPlugin(settings or get_settings())])
