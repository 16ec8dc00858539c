"""Hand-over for signature: a member, who may not submit, lays the finished draft before the
organisation's signatories (vertretungsberechtigte Personen). They get a mail and find it on
their start page. Any later change of the draft takes the hand-over back
(:func:`grants.services.applications.touch`): the signatories were shown another draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants import audit, clock, db, notifications
from grants.audit import Actor
from grants.clock import BERLIN
from grants.errors import Conflict, Forbidden, Invalid
from grants.services import applications
from grants.services.users import Principal
from grants.settings import get_settings
from grants.tables import Application, Membership
from grants.vocabulary import Role


@dataclass(frozen=True, slots=True)
class Signatory:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Awaiting:
    """A draft that lies before a signatory."""

    application_id: int
    title: str
    organisation_name: str
    handed_over_by: str
    handed_over_at: datetime


async def signatories(organisation_id: int) -> list[Signatory]:
    """The organisation's active signatories, by name."""
    rows = (
        await Membership.select(
            Membership.user, Membership.user.display_name, Membership.user.email
        )
        .where(
            (Membership.organisation == organisation_id)
            & (Membership.role == Role.SIGNATORY)
            & (Membership.user.active == True)  # noqa: E712 (a column comparison)
        )
        .order_by(Membership.user.display_name)
    )
    return [Signatory(r["user"], r["user.display_name"], r["user.email"]) for r in rows]


async def hand_over(
    principal: Principal, application_id: int, version: int, request_id: str = "-"
) -> list[Signatory]:
    """Mark the complete draft as ready for signature and mail each signatory; returns them."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        if principal.role_in(app.organisation_id) is not Role.MEMBER:
            raise Forbidden(
                "Sie dürfen selbst einreichen; eine Vorlage zur Unterschrift ist nicht nötig."
            )
        if app.handed_over_at is not None:
            raise Conflict(f"Der Antrag liegt schon seit {app.handed_over_at.astimezone(BERLIN):%d.%m.%Y} "
                           "zur Unterschrift vor.")  # fmt: skip
        now = clock.now()
        organisation = await applications.organisation_of(app)
        if problems := applications.submission_problems(app, organisation, now):
            raise Invalid({f"problem{n}": text for n, text in enumerate(problems)})
        signers = await signatories(app.organisation_id)
        if not signers:
            raise Conflict("Ihre Organisation hat noch keine vertretungsberechtigte Person im Förderportal. "
                           "Bitte wenden Sie sich an das Kommunale Integrationszentrum.")  # fmt: skip
        await applications.touch(app.id, version, {
            Application.handed_over_at: now, Application.handed_over_by: principal.id,
        })  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "application.handed_over", "application", app.id,
                           organisation=app.organisation_id,
                           data={"signatories": [s.user_id for s in signers]})  # fmt: skip
        link = f"{get_settings().base_url}/antraege/{app.id}/pruefen"
        for signer in signers:
            await notifications.enqueue(
                signer.email, f"Zur Unterschrift: {app.title}",
                (f"Guten Tag {signer.name},\n\n{principal.display_name} hat den Antrag „{app.title}“ "
                 f"({app.call_title}) fertig ausgefüllt und Ihnen am {now.astimezone(BERLIN):%d.%m.%Y} "
                 "zur Unterschrift vorgelegt.\n\nBitte prüfen Sie die Angaben und reichen Sie den Antrag "
                 f"für {app.organisation_name} ein:\n{link}\n"),
            )  # fmt: skip
    return signers


async def awaiting(principal: Principal) -> list[Awaiting]:
    """The drafts laid before this signatory, oldest hand-over first (one query)."""
    organisations = [a.organisation_id for a in principal.affiliations if a.role is Role.SIGNATORY]
    if not organisations:
        return []
    rows = await Application.select(
        Application.id, Application.title, Application.organisation.legal_name,
        Application.handed_over_by.display_name, Application.handed_over_at,
    ).where(
        Application.organisation.is_in(organisations) & Application.handed_over_at.is_not_null()
        & Application.status.is_in(list(applications.EDITABLE))
    ).order_by(Application.handed_over_at)  # fmt: skip
    return [
        Awaiting(r["id"], r["title"] or "(ohne Titel)", r["organisation.legal_name"],
                 r["handed_over_by.display_name"] or "", r["handed_over_at"])
        for r in rows
    ]  # fmt: skip
