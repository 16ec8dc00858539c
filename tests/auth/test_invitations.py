"""Invitations: admins and signatories invite; the first verified login binds the membership."""

from datetime import timedelta

import pytest

from grants import clock
from grants.demo.seed import load_once
from grants.tables import Invitation, Membership, Notification, Organisation, User
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
GUEST_EMAIL = "nora.gast@demo.foerderportal.example"


@pytest.fixture
async def orgs(database):
    """The personas' association (A) and another one (B)."""
    await load_once()
    a = (await Membership.objects().get(Membership.user.subject == "demo-signatory")).organisation
    b = (await Organisation.select(Organisation.id).where(Organisation.id != a).first())["id"]
    return a, b


async def test_a_signatory_invites_and_the_first_login_binds_the_membership(client, orgs):
    a, _ = orgs
    await sign_in(client, "signatory")
    sent = await csrf_post(
        client,
        f"/organisationen/{a}/einladungen",
        {"email": " Nora.Gast@Demo.Foerderportal.example ", "role": "member"},
    )
    assert sent.status_code == 303
    page = await client.get(sent.headers["location"])
    assert "Einladung an Nora.Gast@Demo.Foerderportal.example verschickt." in page.text
    assert GUEST_EMAIL in page.text
    assert "offen" in page.text
    mail = await Notification.objects().get(Notification.recipient == GUEST_EMAIL)
    assert "als Antragsteller:in" in mail.body
    assert "/auth/login" in mail.body

    client.cookies.clear()
    done = await sign_in(client, "guest", next_path=f"/organisationen/{a}/mitglieder")
    assert done.headers["location"] == f"/organisationen/{a}/mitglieder"
    guest = await User.objects().get(User.subject == "demo-guest")
    assert await Membership.exists().where(
        (Membership.user == guest.id) & (Membership.organisation == a)
    )
    assert (await Invitation.objects().get(Invitation.email == GUEST_EMAIL)).accepted_by == guest.id


async def test_a_member_may_look_but_not_invite(client, orgs):
    a, _ = orgs
    await sign_in(client, "member")
    assert (await client.get(f"/organisationen/{a}/mitglieder")).status_code == 200
    refused = await csrf_post(
        client, f"/organisationen/{a}/einladungen", {"email": "x@verein.example", "role": "member"}
    )
    assert refused.status_code == 403
    assert await Invitation.count() == 0


async def test_a_signatory_of_a_cannot_invite_into_b(client, orgs):
    _, b = orgs
    await sign_in(client, "signatory")
    assert (await client.get(f"/organisationen/{b}/mitglieder")).status_code == 404
    refused = await csrf_post(
        client, f"/organisationen/{b}/einladungen", {"email": "x@verein.example", "role": "member"}
    )
    assert refused.status_code == 404
    assert await Invitation.count() == 0


async def test_bad_input_is_shown_at_the_field_and_kept(client, orgs):
    a, _ = orgs
    await sign_in(client, "signatory")
    answer = await csrf_post(
        client, f"/organisationen/{a}/einladungen", {"email": "kein-at-zeichen", "role": "admin"}
    )
    assert answer.status_code == 400
    assert "Bitte korrigieren Sie Ihre Angaben" in answer.text
    assert 'href="#feld-email"' in answer.text
    assert 'href="#feld-role"' in answer.text
    assert 'value="kein-at-zeichen"' in answer.text
    assert "<title>Fehler: " in answer.text
    assert await Invitation.count() == 0


async def test_inviting_twice_or_inviting_a_member_is_refused(client, orgs):
    a, _ = orgs
    await sign_in(client, "signatory")
    first = await csrf_post(
        client, f"/organisationen/{a}/einladungen", {"email": GUEST_EMAIL, "role": "member"}
    )
    assert first.status_code == 303
    again = await csrf_post(
        client, f"/organisationen/{a}/einladungen", {"email": GUEST_EMAIL, "role": "signatory"}
    )
    assert f"{GUEST_EMAIL} ist schon eingeladen." in again.text
    member = await csrf_post(client, f"/organisationen/{a}/einladungen",
                             {"email": "ayse.demir@demo.foerderportal.example", "role": "member"})  # fmt: skip
    assert "gehört schon zu dieser Organisation" in member.text


