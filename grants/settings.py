"""Settings from ``GRANTS_*`` environment variables, optionally from a ``.env`` file.

Everything is validated once at start-up; a bad value raises :class:`ConfigurationError`
with one German line per problem, naming the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from grants.money import MAX_AMOUNT, Money
from grants.vocabulary import STAFF_ROLES, Role

PREFIX = "GRANTS_"
MIN_SECRET_LENGTH = 32
DEFAULT_SCOPES = "openid email profile"
DEV_PROVIDER = "demo"
DEV_CLIENT_ID = "foerderportal-demo"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
DEFAULT_SENDER = "Förderportal <foerderportal@stadt-koeln.de>"
MAX_MARGIN_BASIS_POINTS = 10_000  # 100 percentage points: more is a typing error
NO_DE_MINIMIS = Money(0)


class ConfigurationError(Exception):
    """Raised when the configuration cannot work; ``str()`` is a message for the operator."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Environment(StrEnum):
    DEMO = "demo"
    PRODUCTION = "production"


class DatabaseKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    """A database address: ``sqlite:///relative/path``, ``sqlite:////abs/path`` or ``postgresql://…``."""

    kind: DatabaseKind
    url: str
    sqlite_path: Path | None = None

    @classmethod
    def parse(cls, url: str, base_dir: Path) -> DatabaseURL:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme == "sqlite":
            raw = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
            if not raw:
                raise ValueError("erwartet sqlite:///pfad/zur/datei.sqlite")
            path = Path(raw)
            return cls(DatabaseKind.SQLITE, url, path if path.is_absolute() else base_dir / path)
        if scheme in {"postgresql", "postgres"}:
            parts = urlsplit(url)
            if not parts.hostname and not parts.path.strip("/"):
                raise ValueError("erwartet postgresql://benutzer@host:port/datenbank")
            return cls(DatabaseKind.POSTGRES, url)
        raise ValueError(
            f"unbekanntes Schema {scheme or url!r}; erlaubt sind sqlite:/// und postgresql://"
        )

    @property
    def display(self) -> str:
        """The address without a password, safe to print and log."""
        if self.kind is DatabaseKind.SQLITE:
            return f"sqlite:///{self.sqlite_path}"
        parts = urlsplit(self.url)
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"postgresql://{user}{parts.hostname or ''}{port}{parts.path}"


@dataclass(frozen=True, slots=True)
class OIDCProvider:
    """An OpenID Connect provider users log in with; ``role_map`` maps claim values to KI roles."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = DEFAULT_SCOPES
    roles_claim: str = "roles"
    role_map: Mapping[str, Role] = field(
        default_factory=lambda: MappingProxyType({r.value: r for r in STAFF_ROLES})
    )


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where the outbox delivers e-mail (``GRANTS_SMTP_*``)."""

    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True
    implicit_tls: bool = False
    sender: str = DEFAULT_SENDER


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment
    database: DatabaseURL
    base_url: str
    secret_key: str
    data_dir: Path
    log_level: str
    oidc_providers: tuple[OIDCProvider, ...] = ()
    login_rate_limit: int = 20  # login starts and callbacks per minute and client
    smtp: SmtpSettings | None = None  # None: mails wait in the outbox (demo: shown in a page)
    interest_margin_basis_points: int = 300  # § 49a Abs. 3 VwVfG NRW: base rate + 3 points
    refund_de_minimis: Money = NO_DE_MINIMIS  # refunds and interest below it are waived
    reminders: bool = False  # the app runs the daily usage-report job (GRANTS_REMINDERS=true)

    @property
    def demo(self) -> bool:
        return self.env is Environment.DEMO

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        """The one callback every provider sends users back to (registered exactly so)."""
        return f"{self.base_url}/auth/callback"

    def provider(self, name: str) -> OIDCProvider | None:
        return next((p for p in self.oidc_providers if p.name == name), None)


