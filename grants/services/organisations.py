"""The organisation profile (Träger), its centres and its members.

Members and signatories of an organisation (and KI admins) keep the profile and the centres up
to date; a signatory confirms the profile as it stands, and any later change clears that
confirmation. Signatories (and admins) remove members, never themselves or the last signatory.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email
from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.table import Table
from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.services.invitations import Member, check_manage, check_view, may_manage
from grants.services.users import Principal
from grants.tables import Centre, Membership, Organisation
from grants.vocabulary import District, LegalForm, Role

POSTCODE = re.compile(r"[0-9]{5}")
PHONE = re.compile(r"\+?[0-9][0-9 ()/-]{4,}")
WARNING_MONTHS = 3  # a tax-exemption notice that ends within this many months needs attention
REQUIRED = "Bitte ausfüllen."


# -- tax-exemption notice (Freistellungsbescheid) ------------------------------------------


class TaxExemptionStatus(StrEnum):
    VALID = "valid"
    EXPIRES_SOON = "expires_soon"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class TaxExemption:
    status: TaxExemptionStatus
    message: str

    @property
    def needs_attention(self) -> bool:
        return self.status is not TaxExemptionStatus.VALID

    @property
    def blocks_submission(self) -> bool:
        """Without a valid notice no application can be submitted."""
        return self.status in {TaxExemptionStatus.EXPIRED, TaxExemptionStatus.MISSING}


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where that day does not exist)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def tax_exemption_status(valid_until: date | None, today: date) -> TaxExemption:
    """How the notice stands on ``today``; it is valid up to and including ``valid_until``."""
    blocked = "Bis ein gültiger Bescheid eingetragen ist, können keine Anträge eingereicht werden."
    if valid_until is None:
        return TaxExemption(
            TaxExemptionStatus.MISSING, f"Es ist kein Freistellungsbescheid eingetragen. {blocked}"
        )
    until = f"{valid_until:%d.%m.%Y}"
    if valid_until < today:
        return TaxExemption(
            TaxExemptionStatus.EXPIRED,
            f"Der Freistellungsbescheid ist abgelaufen (gültig bis {until}). {blocked}",
        )
    if valid_until <= months_later(today, WARNING_MONTHS):
        return TaxExemption(
            TaxExemptionStatus.EXPIRES_SOON,
            f"Der Freistellungsbescheid ist nur noch bis {until} gültig. "
            "Bitte tragen Sie rechtzeitig den neuen Bescheid ein.",
        )
    return TaxExemption(
        TaxExemptionStatus.VALID, f"Der Freistellungsbescheid ist gültig bis {until}."
    )


# -- bank account --------------------------------------------------------------------------


def format_iban(iban: str) -> str:
    """``DE89370400440532013000`` → ``DE89 3704 0044 0532 0130 00``."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _iban(text: str) -> tuple[IBAN | None, str | None]:
    """The IBAN (checksum, country, length checked by schwifty), or a German message."""
    try:
        return IBAN(text), None
    except InvalidLength:
        typed = IBAN(text, allow_invalid=True)
        return None, (f"Die IBAN hat {len(typed)} statt {typed.spec.iban_length} Zeichen. "
                      "Bitte prüfen Sie, ob Ziffern fehlen oder zu viel sind.")  # fmt: skip
    except (InvalidChecksumDigits, InvalidBBANChecksum):
        return None, "Die Prüfziffer der IBAN stimmt nicht. Bitte prüfen Sie die IBAN auf Tippfehler."  # fmt: skip
    except InvalidCountryCode:
        return None, "Die IBAN muss mit einem gültigen Ländercode beginnen, z. B. DE."
    except SchwiftyException:
        return None, "Das ist keine gültige IBAN. Bitte so eingeben: DE89 3704 0044 0532 0130 00"  # fmt: skip


def _bic(text: str, iban: IBAN) -> tuple[str, str | None]:
    """The BIC to store (derived from a German IBAN when left empty), or a German message."""
    derived = str(iban.bic or "") if iban.country_code == "DE" else ""
    if not text:
        if iban.country_code != "DE":
            return "", "Bitte die BIC angeben; für Konten außerhalb Deutschlands ist sie nötig."
        return derived, None
    try:
        bic = BIC(text).compact
    except SchwiftyException:
        return "", "Das ist keine gültige BIC. Sie hat 8 oder 11 Zeichen, z. B. COLSDE33XXX."
    if derived and bic[:8] != derived[:8]:
        return "", (f"Die BIC passt nicht zur IBAN; zu dieser IBAN gehört {derived}. "
                    "Lassen Sie das Feld leer, dann wird sie übernommen.")  # fmt: skip
    return bic, None


