"""Settings: defaults, validation with one German line per problem."""

from pathlib import Path

import pytest

from grants.settings import (
    ConfigurationError,
    DatabaseKind,
    Environment,
    dev_client_secret,
    load_settings,
)
from grants.vocabulary import Role

SECRET = "x" * 40
OIDC = {"OIDC_ISSUER": "https://login.example.org/realms/ki", "OIDC_CLIENT_ID": "portal",
        "OIDC_CLIENT_SECRET": "geheim"}  # fmt: skip


def settings(tmp_path: Path, **env: str):
    return load_settings({f"GRANTS_{k}": v for k, v in {**OIDC, **env}.items()}, base_dir=tmp_path)


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
    for key, value in OIDC.items():
        monkeypatch.setenv(f"GRANTS_{key}", value)
    s = load_settings(base_dir=tmp_path)
    assert s.secret_key == SECRET
    assert s.log_level == "ERROR"


def test_one_provider_from_the_environment_with_a_role_mapping(tmp_path):
    s = settings(tmp_path, SECRET_KEY=SECRET, OIDC_ROLES_CLAIM="groups",
                 OIDC_ROLE_MAP="ki-sachbearbeitung=reviewer, ki-leitung = approver")  # fmt: skip
    (provider,) = s.oidc_providers
    assert provider.issuer == "https://login.example.org/realms/ki"
    assert provider.scopes == "openid email profile"
    assert provider.roles_claim == "groups"
    assert dict(provider.role_map) == {
        "ki-sachbearbeitung": Role.REVIEWER,
        "ki-leitung": Role.APPROVER,
    }
    assert s.redirect_uri == "http://127.0.0.1:8000/auth/callback"


def test_without_a_mapping_role_names_map_to_themselves(tmp_path):
    (provider,) = settings(tmp_path, SECRET_KEY=SECRET).oidc_providers
    assert provider.role_map["finance"] is Role.FINANCE
    assert "member" not in provider.role_map  # association roles come from memberships only


def test_several_providers_from_a_toml_file(tmp_path):
    (tmp_path / "grants.toml").write_text(
        '[[oidc]]\nname = "ki"\nlabel = "Mitarbeitende der Stadt Köln"\n'
        'issuer = "https://login.stadt-koeln.example/realms/ki"\nclient_id = "foerderportal"\n'
        'client_secret_env = "KI_SECRET"\nroles_claim = "groups"\n'
        '[oidc.role_map]\n"ki-leitung" = "approver"\n\n'
        '[[oidc]]\nname = "vereine"\nlabel = "Vereine (Mein Unternehmenskonto)"\n'
        'issuer = "https://broker.example/vereine"\nclient_id = "foerderportal"\nclient_secret = "s2"\n',
        encoding="utf-8",
    )
    s = load_settings({"GRANTS_SECRET_KEY": SECRET, "GRANTS_CONFIG": "grants.toml", "KI_SECRET": "s1"},
                      base_dir=tmp_path)  # fmt: skip
    assert [(p.name, p.client_secret) for p in s.oidc_providers] == [
        ("ki", "s1"),
        ("vereine", "s2"),
    ]
    assert dict(s.oidc_providers[0].role_map) == {"ki-leitung": Role.APPROVER}
    assert s.provider("vereine").label == "Vereine (Mein Unternehmenskonto)"


def test_bad_provider_configuration_is_reported_per_field(tmp_path):
    (tmp_path / "grants.toml").write_text(
        '[[oidc]]\nname = "KI Köln"\nissuer = "http://login.example.org"\nclient_id = ""\n'
        'client_secret = "x"\n[oidc.role_map]\n"g" = "member"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigurationError) as caught:
        load_settings(
            {"GRANTS_SECRET_KEY": SECRET, "GRANTS_CONFIG": "grants.toml"}, base_dir=tmp_path
        )
    assert caught.value.problems == [
        "GRANTS_CONFIG: grants.toml, [[oidc]] Nr. 1, name: 'KI Köln' ist kein gültiger Name (Kleinbuchstaben, Ziffern, Bindestrich)",
        "GRANTS_CONFIG: grants.toml, [[oidc]] Nr. 1, issuer: 'http://login.example.org' ist keine https-Adresse",
        "GRANTS_CONFIG: grants.toml, [[oidc]] Nr. 1, client_id: fehlt",
        "GRANTS_CONFIG: grants.toml, [[oidc]] Nr. 1, role_map: 'member' ist keine KI-Rolle (reviewer, approver, finance, admin, auditor)",
        "GRANTS_OIDC_ISSUER: fehlt: ohne OIDC-Anbieter kann sich niemand anmelden (GRANTS_OIDC_* oder GRANTS_CONFIG setzen)",
    ]


def test_production_without_any_provider_is_refused(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"GRANTS_SECRET_KEY": SECRET}, base_dir=tmp_path)
    assert caught.value.problems[0].startswith("GRANTS_OIDC_ISSUER: fehlt")


def test_demo_mode_adds_the_development_provider_first(tmp_path):
    s = load_settings({"GRANTS_ENV": "demo"}, base_dir=tmp_path)
    (provider,) = s.oidc_providers
    assert provider.name == "demo"
    assert provider.issuer == "http://127.0.0.1:8000/dev-oidc"
    assert provider.client_secret == dev_client_secret(s.secret_key)
