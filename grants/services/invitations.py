"""Invitations: an admin or a signatory invites an e-mail address into an organisation.

The first login with that address as a verified e-mail binds the membership. Invitations
expire after :data:`VALID_DAYS` days and can be revoked until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from piccolo.columns.combination import Combinable

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Forbidden, Invalid, NotFound
from grants.notifications import enqueue
from grants.paging import Page, page_of, window
from grants.services.users import Principal
from grants.settings import get_settings
from grants.tables import Invitation, Membership, Organisation
from grants.vocabulary import ORGANISATION_ROLES, Role

VALID_DAYS = 14


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: int
    organisation_id: int
    organisation_name: str
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "angenommen"
        if self.revoked_at:
            return "widerrufen"
        return "abgelaufen" if self.expires_at <= clock.now() else "offen"

    @property
    def is_open(self) -> bool:
        return self.status == "offen"


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    name: str
    email: str
    role: Role


def may_manage(principal: Principal, organisation_id: int) -> bool:
    return Role.ADMIN in principal.roles or principal.role_in(organisation_id) is Role.SIGNATORY


def check_view(principal: Principal, organisation_id: int) -> None:
    """KI staff and the organisation's own people may look; others learn nothing (404)."""
    if not principal.roles and principal.role_in(organisation_id) is None:
        raise NotFound(organisation_id)


def check_manage(principal: Principal, organisation_id: int) -> None:
    """Admins and the organisation's signatories manage; other viewers are told no (403)."""
    check_view(principal, organisation_id)
    if not may_manage(principal, organisation_id):
        raise Forbidden(organisation_id)


def _open() -> Combinable:
    return (
        (Invitation.accepted_at.is_null())
        & (Invitation.revoked_at.is_null())
        & (Invitation.expires_at > clock.now())
    )


async def invite(
    principal: Principal, organisation_id: int, email: str, role: str, request_id: str = "-"
) -> int:
    """Invite ``email`` as member or signatory; returns the invitation's id."""
    check_manage(principal, organisation_id)
    errors: dict[str, str] = {}
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        address = ""
        errors["email"] = "Bitte eine gültige E-Mail-Adresse angeben, z. B. name@verein.de."
    try:
        chosen = Role(role)
    except ValueError:
        chosen = Role.MEMBER
    if chosen not in ORGANISATION_ROLES or chosen.value != role:
        errors["role"] = (
            "Bitte wählen Sie eine Rolle: Antragsteller:in oder Vertretungsberechtigte:r."
        )
    async with db.transaction():
        organisation = (
            await Organisation.select(Organisation.legal_name)
            .where(Organisation.id == organisation_id)
            .first()
        )
        if organisation is None:
            raise NotFound(organisation_id)
        if address and await Membership.exists().where(
            (Membership.organisation == organisation_id) & (Membership.user.email == address)
        ):
            errors["email"] = f"{address} gehört schon zu dieser Organisation."
        elif address and await Invitation.exists().where(
            (Invitation.organisation == organisation_id) & (Invitation.email == address) & _open()
        ):
            errors["email"] = f"{address} ist schon eingeladen."
        if errors:
            raise Invalid(errors)
        expires = clock.now() + timedelta(days=VALID_DAYS)
        row = await Invitation.insert(
            Invitation(
                organisation=organisation_id,
                email=address,
                role=chosen,
                invited_by=principal.id,
                expires_at=expires,
            )
        ).returning(Invitation.id)
        invitation_id = int(row[0]["id"])
        await enqueue(
            address,
            f"Einladung in das Förderportal: {organisation['legal_name']}",
            (f"Guten Tag,\n\n{principal.display_name} lädt Sie ein, im Förderportal der Stadt Köln "
             f"für {organisation['legal_name']} als {chosen.label} mitzuwirken.\n\n"
             f"Melden Sie sich bis zum {expires:%d.%m.%Y} mit dieser E-Mail-Adresse an:\n"
             f"{get_settings().base_url}/auth/login\n"),
        )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "invitation.created", "invitation", invitation_id,
                           organisation=organisation_id, data={"role": chosen.value})  # fmt: skip
    return invitation_id