def load_settings(
    environ: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> Settings:
    """Build the settings from ``environ`` (default: ``.env`` overlaid by ``os.environ``)."""
    base_dir = (base_dir or Path.cwd()).resolve()
    if environ is None:
        dotenv = {k: v for k, v in dotenv_values(base_dir / ".env").items() if v is not None}
        environ = {**dotenv, **os.environ}
    values = {k.removeprefix(PREFIX): v.strip() for k, v in environ.items() if k.startswith(PREFIX)}
    problems: list[str] = []

    def problem(name: str, message: str) -> None:
        problems.append(f"{PREFIX}{name}: {message}")

    env = Environment.PRODUCTION
    raw_env = values.get("ENV", Environment.PRODUCTION.value).lower()
    try:
        env = Environment(raw_env)
    except ValueError:
        problem("ENV", f"{raw_env!r} ist ungültig; erlaubt sind 'demo' und 'production'")

    data_dir = Path(values.get("DATA_DIR") or "var")
    data_dir = data_dir if data_dir.is_absolute() else base_dir / data_dir

    database = DatabaseURL(DatabaseKind.SQLITE, "", data_dir / "grants.sqlite3")
    try:
        database = DatabaseURL.parse(
            values.get("DATABASE_URL") or f"sqlite:///{data_dir / 'grants.sqlite3'}", base_dir
        )
    except ValueError as exc:
        problem("DATABASE_URL", str(exc))

    base_url = (values.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        problem("BASE_URL", f"{base_url!r} ist keine http(s)-Adresse")
    elif (
        env is Environment.PRODUCTION
        and parts.scheme != "https"
        and parts.hostname not in {"localhost", "127.0.0.1", "::1"}
    ):
        problem("BASE_URL", "im Produktivbetrieb ist https:// erforderlich")

    secret_key = values.get("SECRET_KEY", "")
    if not secret_key and env is Environment.DEMO:
        secret_key = _demo_secret(data_dir)
    elif len(secret_key) < MIN_SECRET_LENGTH:
        problem(
            "SECRET_KEY",
            "fehlt" if not secret_key else f"zu kurz (mindestens {MIN_SECRET_LENGTH} Zeichen)",
        )

    log_level = values.get("LOG_LEVEL", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        problem("LOG_LEVEL", f"{log_level!r} ist ungültig; erlaubt: DEBUG, INFO, WARNING, ERROR")

    login_rate_limit = 20
    raw_limit = values.get("LOGIN_RATE_LIMIT", "20")
    if raw_limit.isdigit() and int(raw_limit) > 0:
        login_rate_limit = int(raw_limit)
    else:
        problem("LOGIN_RATE_LIMIT", f"{raw_limit!r} ist keine positive ganze Zahl")

    smtp = _smtp(values, problem)
    margin = _count(values, "INTEREST_MARGIN_BASIS_POINTS", 300, MAX_MARGIN_BASIS_POINTS, problem)
    de_minimis = _count(values, "REFUND_DE_MINIMIS_CENTS", 0, MAX_AMOUNT.cents, problem)
    reminders = _flag(values, "REMINDERS", False, problem)

    providers: list[OIDCProvider] = []
    if env is Environment.DEMO and secret_key:
        providers.append(dev_provider(base_url, secret_key))
    providers += _oidc_from_environment(values, problem)
    if values.get("CONFIG"):
        providers += _oidc_from_file(Path(values["CONFIG"]), base_dir, environ, problem)
    names = [p.name for p in providers]
    if len(names) != len(set(names)):
        problem("CONFIG", "jeder OIDC-Anbieter braucht einen eigenen Namen (name)")
    if env is Environment.PRODUCTION and not providers:
        problem("OIDC_ISSUER", "fehlt: ohne OIDC-Anbieter kann sich niemand anmelden "
                "(GRANTS_OIDC_* oder GRANTS_CONFIG setzen)")  # fmt: skip

    if problems:
        raise ConfigurationError(problems)
    return Settings(
        env,
        database,
        base_url,
        secret_key,
        data_dir,
        log_level,
        tuple(providers),
        login_rate_limit,
        smtp,
        margin,
        Money(de_minimis),
        reminders,
    )


def _count(values: Mapping[str, str], name: str, default: int, maximum: int, problem: Any) -> int:
    """A whole number from 0 to ``maximum`` (digits only), ``default`` when not set."""
    raw = values.get(name, "")
    if not raw:
        return default
    if raw.isascii() and raw.isdigit() and int(raw) <= maximum:
        return int(raw)
    problem(name, f"{raw!r} ist keine ganze Zahl von 0 bis {maximum}")
    return default


def _flag(values: Mapping[str, str], name: str, default: bool, problem: Any) -> bool:
    raw = values.get(name, "").lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "ja", "on"}:
        return True
    if raw in {"0", "false", "no", "nein", "off"}:
        return False
    problem(name, f"{raw!r} ist kein Schalter (true oder false)")
    return default


def _smtp(values: Mapping[str, str], problem: Any) -> SmtpSettings | None:
    host = values.get("SMTP_HOST", "")
    if not host:
        return None
    port = values.get("SMTP_PORT", "587")
    if not port.isdigit() or not 0 < int(port) < 65536:
        problem("SMTP_PORT", f"{port!r} ist kein Port (1–65535)")
        port = "587"
    return SmtpSettings(
        host=host,
        port=int(port),
        username=values.get("SMTP_USERNAME", ""),
        password=values.get("SMTP_PASSWORD", ""),
        starttls=_flag(values, "SMTP_STARTTLS", True, problem),
        implicit_tls=_flag(values, "SMTP_TLS", False, problem),
        sender=values.get("SMTP_FROM") or DEFAULT_SENDER,
    )


def dev_client_secret(secret_key: str) -> str:
    """The client secret shared by the portal and its development provider (demo mode only)."""
    return hmac.new(secret_key.encode(), b"dev-oidc-client", hashlib.sha256).hexdigest()


def dev_provider(base_url: str, secret_key: str) -> OIDCProvider:
    return OIDCProvider(
        name=DEV_PROVIDER,
        label="Demo-Anmeldung (Entwicklungs-Identitätsanbieter)",
        issuer=f"{base_url}/dev-oidc",
        client_id=DEV_CLIENT_ID,
        client_secret=dev_client_secret(secret_key),
    )


def _oidc_from_environment(values: Mapping[str, str], problem: Any) -> list[OIDCProvider]:
    """One provider from GRANTS_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET (+ _SCOPES, _ROLES_CLAIM, _ROLE_MAP)."""
    if not any(values.get(f"OIDC_{k}") for k in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")):
        return []
    entry = {
        "name": "oidc",
        "label": values.get("OIDC_LABEL") or "Anmelden",
        "issuer": values.get("OIDC_ISSUER", ""),
        "client_id": values.get("OIDC_CLIENT_ID", ""),
        "client_secret": values.get("OIDC_CLIENT_SECRET", ""),
        "scopes": values.get("OIDC_SCOPES") or DEFAULT_SCOPES,
        "roles_claim": values.get("OIDC_ROLES_CLAIM") or "roles",
        "role_map": dict(
            pair.split("=", 1) for pair in values.get("OIDC_ROLE_MAP", "").split(",") if "=" in pair
        ),
    }
    provider = _provider(entry, lambda key, msg: problem(f"OIDC_{key.upper()}", msg))
    return [provider] if provider else []


def _oidc_from_file(
    path: Path, base_dir: Path, environ: Mapping[str, str], problem: Any
) -> list[OIDCProvider]:
    """Several providers from a TOML file: ``[[oidc]]`` tables with the same keys."""
    path = path if path.is_absolute() else base_dir / path
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("oidc", [])
    except OSError as exc:
        problem("CONFIG", f"{path} ist nicht lesbar ({exc.strerror})")
        return []
    except tomllib.TOMLDecodeError as exc:
        problem("CONFIG", f"{path} ist kein gültiges TOML ({exc})")
        return []
    providers = []
    for number, entry in enumerate(entries, start=1):
        if env_name := entry.pop("client_secret_env", None):
            entry["client_secret"] = environ.get(env_name, "")
        where = f"{path.name}, [[oidc]] Nr. {number}"
        provider = _provider(
            entry, lambda key, msg, where=where: problem("CONFIG", f"{where}, {key}: {msg}")
        )
        if provider:
            providers.append(provider)
    return providers


def _provider(entry: Mapping[str, Any], problem: Any) -> OIDCProvider | None:
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        problem(key, message)

    name = str(entry.get("name", ""))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", name):
        bad("name", f"{name!r} ist kein gültiger Name (Kleinbuchstaben, Ziffern, Bindestrich)")
    issuer = str(entry.get("issuer", "")).rstrip("/")
    parts = urlsplit(issuer)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        bad("issuer", f"{issuer!r} ist keine https-Adresse" if issuer else "fehlt")
    for key in ("client_id", "client_secret"):
        if not entry.get(key):
            bad(key, "fehlt")
    role_map: dict[str, Role] = {}
    for claim_value, role_name in dict(entry.get("role_map") or {}).items():
        try:
            role = Role(str(role_name).strip())
        except ValueError:
            role = None
        if role not in STAFF_ROLES:
            bad(
                "role_map",
                f"{role_name!r} ist keine KI-Rolle (reviewer, approver, finance, admin, auditor)",
            )
        else:
            role_map[str(claim_value).strip()] = role
    if not ok:
        return None
    return OIDCProvider(
        name=name,
        label=str(entry.get("label") or name),
        issuer=issuer,
        client_id=str(entry["client_id"]),
        client_secret=str(entry["client_secret"]),
        scopes=str(entry.get("scopes") or DEFAULT_SCOPES),
        roles_claim=str(entry.get("roles_claim") or "roles"),
        **({"role_map": MappingProxyType(role_map)} if role_map else {}),
    )


def _demo_secret(data_dir: Path) -> str:
    """A random secret kept under the data directory, so demo sessions survive restarts."""
    path = data_dir / "demo-secret-key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, built once."""
    return load_settings()
