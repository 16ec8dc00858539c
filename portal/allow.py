"""OPTIONS answers name every method of their path in ``Allow``.

Litestar 2 answers OPTIONS with the methods of the first handler registered for a path
(litestar#4169, fixed in Litestar 3): ``OPTIONS /api/v1/applications`` said ``GET, OPTIONS``
although POST is there too. This ``before_send`` hook writes the header from the app's merged
routes instead.
"""

from __future__ import annotations

from functools import cache

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


@cache
def _methods(app: Litestar) -> dict[str, str]:
    """``Allow`` per path template, e.g. ``/api/v1/applications`` → ``GET, OPTIONS, POST``."""
    return {
        route.path_format: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


async def allow_every_method(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    if allowed := _methods(scope["litestar_app"]).get(scope.get("path_template", "")):
        MutableScopeHeaders.from_message(message)["Allow"] = allowed