async def revoke(
    principal: Principal,
    invitation_id: int,
    request_id: str = "-",
    organisation_id: int | None = None,
) -> None:
    """Withdraw an open invitation (of ``organisation_id``, when given)."""
    async with db.transaction():
        row = (
            await Invitation.select(Invitation.organisation)
            .where((Invitation.id == invitation_id) & _open())
            .first()
        )
        if row is None or organisation_id not in (None, row["organisation"]):
            raise NotFound(invitation_id)
        check_manage(principal, row["organisation"])
        await Invitation.update({Invitation.revoked_at: clock.now()}).where(
            Invitation.id == invitation_id
        )
        await audit.record(Actor(principal.id, request_id), "invitation.revoked", "invitation", invitation_id,
                           organisation=row["organisation"])  # fmt: skip


async def bind(user_id: int, email: str, actor: Actor) -> None:
    """At a login with this verified address: turn its open invitations into memberships."""
    for invitation in await Invitation.select(
        Invitation.id, Invitation.organisation, Invitation.role
    ).where((Invitation.email == email) & _open()):
        organisation, role = invitation["organisation"], Role(invitation["role"])
        current = (
            await Membership.select(Membership.id, Membership.role)
            .where((Membership.user == user_id) & (Membership.organisation == organisation))
            .first()
        )
        if current is None:
            await Membership.insert(Membership(user=user_id, organisation=organisation, role=role))
        elif role is Role.SIGNATORY and current["role"] != Role.SIGNATORY:
            await Membership.update(
                {Membership.role: role, Membership.version: Membership.version + 1}
            ).where(Membership.id == current["id"])
        await Invitation.update(
            {Invitation.accepted_at: clock.now(), Invitation.accepted_by: user_id}
        ).where(Invitation.id == invitation["id"])
        await audit.record(actor, "invitation.accepted", "invitation", invitation["id"],
                           organisation=organisation, data={"role": role.value})  # fmt: skip


async def listing(principal: Principal, organisation_id: int | None = None,
                  page: int = 1) -> Page[InvitationView]:  # fmt: skip
    """One page of the invitations of one organisation (for those who may manage it), or of all
    (for admins), newest first."""
    query = Invitation.select(
        Invitation.id, Invitation.organisation, Invitation.organisation.legal_name, Invitation.email,
        Invitation.role, Invitation.invited_by.display_name, Invitation.created_at, Invitation.expires_at,
        Invitation.accepted_at, Invitation.revoked_at,
    ).order_by(Invitation.created_at, Invitation.id, ascending=False)  # fmt: skip
    if organisation_id is not None:
        check_manage(principal, organisation_id)
        query = query.where(Invitation.organisation == organisation_id)
    elif Role.ADMIN not in principal.roles:
        raise Forbidden("invitations")
    limit, offset = window(page)
    return page_of(
        [
            InvitationView(
                r["id"],
                r["organisation"],
                r["organisation.legal_name"],
                r["email"],
                Role(r["role"]),
                r["invited_by.display_name"],
                r["created_at"],
                r["expires_at"],
                r["accepted_at"],
                r["revoked_at"],
            )
            for r in await query.limit(limit).offset(offset)
        ],
        page,
    )


async def members(principal: Principal, organisation_id: int) -> list[Member]:
    """Who acts for the organisation: name, e-mail, role."""
    check_view(principal, organisation_id)
    rows = (
        await Membership.select(
            Membership.user, Membership.user.display_name, Membership.user.email, Membership.role
        )
        .where(Membership.organisation == organisation_id)
        .order_by(Membership.user.display_name)
    )
    return [
        Member(r["user"], r["user.display_name"], r["user.email"], Role(r["role"])) for r in rows
    ]