@pytest.mark.parametrize("how", ["revoked", "expired"])
async def test_revoked_or_expired_invitations_bind_nothing(client, orgs, how):
    a, _ = orgs
    await sign_in(client, "admin")
    await csrf_post(
        client,
        "/admin/einladungen",
        {"organisation": str(a), "email": GUEST_EMAIL, "role": "signatory"},
    )
    invitation = await Invitation.objects().get(Invitation.email == GUEST_EMAIL)
    if how == "revoked":
        done = await csrf_post(client, f"/admin/einladungen/{invitation.id}/widerrufen")
        assert done.status_code == 303
        assert "widerrufen" in (await client.get("/admin/einladungen")).text
    else:
        await Invitation.update({Invitation.expires_at: clock.now() - timedelta(minutes=1)}).where(
            Invitation.id == invitation.id
        )
    client.cookies.clear()
    done = await sign_in(client, "guest")
    assert done.headers["location"] == "/auth/kein-zugang"


async def test_an_invitation_as_signatory_upgrades_a_member(client, orgs):
    a, _ = orgs
    await sign_in(client, "admin")
    member = await User.objects().get(User.subject == "demo-member")
    await Invitation.insert(Invitation(organisation=a, email=member.email, role="signatory", invited_by=member.id,
                                       expires_at=clock.now() + timedelta(days=1)))  # fmt: skip
    client.cookies.clear()
    await sign_in(client, "member")
    membership = await Membership.objects().get(
        (Membership.user == member.id) & (Membership.organisation == a)
    )
    assert membership.role == "signatory"


async def test_admin_pages_list_users_roles_memberships_and_invitations(client, orgs):
    await sign_in(client, "admin")
    users = await client.get("/admin/nutzer")
    assert users.status_code == 200
    assert "Julia Becker" in users.text
    assert "Sachbearbeitung" in users.text
    assert (
        "Türkisch-Deutscher Kulturverein Ehrenfeld e. V. (Vertretungsberechtigte:r)" in users.text
    )
    assert (await client.get("/admin/einladungen")).status_code == 200


async def test_an_auditor_sees_the_admin_pages_but_changes_nothing(client, orgs):
    await sign_in(client, "auditor")
    page = await client.get("/admin/nutzer")
    assert page.status_code == 200
    assert "Rolle vergeben" not in page.text
    guest = await User.objects().get(User.subject == "demo-guest")
    refused = await csrf_post(
        client, f"/admin/nutzer/{guest.id}/rollen", {"role": "admin", "action": "grant"}
    )
    assert refused.status_code == 403


async def test_admin_grants_and_revokes_a_role_with_an_audit_trail(client, orgs):
    from grants import audit
    from grants.tables import AuditEvent, UserRole

    await sign_in(client, "admin")
    guest = await User.objects().get(User.subject == "demo-guest")
    granted = await csrf_post(
        client, f"/admin/nutzer/{guest.id}/rollen", {"role": "reviewer", "action": "grant"}
    )
    assert granted.status_code == 303
    assert await UserRole.exists().where(
        (UserRole.user == guest.id) & (UserRole.role == "reviewer")
    )
    revoked = await csrf_post(client, f"/admin/nutzer/{guest.id}/rollen",
                              {"role": "reviewer", "action": "revoke", "seite": "2"})  # fmt: skip
    assert (
        revoked.headers["location"] == f"/admin/nutzer?seite=2#nutzer-{guest.id}"
    )  # back to its page
    assert not await UserRole.exists().where(UserRole.user == guest.id)
    actions = [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action).where(AuditEvent.entity_id == guest.id)
    ]
    assert actions == ["role.granted", "role.revoked"]
    assert await audit.verify_chain() is None


async def test_admin_roles_survive_login_while_claim_roles_follow_the_claim(client, orgs):
    from grants.tables import UserRole

    guest = await User.objects().get(User.subject == "demo-guest")
    await UserRole.insert(UserRole(user=guest.id, role="auditor", source="admin"),
                          UserRole(user=guest.id, role="finance", source="claim"))  # fmt: skip
    await sign_in(client, "guest")
    held = await UserRole.select(UserRole.role, UserRole.source).where(UserRole.user == guest.id)
    assert held == [{"role": "auditor", "source": "admin"}]
