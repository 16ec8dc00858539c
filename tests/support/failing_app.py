"""The real app plus two routes that fail on purpose, to look at the error pages."""

from litestar import Litestar, get
from litestar.exceptions import PermissionDeniedException

from portal.app import create_app as create_portal_app
from portal.auth.access import PUBLIC, access


@get("/_test/verboten", name="test:forbidden", opt=access(PUBLIC))
async def forbidden() -> str:
    raise PermissionDeniedException("nur für den Test")


@get("/_test/kaputt", name="test:broken", opt=access(PUBLIC))
async def broken() -> str:
    raise RuntimeError("absichtlicher Fehler für den Test")


def create_app() -> Litestar:
    app = create_portal_app()
    app.register(forbidden)
    app.register(broken)
    return app
