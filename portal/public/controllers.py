"""The start page and the legal pages every public-sector site must have."""

from litestar import get
from litestar.response import Template

from grants.services import calls
from portal.auth.access import PUBLIC, access


@get("/", name="start", opt=access(PUBLIC))
async def start() -> Template:
    return Template("public/start.html.jinja2", context={"calls": await calls.open_calls()})


@get("/impressum", name="imprint", opt=access(PUBLIC))
async def imprint() -> Template:
    return Template("public/imprint.html.jinja2")


@get("/datenschutz", name="privacy", opt=access(PUBLIC))
async def privacy() -> Template:
    return Template("public/privacy.html.jinja2")


@get("/barrierefreiheit", name="accessibility", opt=access(PUBLIC))
async def accessibility() -> Template:
    return Template("public/accessibility.html.jinja2")


ROUTES = [start, imprint, privacy, accessibility]
