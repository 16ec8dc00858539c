"""The start page and the legal pages every public-sector site must have."""

from typing import Any

from litestar import Request, get
from litestar.response import Template

from grants.services import calls, signatures
from portal.auth.access import PUBLIC, access
from portal.templating import viewer


@get("/", name="start", opt=access(PUBLIC))
async def start(request: Request[Any, Any, Any]) -> Template:
    """The open calls; for a signed-in signatory first the drafts laid before them to sign."""
    principal = viewer(request)
    return Template("public/start.html.jinja2", context={
        "calls": await calls.open_calls(),
        "to_sign": await signatures.awaiting(principal) if principal else [],
    })  # fmt: skip


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
