"""Settings: defaults, validation with one German line per problem."""

from pathlib import Path

import pytest

from grants.settings import ConfigurationError, DatabaseKind, Environment, load_settings

SECRET = "x" * 40


def settings(tmp_path: Path, **env: str):
    return load_settings({f"GRANTS_{k}": v for k, v in env.items()}, base_dir=tmp_path)


def problems(tmp_path: Path, **env: str) -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        settings(tmp_path, **env)
    return caught.value.problems


def test_defaults_are_production_on_a_sqlite_file_under_var(tmp_path):
    s = settings(tmp_path, SECRET_KEY=SECRET)
    assert s.env is Environment.PRODUCTION
    assert not s.demo
    assert s.database.kind is DatabaseKind.SQLITE
    assert s.database.sqlite_path == tmp_path / "var" / "grants.sqlite3"
    assert s.base_url == "http://127.0.0.1:8000"


def test_postgres_url_is_accepted_and_displayed_without_password(tmp_path):
    s = settings(tmp_path, SECRET_KEY=SECRET, DATABASE_URL="postgresql://app:geheim@db:5432/grants")
    assert s.database.kind is DatabaseKind.POSTGRES
    assert s.database.display == "postgresql://app@db:5432/grants"
    assert "geheim" not in s.database.display


def test_relative_sqlite_path_is_relative_to_the_base_directory(tmp_path):
    s = settings(tmp_path, SECRET_KEY=SECRET, DATABASE_URL="sqlite:///data/x.sqlite3")
    assert s.database.sqlite_path == tmp_path / "data" / "x.sqlite3"


def test_unknown_database_scheme_is_one_clear_line(tmp_path):
    assert problems(tmp_path, SECRET_KEY=SECRET, DATABASE_URL="mysql://db/grants") == [
        "GRANTS_DATABASE_URL: unbekanntes Schema 'mysql'; erlaubt sind sqlite:/// und postgresql://"
    ]


def test_missing_secret_in_production_is_refused(tmp_path):
    assert problems(tmp_path) == ["GRANTS_SECRET_KEY: fehlt"]
    assert problems(tmp_path, SECRET_KEY="kurz") == [
        "GRANTS_SECRET_KEY: zu kurz (mindestens 32 Zeichen)"
    ]


def test_demo_mode_makes_and_keeps_its_own_secret(tmp_path):
    first = settings(tmp_path, ENV="demo")
    second = settings(tmp_path, ENV="demo")
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "var" / "demo-secret-key").stat().st_mode & 0o077 == 0


def test_every_problem_is_reported_at_once(tmp_path):
    found = problems(tmp_path, ENV="staging", BASE_URL="ftp://x", LOG_LEVEL="loud")
    assert found == [
        "GRANTS_ENV: 'staging' ist ungültig; erlaubt sind 'demo' und 'production'",
        "GRANTS_BASE_URL: 'ftp://x' ist keine http(s)-Adresse",
        "GRANTS_SECRET_KEY: fehlt",
        "GRANTS_LOG_LEVEL: 'LOUD' ist ungültig; erlaubt: DEBUG, INFO, WARNING, ERROR",
    ]


def test_production_needs_https_except_on_loopback(tmp_path):
    assert problems(tmp_path, SECRET_KEY=SECRET, BASE_URL="http://foerderung.stadt-koeln.de") == [
        "GRANTS_BASE_URL: im Produktivbetrieb ist https:// erforderlich"
    ]
    s = settings(tmp_path, SECRET_KEY=SECRET, BASE_URL="https://foerderung.stadt-koeln.de/")
    assert s.base_url == "https://foerderung.stadt-koeln.de"
    assert s.https


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"GRANTS_SECRET_KEY={SECRET}\nGRANTS_LOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("GRANTS_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.delenv("GRANTS_DATABASE_URL", raising=False)
    monkeypatch.delenv("GRANTS_DATA_DIR", raising=False)
    monkeypatch.delenv("GRANTS_BASE_URL", raising=False)
    s = load_settings(base_dir=tmp_path)
    assert s.secret_key == SECRET
    assert s.log_level == "ERROR"
