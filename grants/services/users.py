"""Users, their KI roles and memberships: sign-in from an OIDC identity, and what admins change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import NotFound
from grants.paging import Page, page_of, window
from grants.tables import Membership, Organisation, User, UserRole
from grants.vocabulary import STAFF_ROLES, Role


@dataclass(frozen=True, slots=True)
class Identity:
    """What a provider vouched for, after the ID token was validated."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    display_name: str
    roles: frozenset[Role] = frozenset()  # KI roles from the provider's claim, already mapped


@dataclass(frozen=True, slots=True)
class Affiliation:
    organisation_id: int
    organisation_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user as every use case sees them."""

    id: int
    display_name: str
    email: str
    roles: frozenset[Role] = frozenset()
    affiliations: tuple[Affiliation, ...] = ()

    def role_in(self, organisation_id: int) -> Role | None:
        return next(
            (a.role for a in self.affiliations if a.organisation_id == organisation_id), None
        )

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(a.organisation_id for a in self.affiliations)

    @property
    def all_roles(self) -> frozenset[Role]:
        """KI roles plus the roles held in organisations (a signatory is also a member)."""
        held = {a.role for a in self.affiliations}
        if Role.SIGNATORY in held:
            held.add(Role.MEMBER)
        return self.roles | held

    @property
    def has_access(self) -> bool:
        return bool(self.roles or self.affiliations)


@dataclass(frozen=True, slots=True)
class UserOverview:
    id: int
    display_name: str
    email: str
    issuer: str
    last_login_at: datetime | None
    roles: dict[Role, str] = field(default_factory=dict)  # role -> source ("claim" or "admin")
    affiliations: tuple[Affiliation, ...] = ()


async def sign_in(identity: Identity, request_id: str = "-") -> Principal:
    """Create or update the user, take over the provider's roles, bind pending invitations."""
    from grants.services import invitations

    async with db.transaction():
        user = await User.objects().get(
            (User.issuer == identity.issuer) & (User.subject == identity.subject)
        )
        if user is not None and not user.active:
            raise NotFound(user.id)  # deactivated by an admin: nothing is written
        now = clock.now()
        if user is None:
            user = User(issuer=identity.issuer, subject=identity.subject)
        user.email = identity.email.lower()
        user.email_verified = identity.email_verified
        user.display_name = identity.display_name or identity.email
        user.last_login_at = now
        await user.save()
        actor = Actor(user.id, request_id)
        await _sync_claim_roles(user.id, identity.roles, actor)
        if identity.email_verified and identity.email:
            await invitations.bind(user.id, identity.email.lower(), actor)
        await audit.record(actor, "user.login", "user", user.id, data={"issuer": identity.issuer})
    principal = await load_principal(user.id)
    if principal is None:
        raise NotFound(user.id)  # deactivated by an admin: no session for them
    return principal


async def _sync_claim_roles(user_id: int, claimed: frozenset[Role], actor: Actor) -> None:
    """Roles from the provider's claim follow the claim; roles an admin granted stay."""
    held = {r["role"]: r["source"] for r in await UserRole.select(UserRole.role, UserRole.source)
            .where(UserRole.user == user_id)}  # fmt: skip
    for role in claimed - set(held):
        await UserRole.insert(UserRole(user=user_id, role=role, source="claim"))
        await audit.record(
            actor, "role.granted", "user", user_id, data={"role": role.value, "source": "claim"}
        )
    for role, source in held.items():
        if source == "claim" and role not in claimed:
            await UserRole.delete().where((UserRole.user == user_id) & (UserRole.role == role))
            await audit.record(
                actor, "role.revoked", "user", user_id, data={"role": role, "source": "claim"}
            )


# The user with KI roles and memberships: one row per (role, membership) pair, at least one.
PRINCIPAL_COLUMNS = (
    "u.id AS user_id, u.display_name, u.email, r.role AS staff_role,"
    " m.organisation, o.legal_name, m.role AS member_role"
)
PRINCIPAL_JOINS = """
LEFT JOIN user_role r ON r."user" = u.id
LEFT JOIN membership m ON m."user" = u.id
LEFT JOIN organisation o ON o.id = m.organisation"""


