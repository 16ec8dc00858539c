"""Jinja templates: one loader over the shared and the per-area folders, German filters, gettext."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from grants.clock import BERLIN
from grants.money import Money
from grants.services.users import Principal
from grants.settings import Settings
from grants.text import without_bidi_controls
from grants.versions import thousandths
from portal import flash
from portal.auth import sessions
from portal.forms import FIELD_LABELS
from portal.i18n import translations

PORTAL = Path(__file__).parent


def template_directories() -> list[Path]:
    return [PORTAL / "templates", *sorted(p for p in PORTAL.glob("*/templates") if p.is_dir())]


def eur(value: Money | int | None) -> str:
    """``1.234,56 €`` from Money or from cents."""
    if value is None:
        return "–"
    return (value if isinstance(value, Money) else Money(value)).format()


def date_de(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date()
    return format_date(value, "dd.MM.yyyy", locale="de_DE")


def datetime_de(value: datetime | None) -> str:
    if value is None:
        return "–"
    return format_datetime(value.astimezone(BERLIN), "dd.MM.yyyy, HH:mm 'Uhr'", locale="de_DE")


def viewer(request: Request[Any, Any, Any]) -> Principal | None:
    """The signed-in user, or None (also on pages the router never matched)."""
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def session_ends(request: Request[Any, Any, Any]) -> datetime | None:
    session = request.scope.get("session")
    if not isinstance(session, dict) or "uid" not in session:
        return None
    return datetime.fromtimestamp(sessions.expires_at(session), UTC)


def role_labels(principal: Principal) -> str:
    return ", ".join(sorted(role.label for role in principal.roles))


def date_input(value: str | date | None) -> str:
    """A date as typed in German forms: ``2026-12-31`` or a date → ``31.12.2026``; else as is."""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if value and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:]}.{value[5:7]}.{value[:4]}"
    return value or ""


def labels(values: list[str], names: dict[str, str]) -> str:
    """``["tr", "ar"]`` → ``Türkisch, Arabisch`` — for showing stored codes."""
    return ", ".join(names.get(value, value) for value in values) or "–"


def shown(value: Any) -> Any:
    """Every printed value (Jinja's ``finalize``) without bidirectional controls, so that no
    user text — also one stored before they were refused — reorders what the page shows."""
    return without_bidi_controls(value) if isinstance(value, str) else value


def environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_directories()),
        finalize=shown,
        autoescape=select_autoescape(["html", "jinja2"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    env.install_gettext_translations(translations(), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        eur=eur,
        thousandths=thousandths,
        date_de=date_de,
        datetime_de=datetime_de,
        labels=labels,
        date_input=date_input,
    )
    env.globals.update(
        demo=settings.demo, product="Förderportal", viewer=viewer, session_ends=session_ends,
        flashes=flash.take, role_labels=role_labels, field_labels=FIELD_LABELS,
    )  # fmt: skip
    return env


def template_config(settings: Settings) -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment(settings)))
