"""Settings from ``GRANTS_*`` environment variables, optionally from a ``.env`` file.

Everything is validated once at start-up; a bad value raises :class:`ConfigurationError`
with one German line per problem, naming the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

PREFIX = "GRANTS_"
MIN_SECRET_LENGTH = 32


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
class Settings:
    env: Environment
    database: DatabaseURL
    base_url: str
    secret_key: str
    data_dir: Path
    log_level: str

    @property
    def demo(self) -> bool:
        return self.env is Environment.DEMO

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")


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

    if problems:
        raise ConfigurationError(problems)
    return Settings(env, database, base_url, secret_key, data_dir, log_level)


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
