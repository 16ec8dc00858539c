"""Whole numbers that name records (ids, versions) fit the database's integer columns.

One check for the path parameters of every route (:class:`PathRange`), one type for the API's
bodies and queries (:data:`Id`, :data:`QueryNumber`); forms read them with
:func:`portal.forms.whole_number`. Beyond the range the databases refuse the number with an
error (asyncpg: int32, SQLite: int64), so it must never reach a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.params import QueryParameter
from litestar.types import ASGIApp, Receive, Scope, Send

from portal.forms import MAX_INTEGER

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_INTEGER)]  # an id or version in a JSON body
QueryNumber = Annotated[int, QueryParameter(ge=1, le=MAX_INTEGER)]  # … or a page, in the query


def in_range(params: Mapping[str, Any]) -> bool:
    """Whether every whole number among ``params`` fits an integer column."""
    return all(abs(value) <= MAX_INTEGER for value in params.values() if isinstance(value, int))


class PathRange(ASGIMiddleware):
    """A path whose number is beyond any record's is 404, before a handler queries it."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not in_range(scope.get("path_params") or {}):
            raise NotFoundException()
        await next_app(scope, receive, send)
