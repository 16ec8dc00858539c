"""``GET /healthz``: is the database reachable and its schema up to date?"""

from litestar import Response, get

from grants import db, schema
from portal.auth.access import PUBLIC, access


@get("/healthz", name="healthz", include_in_schema=False, opt=access(PUBLIC))
async def healthz() -> Response[dict[str, str]]:
    try:
        await db.ping()
        outdated = bool(await schema.pending())
    except db.DatabaseUnavailable:
        return Response({"status": "error", "database": "unreachable"}, status_code=503)
    if outdated:
        return Response(
            {"status": "error", "database": "ok", "schema": "outdated"}, status_code=503
        )
    return Response({"status": "ok", "database": "ok", "schema": "current"})