# -- checking input ------------------------------------------------------------------------


def _ordered(errors: Mapping[str, str], order: tuple[str, ...]) -> dict[str, str]:
    return {name: errors[name] for name in order if name in errors}


def _check_texts(values: Mapping[str, Any], limits: Mapping[str, int], required: frozenset[str],
                 errors: dict[str, str]) -> None:  # fmt: skip
    for name in required:
        if values[name] in ("", None):
            errors.setdefault(name, REQUIRED)
    for name, limit in limits.items():
        if len(values[name]) > limit:
            errors.setdefault(
                name, f"Bitte höchstens {limit} Zeichen eingeben (jetzt {len(values[name])})."
            )


def _check_postcode(postcode: str, errors: dict[str, str]) -> None:
    if postcode and not POSTCODE.fullmatch(postcode):
        errors.setdefault("postcode", "Bitte eine fünfstellige Postleitzahl angeben, z. B. 50667.")


def _check_period(start: date | None, end: date | None, field: str, message: str,
                  errors: dict[str, str]) -> None:  # fmt: skip
    if start and end and end <= start:
        errors.setdefault(field, message)


# -- the profile ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileInput:
    """What the user entered; ``None`` where a choice or a date was missing or unreadable."""

    legal_name: str
    legal_form: LegalForm | None
    register_court: str
    register_number: str
    street: str
    postcode: str
    city: str
    district: District | None
    email: str
    phone: str
    tax_exemption_date: date | None
    tax_exemption_valid_until: date | None
    iban: str
    bic: str
    account_holder: str


PROFILE_FIELDS = tuple(f.name for f in fields(ProfileInput))
# the column lengths of grants.tables.Organisation
PROFILE_LIMITS = {"legal_name": 300, "register_court": 120, "register_number": 60, "street": 200,
                  "city": 100, "email": 320, "phone": 60, "account_holder": 200}  # fmt: skip
