"""Reading HTML forms: typed values, one German message per bad field, and what was typed.

    form = Form(await request.form())
    title = form.text("title", max_length=300)
    amount = form.money("amount")
    if not form.ok:
        return page(errors=form.errors, values=form.values)   # the user's input comes back

Every reader returns ``None`` (or a neutral value) for a bad field and records the message, so
all problems are reported at once, in field order (for the error summary).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from babel.numbers import NumberFormatError, parse_decimal
from litestar import Request
from litestar.response import Redirect, Template

from grants.errors import Conflict, Invalid
from grants.money import MAX_AMOUNT, Money, MoneyFormatError
from grants.text import without_bidi_controls
from portal.flash import flash

E = TypeVar("E", bound=Enum)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NUMBER = re.compile(r"[+-]?[0-9][0-9.,]*")
MAX_INTEGER = 2**31 - 1  # the largest id or version the database's integer columns hold


def whole_number(text: str | None) -> int | None:
    """A non-negative whole number from a query or form value (an id, a year, a version), or
    None: also for "²" (a digit, but no decimal) and for more than a database integer holds."""
    text = (text or "").strip()
    number = int(text) if text.isdecimal() and len(text) <= 18 else None
    return number if number is not None and number <= MAX_INTEGER else None


class Form:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        value = value if isinstance(value, str) else ""
        self.values[name] = value
        return value

    def many(self, name: str) -> list[str]:
        getall = getattr(self.data, "getall", None)
        found = getall(name, []) if getall else ([self.data[name]] if name in self.data else [])
        values = [v for v in found if isinstance(v, str)]
        self.values[name] = values
        return values

    def text(
        self, name: str, *, required: bool = True, max_length: int = 200, multiline: bool = False
    ) -> str:
        value = CONTROL.sub("", self.raw(name)).strip()
        if not multiline:  # a name, title or the like: nothing may reorder it
            value = " ".join(without_bidi_controls(value).split())
        self.values[name] = value
        if required and not value:
            self.error(name, "Bitte ausfüllen.")
        elif len(value) > max_length:
            self.error(name, f"Bitte höchstens {max_length} Zeichen eingeben (jetzt {len(value)}).")
        return value[:max_length]

    def money(self, name: str, *, required: bool = True, allow_negative: bool = False,
              maximum: Money = MAX_AMOUNT) -> Money | None:  # fmt: skip
        text = self.raw(name).strip()
        if not text:
            if required:
                self.error(name, "Bitte einen Betrag eingeben.")
            return None
        try:
            amount = Money.parse(text)
        except MoneyFormatError as exc:
            self.error(name, str(exc))
            return None
        if amount.cents < 0 and not allow_negative:
            self.error(name, "Bitte keinen negativen Betrag eingeben.")
            return None
        if amount > maximum:
            self.error(name, f"Bitte höchstens {maximum.format()} eingeben.")
            return None
        return amount

    def number(self, name: str, *, places: int = 0, required: bool = True,
               minimum: Decimal = Decimal(0), maximum: Decimal = Decimal(10**9)) -> Decimal | None:  # fmt: skip
        """A German decimal number such as ``0,75`` with at most ``places`` decimals."""
        text = self.raw(name).strip()
        if not text:
            if required:
                self.error(name, "Bitte eine Zahl eingeben.")
            return None
        try:
            if not NUMBER.fullmatch(text):  # Babel alone would take "1e5"
                raise NumberFormatError(text)
            value = parse_decimal(text, locale="de_DE", strict=True)
        except (NumberFormatError, InvalidOperation):
            self.error(name, f"„{text}“ ist keine Zahl. Bitte so eingeben: 0,75")
            return None
        if not minimum <= value <= maximum:  # first: quantize fails beyond 28 digits
            low, high = (str(bound).replace(".", ",") for bound in (minimum, maximum))
            self.error(name, f"Bitte eine Zahl zwischen {low} und {high} eingeben.")
            return None
        if value != value.quantize(Decimal(1).scaleb(-places)):
            self.error(name, f"Bitte höchstens {places} Nachkommastellen angeben." if places
                       else "Bitte eine ganze Zahl eingeben.")  # fmt: skip
            return None
        return value

    def date(self, name: str, *, required: bool = True) -> date | None:
        """``2026-12-31`` (from ``<input type=date>``) or ``31.12.2026``."""
        text = self.raw(name).strip()
        if not text:
            if required:
                self.error(name, "Bitte ein Datum angeben.")
            return None
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        self.error(name, "Bitte ein gültiges Datum angeben, z. B. 31.12.2026.")
        return None

    def choice(self, name: str, options: type[E], *, required: bool = True) -> E | None:
        text = self.raw(name)
        if not text:
            if required:
                self.error(name, "Bitte eine Möglichkeit wählen.")
            return None
        try:
            return options(text)
        except ValueError:
            self.error(name, "Bitte eine der angebotenen Möglichkeiten wählen.")
            return None

    def choices(self, name: str, options: type[E], *, required: bool = False) -> list[E]:
        chosen: list[E] = []
        for text in self.many(name):
            try:
                chosen.append(options(text))
            except ValueError:
                self.error(name, "Bitte nur angebotene Möglichkeiten wählen.")
        if required and not chosen:
            self.error(name, "Bitte mindestens eine Möglichkeit wählen.")
        return chosen

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        return value in {"true", "on", "1", "ja"}

    def integer(self, name: str) -> int | None:
        return whole_number(self.raw(name))

    def keep(self, names: Iterable[str]) -> None:
        """Remember fields the readers did not touch (to show them again)."""
        for name in names:
            self.values.setdefault(name, self.data.get(name, ""))


# The name of each field as the error summary gives it ("Titel: Bitte ausfüllen."); a form
# whose field is labelled otherwise passes its own names to the macro.
FIELD_LABELS = {
    "account": "Sachkonto", "account_holder": "Kontoinhaber:in", "active": "Aktiv", "amount": "Betrag",
    "appropriation": "Ansatz", "attachment": "Datei", "aufruf": "Förderaufruf", "bearbeitung": "Sachbearbeitung",
    "bezirk": "Stadtbezirk", "bic": "BIC", "bis": "Zeitraum bis", "body": "Nachricht", "budget": "Verfügbare Mittel",
    "budget_line": "Haushaltsstelle", "call": "Förderaufruf", "cap": "Höchstbetrag", "cash_reference": "Kassenzeichen",
    "category": "Art", "centre": "Zentrum", "city": "Ort", "closes_at": "Antragsfrist",
    "conditions": "Nebenbestimmungen", "conflict_of_interest": "Befangenheit", "copy_lines": "Haushaltsstellen",
    "cost_categories": "Ausgabenarten", "cost_centre": "Kostenstelle", "datum": "Datum", "deadline": "Frist",
    "description": "Beschreibung", "district": "Stadtbezirk", "early_start_reason": "Begründung des vorzeitigen Beginns",
    "email": "E-Mail-Adresse", "exportlauf": "Exportlauf", "file": "Datei", "financing_type": "Finanzierungsart",
    "fiscal_year": "Haushaltsjahr", "fixed": "Festbetrag", "fte": "Stellenanteil", "goals": "Ziele",
    "guideline": "Förderrichtlinie", "iban": "IBAN", "indicator_set": "Indikatorensatz",
    "input_tax_deduction": "Vorsteuerabzug", "instalments": "Anzahl der Raten", "internal_notes": "Interne Notizen",
    "jahr": "Haushaltsjahr", "key": "Kennung", "kind": "Art der Anlage", "languages": "Sprachen",
    "legal_form": "Rechtsform", "legal_name": "Name", "max_grant": "Höchstzuwendung", "min_grant": "Mindestzuwendung",
    "name": "Name", "no_early_start": "Kein vorzeitiger Beginn", "opens_at": "Anträge möglich ab",
    "organisation": "Organisation", "organisation_id": "Organisation", "outcome": "Ergebnis",
    "own_funds_used": "Eingesetzte Eigenmittel", "paid_on": "Zahlungsdatum", "pay_group": "Entgeltgruppe",
    "payment_mode": "Auszahlung", "period_end": "Ende", "period_start": "Beginn", "phone": "Telefon",
    "plan": "Plan", "plan_line": "Teilplanzeile", "planned_offers": "Geplante Angebote", "points": "Nachforderung",
    "postcode": "Postleitzahl", "privacy_notice": "Datenschutzhinweise", "product": "Teilplan/Produkt",
    "programm": "Programm", "purpose": "Verwendungszweck", "quantity": "Menge", "reason": "Begründung",
    "reasons": "Begründung", "recognised": "Anerkennung", "recognised_since": "Anerkannt seit",
    "recognised_until": "Anerkannt bis", "recommendation": "Ergebnis", "register_court": "Registergericht",
    "register_number": "Registernummer", "requested": "Beantragte Zuwendung", "reviewer": "Prüfer:in",
    "role": "Rolle", "rueckforderungen": "Rückforderungen", "share": "Anteil", "short_name": "Kürzel",
    "sortierung": "Sortierung", "source": "Geldgeber", "staff_function": "Funktion", "street": "Straße",
    "suche": "Suche", "summary": "Kurzbeschreibung", "target_groups": "Zielgruppen",
    "tax_exemption_date": "Datum des Bescheids", "tax_exemption_valid_until": "Gültig bis",
    "third_party_used": "Eingesetzte Drittmittel", "title": "Titel", "traeger": "Träger", "truthful": "Richtigkeit",
    "unit_price": "Einzelpreis", "unit_rate": "Betrag je Einheit", "units": "Anzahl Einheiten",
    "usage_report_due": "Verwendungsnachweis fällig", "verein": "Verein", "von": "Zeitraum von", "year": "Jahr",
}  # fmt: skip


Redisplay = Callable[[dict[str, str], int], Awaitable[Template]]
"""Shows a form again with its German messages and a status code, keeping what was typed."""


async def saved_or_again(request: Request[Any, Any, Any], form: Form, save: Callable[[], Awaitable[Any]],
                         again: Redisplay, done: str, message: str = "Gespeichert.", *,
                         conflict: str) -> Template | Redirect:  # fmt: skip
    """Run a save; on bad input or a conflict show the form again with what was typed
    (``conflict``: the message when someone else changed the record meanwhile)."""
    if not form.ok:
        return await again(form.errors, 400)
    try:
        await save()
    except Invalid as exc:
        return await again(exc.errors, 400)
    except Conflict as exc:
        return await again({"version": conflict if "inzwischen" in str(exc) else str(exc)}, 409)
    flash(request, message)
    return Redirect(done, status_code=303)
