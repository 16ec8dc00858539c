"""The OpenID Connect relying party: authorization code flow with PKCE S256, state and nonce.

Authlib's ``AsyncOAuth2Client`` builds the authorization URL and redeems the code; joserfc checks
the ID token: signature against the provider's JWKS (algorithms from an allow-list: never
``none``, never HMAC), ``iss``, ``aud``, ``azp``, ``exp``, ``iat`` with a small leeway, ``nonce``
and ``sub``. The JWKS is cached and fetched again once when a token names an unknown key.
Metadata and keys are cached per provider; a client object is made per login, never shared.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from grants.services.users import Identity
from grants.settings import OIDCProvider
from grants.text import without_bidi_controls
from grants.vocabulary import Role

logger = logging.getLogger(__name__)

ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
LEEWAY_SECONDS = 60
FLOW_SECONDS = 600
METADATA_SECONDS = 3600
TIMEOUT_SECONDS = 10


class LoginFailed(Exception):
    """The login cannot go on. ``reason`` is a short code for the log, never a token."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Flow:
    """What the portal remembers, in the server-side session, between login and callback."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    started: int

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> Flow | None:
        try:
            return cls(**data)
        except TypeError:
            return None

    @property
    def expired(self) -> bool:
        return time.time() - self.started > FLOW_SECONDS


@dataclass(frozen=True, slots=True)
class SignedIn:
    identity: Identity
    id_token: str


@dataclass
class _Cache:
    metadata: dict[str, Any] | None = None
    metadata_at: float = 0.0
    keys: KeySet | None = None


@dataclass
class OIDCClient:
    """One configured provider; ``transport`` lets tests talk to an in-process provider."""

    provider: OIDCProvider
    redirect_uri: str
    transport: httpx2.AsyncBaseTransport | None = None
    _cache: _Cache = field(default_factory=_Cache)

    def _oauth(self, **kwargs: Any) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            self.provider.client_id, self.provider.client_secret, scope=self.provider.scopes,
            redirect_uri=self.redirect_uri, code_challenge_method="S256",
            transport=self.transport, timeout=TIMEOUT_SECONDS, **kwargs,
        )  # fmt: skip

    async def _get(self, url: str, **headers: str) -> Any:
        async with httpx2.AsyncClient(transport=self.transport, timeout=TIMEOUT_SECONDS) as http:
            try:
                response = await http.get(url, headers=headers)
                response.raise_for_status()
                return response.json()
            except (httpx2.HTTPError, ValueError) as exc:
                raise LoginFailed(f"fetch_failed:{url}") from exc

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document; its issuer must equal the configured one exactly."""
        cache = self._cache
        if cache.metadata is None or time.monotonic() - cache.metadata_at > METADATA_SECONDS:
            document = await self._get(f"{self.provider.issuer}/.well-known/openid-configuration")
            if document.get("issuer") != self.provider.issuer:
                raise LoginFailed("issuer_mismatch_in_metadata")
            cache.metadata, cache.metadata_at, cache.keys = document, time.monotonic(), None
        return cache.metadata

    async def _keys(self, *, refresh: bool = False) -> KeySet:
        if self._cache.keys is None or refresh:
            self._cache.keys = KeySet.import_key_set(
                await self._get((await self.metadata())["jwks_uri"])
            )
        return self._cache.keys

    async def begin(self, next_path: str) -> tuple[str, Flow]:
        """The provider's authorization URL and the flow to keep until the callback."""
        meta = await self.metadata()
        flow = Flow(self.provider.name, secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                    secrets.token_urlsafe(48), next_path, int(time.time()))  # fmt: skip
        async with self._oauth() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"],
                state=flow.state,
                nonce=flow.nonce,
                code_verifier=flow.verifier,
            )
        return url, flow

    async def finish(self, code: str, flow: Flow) -> SignedIn:
        """Redeem the code and validate the ID token; raises :class:`LoginFailed`."""
        meta = await self.metadata()
        async with self._oauth() as client:
            try:
                token = await client.fetch_token(
                    meta["token_endpoint"], code=code, code_verifier=flow.verifier
                )
            except (OAuthError, httpx2.HTTPError) as exc:
                raise LoginFailed("token_request_failed") from exc
        raw = token.get("id_token")
        if not raw:
            raise LoginFailed("no_id_token")
        claims = await self._validated_claims(raw, flow.nonce)
        if not claims.get("email") and meta.get("userinfo_endpoint") and token.get("access_token"):
            claims = {
                **await self._userinfo(
                    meta["userinfo_endpoint"], token["access_token"], claims["sub"]
                ),
                **claims,
            }
        return SignedIn(self._identity(claims), raw)

    async def _validated_claims(self, raw: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(raw, await self._keys(), algorithms=ALGORITHMS)
            except InvalidKeyIdError:  # the provider rotated its keys: fetch them again, once
                decoded = jwt.decode(raw, await self._keys(refresh=True), algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.provider.issuer},
                sub={"essential": True},
                aud={"essential": True, "value": self.provider.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise LoginFailed(f"id_token_invalid:{type(exc).__name__}") from exc
        claims = dict(decoded.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.provider.client_id:
            raise LoginFailed("id_token_invalid:azp")
        return claims

    async def _userinfo(self, url: str, access_token: str, subject: str) -> dict[str, Any]:
        info = await self._get(url, Authorization=f"Bearer {access_token}")
        if info.get("sub") != subject:
            raise LoginFailed("userinfo_subject_mismatch")
        return dict(info)

    def _identity(self, claims: dict[str, Any]) -> Identity:
        raw_roles = claims.get(self.provider.roles_claim) or []
        if isinstance(raw_roles, str):
            raw_roles = raw_roles.split()
        roles: frozenset[Role] = frozenset(
            self.provider.role_map[value] for value in raw_roles if value in self.provider.role_map
        )
        email = str(claims.get("email") or "")
        return Identity(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=email,
            email_verified=claims.get("email_verified") is True,
            display_name=without_bidi_controls(
                str(claims.get("name") or claims.get("preferred_username") or email)
            ),
            roles=roles,
        )

    async def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it offers an end-session endpoint."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except LoginFailed:
            return None
        if not endpoint:
            return None
        query = {
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": self.provider.client_id,
        }
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"
