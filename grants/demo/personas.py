"""The demo personas: one per role, plus extra reviewers and an approver for varied four-eyes pairs.

The development OIDC provider logs them in; users are keyed by (issuer, subject).
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.vocabulary import Role

DEMO_ORGANISATION_KEY = "tdkv-ehrenfeld"
EMAIL_DOMAIN = "demo.foerderportal.example"


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    subject: str
    display_name: str
    email: str
    roles: tuple[Role, ...]
    organisation_key: str | None


def _persona(key: str, name: str, local: str, role: Role | None, org: str | None = None) -> Persona:
    return Persona(
        key, f"demo-{key}", name, f"{local}@{EMAIL_DOMAIN}", (role,) if role else (), org
    )


PERSONAS: tuple[Persona, ...] = (
    _persona("member", "Ayşe Demir", "ayse.demir", Role.MEMBER, DEMO_ORGANISATION_KEY),
    _persona("signatory", "Mehmet Kaya", "mehmet.kaya", Role.SIGNATORY, DEMO_ORGANISATION_KEY),
    _persona("reviewer", "Julia Becker", "julia.becker", Role.REVIEWER),
    _persona("reviewer2", "Tobias Schneider", "tobias.schneider", Role.REVIEWER),
    _persona("reviewer3", "Leyla Hosseini", "leyla.hosseini", Role.REVIEWER),
    _persona("approver", "Dr. Andrea Hoffmann", "andrea.hoffmann", Role.APPROVER),
    _persona("approver2", "Stefan Krüger", "stefan.krueger", Role.APPROVER),
    _persona("finance", "Markus Weber", "markus.weber", Role.FINANCE),
    _persona("admin", "Sabine Fischer", "sabine.fischer", Role.ADMIN),
    _persona("auditor", "Klaus Wagner", "klaus.wagner", Role.AUDITOR),
    _persona("guest", "Nora Gast", "nora.gast", None),  # signed in, but no role yet
)

REVIEWERS = ("reviewer", "reviewer2", "reviewer3")
APPROVERS = ("approver", "approver2")


def demo_issuer(base_url: str) -> str:
    """The issuer of the development OIDC provider that logs the personas in."""
    return f"{base_url}/dev-oidc"
