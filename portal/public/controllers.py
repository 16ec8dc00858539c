"""The start page and the legal pages every public-sector site must have."""

from litestar import get
from litestar.response import Template

from grants.services import calls


@get("/", name="start")
async def start() -> Template:
    return Template("public/start.html.jinja2", context={"calls": await calls.open_calls()})


@get("/impressum", name="imprint")
async def imprint() -> Template:
    return Template("public/imprint.html.jinja2")


@get("/datenschutz", name="privacy")
async def privacy() -> Template:
    return Template("public/privacy.html.jinja2")


@get("/barrierefreiheit", name="accessibility")
async def accessibility() -> Template:
    return Template("public/accessibility.html.jinja2")


ROUTES = [start, imprint, privacy, accessibility]
