"""Route access rules. Every route declares one in its ``opt``; a route without one is refused.

@get("/impressum", opt=access(PUBLIC))
@get("/admin/nutzer", opt=access(roles(Role.ADMIN, Role.AUDITOR)))
@post("/auth/logout", opt=access(AUTHENTICATED))
"""

from __future__ import annotations

from typing import Any, Final

from grants.vocabulary import Role

OPT_KEY: Final = "access"
PUBLIC: Final = "public"  # anyone, logged in or not
AUTHENTICATED: Final = "authenticated"  # anyone logged in, whatever their roles

Rule = str | frozenset[Role]


def roles(*allowed: Role) -> frozenset[Role]:
    """Logged in with at least one of these roles (organisation roles count for their members)."""
    return frozenset(allowed)


def access(rule: Rule, **opt: Any) -> dict[str, Any]:
    return {OPT_KEY: rule, **opt}
