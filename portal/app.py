"""The composition root: ``create_app()`` builds the Litestar app from one plugin."""

from litestar import Litestar

from grants.settings import Settings, get_settings
from portal.plugin import PortalPlugin


def create_app(settings: Settings | None = None) -> Litestar:
    return Litestar(plugins=[PortalPlugin(settings or get_settings())])