PROFILE_REQUIRED = frozenset({"legal_name", "legal_form", "street", "postcode", "city", "district",
                              "email", "iban", "account_holder"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    legal_name: str
    legal_form: LegalForm
    register_court: str
    register_number: str
    street: str
    postcode: str
    city: str
    district: District
    email: str
    phone: str
    tax_exemption_date: date | None
    tax_exemption_valid_until: date | None
    iban: str
    bic: str
    account_holder: str
    creditor_number: str
    updated_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None  # the confirming signatory's name
    version: int
    tax_exemption: TaxExemption

    @property
    def iban_formatted(self) -> str:
        return format_iban(self.iban)

    def form_values(self) -> dict[str, str]:
        """The profile as the edit form shows it."""
        values = {name: _form_text(getattr(self, name)) for name in PROFILE_FIELDS}
        return values | {"iban": self.iban_formatted, "version": str(self.version)}


def _form_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _clean_email(email: str, errors: dict[str, str]) -> str:
    if not email:
        return email
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors.setdefault("email", "Bitte eine gültige E-Mail-Adresse angeben, z. B. info@verein.de.")  # fmt: skip
        return email


def _clean_account(data: ProfileInput, errors: dict[str, str]) -> tuple[str, str]:
    """IBAN (compact, upper case) and BIC to store."""
    iban, problem = _iban(data.iban) if data.iban else (None, None)
    if problem:
        errors.setdefault("iban", problem)
    if iban is None:
        return "", data.bic
    bic, problem = _bic(data.bic, iban)
    if problem:
        errors.setdefault("bic", problem)
    return iban.compact, bic


def _check_tax_exemption(issued: date | None, until: date | None, errors: dict[str, str]) -> None:
    if (issued is None) != (until is None):
        errors.setdefault("tax_exemption_date" if issued is None else "tax_exemption_valid_until",
                          "Bitte beide Daten des Freistellungsbescheids angeben.")  # fmt: skip
    _check_period(issued, until, "tax_exemption_valid_until",
                  "„Gültig bis“ muss nach dem Datum des Bescheids liegen.", errors)  # fmt: skip


def _clean_profile(data: ProfileInput) -> tuple[dict[str, Any], dict[str, str]]:
    """The column values to store, and a German message per bad field (in form order)."""
    values = {name: getattr(data, name) for name in PROFILE_FIELDS}
    errors: dict[str, str] = {}
    _check_texts(values, PROFILE_LIMITS, PROFILE_REQUIRED, errors)
    _check_postcode(data.postcode, errors)
    values["email"] = _clean_email(data.email, errors)
    if data.phone and not PHONE.fullmatch(data.phone):
        errors.setdefault("phone", "Bitte eine Telefonnummer aus Ziffern angeben, z. B. 0221 123456.")  # fmt: skip
    _check_tax_exemption(data.tax_exemption_date, data.tax_exemption_valid_until, errors)
    values["iban"], values["bic"] = _clean_account(data, errors)
    return values, _ordered(errors, PROFILE_FIELDS)


def check_profile(data: ProfileInput, earlier: Mapping[str, str] | None = None) -> dict[str, str]:
    """All problems of the input; ``earlier`` ones (from reading the form) win per field."""
    return _ordered({**_clean_profile(data)[1], **(earlier or {})}, PROFILE_FIELDS)


# -- who may do what -----------------------------------------------------------------------


def may_edit(principal: Principal, organisation_id: int) -> bool:
    """The organisation's members and signatories, and KI admins."""
    return Role.ADMIN in principal.roles or principal.role_in(organisation_id) is not None


def may_confirm(principal: Principal, organisation_id: int) -> bool:
    """Only a signatory of the organisation vouches for its profile."""
    return principal.role_in(organisation_id) is Role.SIGNATORY


def may_set_recognition(principal: Principal) -> bool:
    """A centre's category and recognition period are the KI's to set (admins)."""
    return Role.ADMIN in principal.roles


def check_edit(principal: Principal, organisation_id: int) -> None:
    """Outsiders learn nothing (404); KI staff other than admins may look, not edit (403)."""
    check_view(principal, organisation_id)
    if not may_edit(principal, organisation_id):
        raise Forbidden(organisation_id)


# -- reading and changing the profile ------------------------------------------------------


async def profile(principal: Principal, organisation_id: int, *, to_edit: bool = False) -> Profile:
    """The profile, for the organisation's own people and KI staff (``to_edit``: editors)."""
    (check_edit if to_edit else check_view)(principal, organisation_id)
    row = (
        await Organisation.select(
            *Organisation.all_columns(exclude=[Organisation.created_at]),
            Organisation.confirmed_by.display_name.as_alias("confirmed_by_name"),
        )
        .where(Organisation.id == organisation_id)
        .first()
    )
    if row is None:
        raise NotFound(organisation_id)
    entered = {name: row[name] for name in PROFILE_FIELDS}
    entered |= {"legal_form": LegalForm(row["legal_form"]), "district": District(row["district"])}
    return Profile(
        **entered,
        id=row["id"],
        creditor_number=row["creditor_number"],
        updated_at=row["updated_at"],
        confirmed_at=row["confirmed_at"],
        confirmed_by=row["confirmed_by_name"] if row["confirmed_at"] else None,
        version=row["version"],
        tax_exemption=tax_exemption_status(row["tax_exemption_valid_until"], clock.today()),
    )


async def _save(table: type[Table], where: Combinable, version: int, values: Mapping[str, Any],
                extra: Mapping[str, Any] | None = None) -> list[str]:  # fmt: skip
    """Write what changed if the row is still at ``version``; returns the changed columns.

    Raises NotFound when there is no such row and Conflict when someone saved meanwhile.
    """
    column, table_name = table._meta.get_column_by_name, table._meta.tablename
    current = await table.select(*map(column, values), column("version")).where(where).first()
    if current is None:
        raise NotFound(table_name)
    if current["version"] != version:
        raise Conflict(table_name)
    changed = [name for name, value in values.items() if current[name] != value]
    if changed:
        updates: dict[Column | str, Any] = {name: values[name] for name in changed}
        updates.update({**(extra or {}), "version": version + 1})
        done = (
            await table.update(updates)
            .where(where & (column("version") == version))
            .returning(column("id"))
        )
        if not done:
            raise Conflict(table_name)
    return changed


async def update_profile(principal: Principal, organisation_id: int, version: int,
                         data: ProfileInput, request_id: str = "-") -> list[str]:  # fmt: skip
    """Save the profile; returns the changed fields. A change clears the confirmation."""
    check_edit(principal, organisation_id)
    values, errors = _clean_profile(data)
    if errors:
        raise Invalid(errors)
    extra = {"updated_at": clock.now(), "confirmed_at": None, "confirmed_by": None}
    async with db.transaction():
        changed = await _save(Organisation, Organisation.id == organisation_id, version, values, extra)  # fmt: skip
        if changed:  # the names only: no bank details in the audit trail
            await audit.record(Actor(principal.id, request_id), "organisation.updated", "organisation",
                               organisation_id, organisation=organisation_id, data={"fields": changed})  # fmt: skip
    return changed


async def confirm(principal: Principal, organisation_id: int, version: int,
                  request_id: str = "-") -> None:  # fmt: skip
    """A signatory of the organisation confirms the profile as it stands at ``version``."""
    check_view(principal, organisation_id)
    if not may_confirm(principal, organisation_id):
        raise Forbidden(organisation_id)
    async with db.transaction():
        done = await Organisation.update({
            Organisation.confirmed_at: clock.now(), Organisation.confirmed_by: principal.id,
            Organisation.version: version + 1,
        }).where((Organisation.id == organisation_id) & (Organisation.version == version)
                 ).returning(Organisation.id)  # fmt: skip
        if not done:
            raise Conflict(organisation_id)
        await audit.record(Actor(principal.id, request_id), "organisation.confirmed", "organisation",
                           organisation_id, organisation=organisation_id)  # fmt: skip


# -- centres -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recognition:
    """What only KI admins set: the Zentrenkategorie and the recognition period."""

    category: str
    recognised_since: date | None
    recognised_until: date | None


@dataclass(frozen=True, slots=True)
class CentreInput:
    name: str
    street: str
    postcode: str
    district: District | None
    description: str
    recognition: Recognition | None = None  # None: left as it is


CENTRE_FIELDS = ("name", "street", "postcode", "district", "description", "category",
                 "recognised_since", "recognised_until")  # fmt: skip
CENTRE_LIMITS = {"name": 300, "street": 200, "description": 2000, "category": 60}
CENTRE_REQUIRED = frozenset({"name", "street", "postcode", "district"})


@dataclass(frozen=True, slots=True)
class CentreView:
    id: int
    name: str
    street: str
    postcode: str
    district: District
    description: str
    category: str
    recognised_since: date | None
    recognised_until: date | None
    version: int

    def form_values(self) -> dict[str, str]:
        values = {name: _form_text(getattr(self, name)) for name in CENTRE_FIELDS}
        return values | {"version": str(self.version)}


def _clean_centre(data: CentreInput) -> tuple[dict[str, Any], dict[str, str]]:
    """The column values to store, and a German message per bad field (in form order)."""
    values: dict[str, Any] = {"name": data.name, "street": data.street, "postcode": data.postcode,
                              "district": data.district, "description": data.description}  # fmt: skip
    if data.recognition:
        values |= {"category": data.recognition.category,
                   "recognised_since": data.recognition.recognised_since,
                   "recognised_until": data.recognition.recognised_until}  # fmt: skip
    errors: dict[str, str] = {}
    limits = {name: limit for name, limit in CENTRE_LIMITS.items() if name in values}
    _check_texts(values, limits, CENTRE_REQUIRED, errors)
    _check_postcode(data.postcode, errors)
    if data.recognition:
        _check_period(data.recognition.recognised_since, data.recognition.recognised_until,
                      "recognised_until", "„Anerkannt bis“ muss nach „Anerkannt seit“ liegen.",
                      errors)  # fmt: skip
    return values, _ordered(errors, CENTRE_FIELDS)


def check_centre(data: CentreInput, earlier: Mapping[str, str] | None = None) -> dict[str, str]:
    """All problems of the input; ``earlier`` ones (from reading the form) win per field."""
    return _ordered({**_clean_centre(data)[1], **(earlier or {})}, CENTRE_FIELDS)


def _centre_view(row: Mapping[str, Any]) -> CentreView:
    return CentreView(**{name: row[name] for name in ("id", *CENTRE_FIELDS, "version")}
                      | {"district": District(row["district"])})  # fmt: skip


def _check_centre_change(
    principal: Principal, organisation_id: int, data: CentreInput
) -> dict[str, Any]:
    """Editors only, the recognition only by admins; the values to store."""
    check_edit(principal, organisation_id)
    if data.recognition is not None and not may_set_recognition(principal):
        raise Forbidden(organisation_id)
    values, errors = _clean_centre(data)
    if errors:
        raise Invalid(errors)
    return values


async def centres(principal: Principal, organisation_id: int) -> list[CentreView]:
    """The organisation's centres by name."""
    check_view(principal, organisation_id)
    rows = await Centre.select().where(Centre.organisation == organisation_id).order_by(Centre.name)
    return [_centre_view(row) for row in rows]


async def centre(principal: Principal, organisation_id: int, centre_id: int) -> CentreView:
    """One centre of the organisation, for its editors."""
    check_edit(principal, organisation_id)
    row = (
        await Centre.select()
        .where((Centre.id == centre_id) & (Centre.organisation == organisation_id))
        .first()
    )
    if row is None:
        raise NotFound(centre_id)
    return _centre_view(row)


async def add_centre(principal: Principal, organisation_id: int, data: CentreInput,
                     request_id: str = "-") -> int:  # fmt: skip
    """A new centre of the organisation; returns its id."""
    values = _check_centre_change(principal, organisation_id, data)
    async with db.transaction():
        if not await Organisation.exists().where(Organisation.id == organisation_id):
            raise NotFound(organisation_id)
        row = await Centre.insert(Centre(organisation=organisation_id, **values)).returning(
            Centre.id
        )
        centre_id = int(row[0]["id"])
        await audit.record(Actor(principal.id, request_id), "centre.created", "centre", centre_id,
                           organisation=organisation_id, data={"fields": sorted(values)})  # fmt: skip
    return centre_id


async def update_centre(principal: Principal, organisation_id: int, centre_id: int, version: int,
                        data: CentreInput, request_id: str = "-") -> list[str]:  # fmt: skip
    """Save a centre of the organisation; returns the changed fields."""
    values = _check_centre_change(principal, organisation_id, data)
    where = (Centre.id == centre_id) & (Centre.organisation == organisation_id)
    async with db.transaction():
        changed = await _save(Centre, where, version, values)
        if changed:
            await audit.record(Actor(principal.id, request_id), "centre.updated", "centre", centre_id,
                               organisation=organisation_id, data={"fields": changed})  # fmt: skip
    return changed


# -- members -------------------------------------------------------------------------------


def removable(principal: Principal, organisation_id: int, members: list[Member]) -> frozenset[int]:
    """The user ids the principal may remove: not themselves, never the last signatory."""
    if not may_manage(principal, organisation_id):
        return frozenset()
    signatories = sum(m.role is Role.SIGNATORY for m in members)
    return frozenset(
        m.user_id for m in members
        if m.user_id != principal.id and (m.role is not Role.SIGNATORY or signatories > 1)
    )  # fmt: skip


async def remove_member(principal: Principal, organisation_id: int, user_id: int,
                        request_id: str = "-") -> str:  # fmt: skip
    """A signatory (or admin) removes someone from the organisation; returns their name.

    The removed user's next request is answered without this membership.
    """
    check_manage(principal, organisation_id)
    field = f"member-{user_id}"
    if user_id == principal.id:
        raise Invalid({field: "Sie können sich nicht selbst entfernen. Bitten Sie eine andere "
                              "vertretungsberechtigte Person darum."})  # fmt: skip
    async with db.transaction():
        await db.lock(f"membership:{organisation_id}")  # two signatories removing each other
        row = (
            await Membership.select(
                Membership.id, Membership.role, Membership.user.display_name.as_alias("name")
            )
            .where((Membership.organisation == organisation_id) & (Membership.user == user_id))
            .first()
        )
        if row is None:
            raise NotFound(user_id)
        if row["role"] == Role.SIGNATORY and await Membership.count().where(
            (Membership.organisation == organisation_id) & (Membership.role == Role.SIGNATORY)
        ) == 1:  # fmt: skip
            raise Invalid({field: f"{row['name']} ist die letzte vertretungsberechtigte Person und "
                                  "kann nicht entfernt werden. Laden Sie zuerst eine weitere ein."})  # fmt: skip
        await Membership.delete().where(Membership.id == row["id"])
        await audit.record(Actor(principal.id, request_id), "membership.removed", "membership", row["id"],
                           organisation=organisation_id, data={"user": user_id, "role": row["role"]})  # fmt: skip
    return str(row["name"])


async def choices(search: str, chosen: int | None, limit: int) -> list[tuple[int, str]]:
    """Organisations (id, legal name) to choose from: those whose name contains ``search``, at
    most ``limit`` in name order, and the ``chosen`` one — never the whole register."""
    text = db.search_text(search)
    matches: Combinable = Organisation.id.is_null()  # nothing, unless searched or chosen
    if text:
        matches = matches | db.contains(Organisation.legal_name, text)
    if chosen is not None:
        matches = matches | (Organisation.id == chosen)
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(matches).order_by(
        Organisation.legal_name, Organisation.id
    ).limit(limit)  # fmt: skip
    return [(r["id"], r["legal_name"]) for r in rows]
