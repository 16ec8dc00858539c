"""Test setup: one database per run — SQLite always, PostgreSQL when GRANTS_TEST_DATABASE_URL is set.

Under pytest-xdist each worker has its own: a SQLite file in its own directory, or the sibling
PostgreSQL database ``<database>_<worker>``.

The environment is set before anything imports ``grants``, because the engine is built once.
Each database test runs in a transaction that is rolled back; tests that need real commits
(concurrency) use ``committed`` instead, which empties the tables afterwards.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import tempfile
from pathlib import Path

from tests.support.postgres import fresh_postgres_database

_TMP = Path(tempfile.mkdtemp(prefix="grants-tests-"))
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
TEST_DATABASE_URL = (
    os.environ.get("GRANTS_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.sqlite3'}"
)
if _WORKER and TEST_DATABASE_URL.startswith("postgres"):
    TEST_DATABASE_URL = asyncio.run(fresh_postgres_database(TEST_DATABASE_URL, _WORKER))
os.environ.update(
    GRANTS_ENV="demo",
    GRANTS_DATABASE_URL=TEST_DATABASE_URL,
    GRANTS_DATA_DIR=str(_TMP / "data"),
    GRANTS_BASE_URL="http://testserver",
    GRANTS_LOG_LEVEL="WARNING",
    GRANTS_LOGIN_RATE_LIMIT="10000",
)

import httpx  # noqa: E402
import httpx2  # noqa: E402
import pytest  # noqa: E402

from grants import db, schema  # noqa: E402
from grants.demo.seed import load_once  # noqa: E402
from grants.tables import TABLES  # noqa: E402
from tests.support.database import wipe  # noqa: E402

pytest_plugins = ["tests.support.queries", "tests.support.office"]


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


@pytest.fixture(scope="session")
async def migrated() -> None:
    """A database with the current schema, built through the migrations themselves."""
    await wipe(db.get_engine())
    await schema.migrate()


@pytest.fixture(scope="session")
async def app(migrated: None):
    """The app, inside its lifespan (which holds the PostgreSQL pool) for the whole session."""
    from portal.app import create_app

    application = create_app()
    # The portal reaches its development provider in-process instead of over the network.
    application.state["oidc_transport"] = httpx2.ASGITransport(app=application)
    async with application.lifespan():
        yield application


@pytest.fixture(scope="module")
async def shared_demo(app):
    """The demo data loaded once for a module whose database tests all read it: the module runs
    in one transaction, rolled back at its end, and ``database`` puts each test into a savepoint
    of it. A module opts in with ``pytest.mark.shared_demo``."""
    async with db.transaction() as tx:
        await load_once()
        yield
        await tx.rollback()


@pytest.fixture(autouse=True)
def _shared_demo_of_the_module(request: pytest.FixtureRequest) -> None:
    """Gives the async tests of a module marked ``shared_demo`` the module's demo data."""
    if request.node.get_closest_marker("shared_demo") and inspect.iscoroutinefunction(
        request.function
    ):
        request.getfixturevalue("shared_demo")


@pytest.fixture
async def database(app):
    """A transaction around the test, rolled back at its end: every test starts clean."""
    if (shared := db.get_engine().current_transaction.get()) is not None:
        savepoint = await shared.savepoint()
        yield shared
        await savepoint.rollback_to()
        return
    async with db.transaction() as tx:
        yield tx
        await tx.rollback()


@pytest.fixture
async def committed(app):
    """For tests that need real commits (concurrency): the tables are emptied afterwards."""
    yield
    async with db.transaction():
        for table in reversed(TABLES):
            await table.delete(force=True)


@pytest.fixture
async def client(app, database):
    """An HTTP client that drives the app in this event loop and this test's transaction."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