def principal_of(rows: list[dict[str, Any]]) -> Principal | None:
    """The principal from the rows of :data:`PRINCIPAL_COLUMNS`, or None without a user."""
    if not rows or rows[0]["user_id"] is None:
        return None
    first = rows[0]
    memberships = {r["organisation"]: r for r in rows if r["organisation"] is not None}
    return Principal(
        id=first["user_id"],
        display_name=first["display_name"],
        email=first["email"],
        roles=frozenset(Role(r["staff_role"]) for r in rows if r["staff_role"]) & STAFF_ROLES,
        affiliations=tuple(
            Affiliation(r["organisation"], r["legal_name"], Role(r["member_role"]))
            for r in sorted(memberships.values(), key=lambda r: r["legal_name"])
        ),
    )


async def load_principal(user_id: int) -> Principal | None:
    """The active user with roles and memberships (one query), or None."""
    rows = await db.fetch(
        f"SELECT {PRINCIPAL_COLUMNS} FROM app_user u {PRINCIPAL_JOINS}"  # noqa: S608 — constants
        " WHERE u.id = {} AND u.active",
        user_id,
    )
    return principal_of(rows)


async def _affiliations(user_ids: list[int]) -> dict[int, list[Affiliation]]:
    rows = (
        await Membership.select(
            Membership.user,
            Membership.organisation,
            Membership.organisation.legal_name,
            Membership.role,
        )
        .where(Membership.user.is_in(user_ids))
        .order_by(Membership.organisation.legal_name)
        if user_ids
        else []
    )
    found: dict[int, list[Affiliation]] = {}
    for r in rows:
        found.setdefault(r["user"], []).append(
            Affiliation(r["organisation"], r["organisation.legal_name"], Role(r["role"]))
        )
    return found


async def overview(page: int = 1) -> Page[UserOverview]:
    """One page of the users by name with roles and memberships, for the admin pages (three
    queries, no N+1)."""
    limit, offset = window(page)
    found = page_of(await User.select(
        User.id, User.display_name, User.email, User.issuer, User.last_login_at
    ).order_by(User.display_name, User.id).limit(limit).offset(offset), page)  # fmt: skip
    users = found.rows
    ids = [u["id"] for u in users]
    roles: dict[int, dict[Role, str]] = {}
    if ids:
        for r in await UserRole.select(UserRole.user, UserRole.role, UserRole.source).where(
            UserRole.user.is_in(ids)
        ):
            roles.setdefault(r["user"], {})[Role(r["role"])] = r["source"]
    affiliations = await _affiliations(ids)
    return Page([
        UserOverview(u["id"], u["display_name"], u["email"], u["issuer"], u["last_login_at"],
                     roles.get(u["id"], {}), tuple(affiliations.get(u["id"], ())))
        for u in users
    ], found.number, found.has_next)  # fmt: skip


async def set_role(actor: Actor, user_id: int, role: Role, *, granted: bool) -> None:
    """An admin grants or takes away a KI role (organisation roles come from memberships)."""
    if role not in STAFF_ROLES:
        raise NotFound(role)
    async with db.transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound(user_id)
        held = await UserRole.exists().where((UserRole.user == user_id) & (UserRole.role == role))
        if granted and not held:
            await UserRole.insert(
                UserRole(user=user_id, role=role, source="admin", granted_by=actor.user_id)
            )
        elif not granted and held:
            await UserRole.delete().where((UserRole.user == user_id) & (UserRole.role == role))
        else:
            return
        action = "role.granted" if granted else "role.revoked"
        await audit.record(
            actor, action, "user", user_id, data={"role": role.value, "source": "admin"}
        )


async def organisation_name(organisation_id: int) -> str:
    row = (
        await Organisation.select(Organisation.legal_name)
        .where(Organisation.id == organisation_id)
        .first()
    )
    if row is None:
        raise NotFound(organisation_id)
    return str(row["legal_name"])
