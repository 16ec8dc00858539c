"""The JSON API (``/api/v1``) and its OpenAPI document (``/api/schema``)."""

from __future__ import annotations

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin

from portal.auth.access import PUBLIC, access


def openapi_config() -> OpenAPIConfig:
    """The API's description, public like the calls: JSON at ``/api/schema/openapi.json``.

    Only routes that ask for it are documented (the app's default is ``include_in_schema=False``).
    """
    return OpenAPIConfig(
        title="Förderportal API",
        version="1",
        use_handler_docstrings=True,
        render_plugins=[JsonRenderPlugin()],
        openapi_router=Router(path="/api/schema", route_handlers=[], opt=access(PUBLIC)),
    )
