"""The ``grants`` command: help, migrations on a fresh and on an older database, bad configuration."""

from __future__ import annotations

import asyncio

import pytest

from grants import schema
from tests.conftest import TEST_DATABASE_URL
from tests.support.postgres import fresh_postgres_database
from tests.support.server import command_env, grants

SECRET = "s" * 40
OIDC = {
    "GRANTS_OIDC_ISSUER": "https://login.example.org/realms/ki",
    "GRANTS_OIDC_CLIENT_ID": "foerderportal",
    "GRANTS_OIDC_CLIENT_SECRET": "geheim",
}
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")


@pytest.fixture
def fresh_database_url(tmp_path) -> str:
    """An empty database of the kind this run tests."""
    if ON_POSTGRES:
        return asyncio.run(fresh_postgres_database(TEST_DATABASE_URL, "cli"))
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"


def env_for(url: str, **extra: str) -> dict[str, str]:
    return command_env(GRANTS_DATABASE_URL=url, GRANTS_SECRET_KEY=SECRET, **OIDC, **extra)


@pytest.mark.parametrize(
    "command", [[], ["migrate"], ["serve"], ["demo"], ["seed-demo"], ["send-mail"], ["reminders"]]
)
def test_every_command_has_help(tmp_path, command):
    result = grants(*command, "--help", cwd=tmp_path, env=command_env())
    assert result.returncode == 0
    assert result.stdout.startswith("Usage:")


def test_migrate_builds_an_empty_database_and_is_idempotent(tmp_path, fresh_database_url):
    env = env_for(fresh_database_url)
    first = grants("migrate", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip()
        == f"Datenbank ist aktuell ({len(schema.available())} Migration(en) ausgeführt)."
    )
    again = grants("migrate", cwd=tmp_path, env=env)
    assert again.returncode == 0
    assert again.stdout.strip() == "Datenbank ist aktuell (0 Migration(en) ausgeführt)."


def test_migrate_upgrades_an_older_database(tmp_path, fresh_database_url):
    env = env_for(fresh_database_url)
    older = schema.available()[:-1]
    build_older = (
        "import asyncio; from piccolo.apps.migrations.commands.forwards import run_forwards;"
        f"r = asyncio.run(run_forwards('grants', migration_id={older[-1]!r}));"
        "assert r.success, r.message"
    )
    import subprocess
    import sys

    made = subprocess.run([sys.executable, "-c", build_older], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr

    refused = grants("serve", "--port", "1", cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert "Datenbankschema ist veraltet (1 Migration(en) offen)" in refused.stderr

    upgraded = grants("migrate", cwd=tmp_path, env=env)
    assert upgraded.stdout.strip() == "Datenbank ist aktuell (1 Migration(en) ausgeführt)."


@pytest.mark.parametrize("command", ["migrate", "serve"])
@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"GRANTS_DATABASE_URL": "mysql://db/grants", "GRANTS_SECRET_KEY": SECRET},
         "Konfigurationsfehler: GRANTS_DATABASE_URL: unbekanntes Schema 'mysql'; "
         "erlaubt sind sqlite:/// und postgresql://"),
        ({"GRANTS_ENV": "production"}, "Konfigurationsfehler: GRANTS_SECRET_KEY: fehlt"),
        ({"GRANTS_DATABASE_URL": "postgresql://grants@127.0.0.1:9/grants", "GRANTS_SECRET_KEY": SECRET},
         "Fehler: Die Datenbank postgresql://grants@127.0.0.1:9/grants ist nicht erreichbar: "),
    ],
    ids=["unknown-scheme", "missing-secret", "unreachable-database"],
)  # fmt: skip
def test_bad_configuration_stops_with_one_clear_line(tmp_path, command, settings, message):
    result = grants(command, cwd=tmp_path, env=command_env(**OIDC, **settings))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(message)


def test_serve_refuses_several_workers_on_sqlite(tmp_path):
    env = env_for(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    assert grants("migrate", cwd=tmp_path, env=env).returncode == 0
    result = grants("serve", "--workers", "2", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "mit einem Worker" in result.stderr


def test_seed_demo_is_refused_in_production(tmp_path, fresh_database_url):
    env = env_for(fresh_database_url, GRANTS_ENV="production")
    result = grants("seed-demo", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "Fehler: Demodaten nur mit GRANTS_ENV=demo laden."
