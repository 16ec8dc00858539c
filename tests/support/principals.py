"""The principal of a demo persona, as the use cases see the signed-in user."""

from __future__ import annotations

from grants.services.users import Principal, load_principal
from grants.tables import User


async def principal(persona: str) -> Principal:
    user = await User.objects().get(User.subject == f"demo-{persona}")
    found = await load_principal(user.id)
    assert found is not None
    return found
