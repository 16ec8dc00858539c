"""The first login into a portal without users: the user comes from the provider's claims."""

import pytest

from grants.tables import User, UserRole
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio


async def test_first_login_creates_the_user_with_the_roles_of_the_claim(client):
    await sign_in(client, "finance")
    user = await User.objects().get(User.subject == "demo-finance")
    assert user.email == "markus.weber@demo.foerderportal.example"
    assert user.email_verified
    assert await UserRole.select(UserRole.role, UserRole.source).where(
        UserRole.user == user.id
    ) == [{"role": "finance", "source": "claim"}]
    assert (await client.get("/admin/nutzer")).status_code == 403  # finance is no admin
