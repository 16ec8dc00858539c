"""Filling in a usage report through the pages, as the demo association's people would."""

from __future__ import annotations

import httpx

from grants.tables import GrantAward, Membership
from grants.workflow import GrantStatus
from tests.support.login import csrf_post, hidden_fields

NARRATIVE = {
    "goals_results": "Die drei Pflichtangebote fanden das ganze Jahr statt.",
    "changes": "Der Sprachkurs begann einen Monat später.",
    "challenges": "Die Räume waren im Sommer zu warm.",
    "outlook": "Im nächsten Jahr kommt ein Elterncafé dazu.",
    "ind-sessions-social_counselling": "96",
    "ind-hours-social_counselling": "192",
    "ind-contacts_by_gender-female": "412",
    "ind-contacts_by_gender-male": "380",
    "ind-contacts_by_age-27-64": "600",
    "ind-staff-fte_milli": "1,5",
    "ind-volunteers-count": "12",
}


async def own_grant(status: GrantStatus) -> int:
    """A grant of the personas' association in ``status``."""
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-signatory")
    ).organisation
    row = await GrantAward.select(GrantAward.id).where(
        (GrantAward.status == status) & (GrantAward.application.organisation == organisation)
    ).order_by(GrantAward.id).first()  # fmt: skip
    assert row is not None, status
    return int(row["id"])


def home(grant_id: int) -> str:
    return f"/zuwendungen/{grant_id}/verwendungsnachweis"


async def form_of(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    """The hidden fields (the version) of a page's form."""
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)


async def step(client: httpx.AsyncClient, grant_id: int, path: str, data: dict[str, str],
               page: str | None = None) -> httpx.Response:  # fmt: skip
    """Post a step's form with the version of the page it comes from."""
    url = f"{home(grant_id)}/{path}"
    fields = await form_of(client, f"{home(grant_id)}/{page or path}")
    return await csrf_post(client, url, {"version": fields["version"], **data})
