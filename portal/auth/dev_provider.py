"""The development OpenID Connect provider of the demo: log in as one of the demo personas.

Built on Authlib's (synchronous) authorization server: authorization code flow only, PKCE S256
and nonce required, RS256 ID tokens. The handlers read query and form asynchronously, then hand
the sync server a :class:`FormRequest`. Every worker serves the same provider: the signing key
lies in the data directory, authorization codes in the ``dev_oidc_code`` table (the handlers
store and take them around the sync server; taking deletes, so a code works once), and access
tokens are JWTs signed with that key. Mounted under ``/dev-oidc`` only with ``GRANTS_ENV=demo``.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidScopeError,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from grants import clock
from grants.demo.personas import PERSONAS, Persona
from grants.settings import DEV_CLIENT_ID, Settings, dev_client_secret
from grants.tables import DevOidcCode
from grants.vocabulary import STAFF_ROLES
from portal.auth.access import PUBLIC, access

SCOPES = ["openid", "email", "profile"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "email",
          "email_verified", "roles"]  # fmt: skip
CODE_LIFETIME = 600
TOKEN_LIFETIME = 3600
BY_KEY = {p.key: p for p in PERSONAS}
BY_SUBJECT = {p.subject: p for p in PERSONAS}
KEY_FILE = "dev-oidc-signing-key.json"
ACCESS_JWT_TYP = "at+jwt"  # RFC 9068: an ID token is no access token


def signing_key(data_dir: Path) -> RSAKey:
    """The RS256 key, made by the first worker under the data directory (readable by the owner
    only) and read by every worker, so that each verifies what another signed."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        draft = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            json.dump(key.as_dict(private=True), out)
        try:
            os.link(draft, path)  # atomic, complete or absent: the first worker's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return RSAKey.import_key(json.loads(path.read_text()))


def claims(persona: Persona) -> dict[str, Any]:
    """What the ID token and /userinfo say about a persona (``roles``: only KI roles)."""
    return {
        "sub": persona.subject,
        "name": persona.display_name,
        "email": persona.email,
        "email_verified": True,
        "roles": [r.value for r in persona.roles if r in STAFF_ROLES],
    }


@dataclass(frozen=True)
class DevClient(ClientMixin):
    """The portal itself, the one registered client."""

    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": [self.post_logout_redirect_uri]}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # redirect_uri is required, and must match exactly

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class AuthCode(AuthorizationCodeMixin):
    """An authorization code and what it is bound to."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    persona: Persona
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def is_expired(self) -> bool:
        return time.time() > self.auth_time + CODE_LIFETIME

    async def store(self) -> None:
        """Into the table (clearing out expired codes), for whichever worker gets the token call."""
        await DevOidcCode.delete().where(DevOidcCode.expires_at < clock.now())
        fields = {**dataclasses.asdict(self), "persona": self.persona.key}
        await DevOidcCode.insert(DevOidcCode(
            code=self.code, nonce=self.nonce, data=json.dumps(fields),
            expires_at=clock.now() + timedelta(seconds=CODE_LIFETIME),
        ))  # fmt: skip

    @classmethod
    async def take(cls, code: str) -> AuthCode | None:
        """The code's grant, deleted in the same statement: a second redemption finds nothing."""
        rows = (
            await DevOidcCode.delete()
            .where((DevOidcCode.code == code) & (DevOidcCode.expires_at > clock.now()))
            .returning(DevOidcCode.data)
        )
        if not rows:
            return None
        fields = json.loads(rows[0]["data"])
        return cls(**{**fields, "persona": BY_KEY[fields["persona"]]})


@dataclass(frozen=True)
class AccessToken(TokenMixin):
    """An access token for /userinfo, read from its JWT (what Authlib's validator asks of it)."""

    persona: Persona
    scope: str
    issued_at: int

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + TOKEN_LIFETIME

    def is_revoked(self) -> bool:
        return False


class Payload(OAuth2Payload):
    """Request parameters, keeping repeated ones (Authlib rejects duplicates)."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):
    """An Authlib request over parameters the Litestar handler has already read, with what the
    sync server needs from the database (``nonce_taken``, ``redeeming``) or leaves for the
    handler to store (``issued``)."""

    nonce_taken = False
    issued: AuthCode | None = None
    redeeming: AuthCode | None = None

    def __init__(self, request: Request, items: Iterable[tuple[str, str]]) -> None:
        # Authlib refuses http:// URLs outside loopback, but the demo may run on plain http
        # (the tests on http://testserver); nothing reads the URL after that check.
        url = str(request.url).replace("http://", "https://", 1)
        super().__init__(request.method, url, headers=request.headers)  # case-insensitive
        self.payload = Payload(items)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        cast(FormRequest, request).issued = AuthCode(
            code, request.client.client_id, data["redirect_uri"], request.scope, data["nonce"],
            data["code_challenge"], data["code_challenge_method"], request.user,
        )  # fmt: skip

    def query_authorization_code(self, code: str, client: DevClient) -> AuthCode | None:
        item = cast(FormRequest, self.request).redeeming
        if item and item.code == code and item.client_id == client.client_id:
            return None if item.is_expired() else item
        return None

    def delete_authorization_code(self, authorization_code: AuthCode) -> None:
        """Nothing left to delete: the token handler took the code out of the table."""

    def authenticate_user(self, authorization_code: AuthCode) -> Persona:
        return authorization_code.persona


class S256Challenge(CodeChallenge):
    """PKCE for every client, S256 only (Authlib's own check lets a request without it pass)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012

    def validate_code_challenge(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with code_challenge_method=S256 is required.")
        super().validate_code_challenge(grant, redirect_uri)


class IDToken(OpenIDCode):
    """Signs ID tokens with the provider's key; a nonce is required."""

    def __init__(self, provider: DevProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return cast(FormRequest, request).nonce_taken

    def resolve_client_private_key(self, client: DevClient) -> RSAKey:
        return self.provider.key

    def get_client_claims(self, client: DevClient) -> dict[str, Any]:
        return {"iss": self.provider.issuer, "aud": client.client_id}

    def get_encode_header(self, client: DevClient) -> dict[str, str]:
        return {"alg": "RS256", "kid": self.provider.key.kid or ""}

    def generate_user_info(self, user: Persona, scope: str) -> dict[str, Any]:
        return claims(user)


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        return KeySet([self.server.key])

    def get_algorithms(self) -> list[str]:
        return ["RS256"]

    def is_post_logout_redirect_uri_legitimate(self, *args: Any) -> bool:
        return True  # the URI matched the registered one exactly; nothing else to confirm

    def end_session(self, end_session_request: Any) -> None:
        """Nothing to end: the provider keeps no session, it asks every time."""


class AccessTokenValidator(BearerTokenValidator):
    def __init__(self, provider: DevProvider) -> None:
        super().__init__()
        self.provider = provider

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        try:
            token = jwt.decode(token_string, self.provider.key, algorithms=["RS256"])
        except (JoseError, ValueError):
            return None
        persona = BY_SUBJECT.get(str(token.claims.get("sub")))
        if token.header.get("typ") != ACCESS_JWT_TYP or persona is None:
            return None
        return AccessToken(persona, str(token.claims.get("scope", "")), int(token.claims["iat"]))


class DevProvider(AuthorizationServer):
    """Authlib's authorization server with the one client and the shared key."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(scopes_supported=SCOPES)
        self.issuer = f"{settings.base_url}/dev-oidc"
        self.key = signing_key(settings.data_dir)
        self.client = DevClient(
            DEV_CLIENT_ID,
            dev_client_secret(settings.secret_key),
            settings.redirect_uri,
            f"{settings.base_url}/",
        )
        self.register_grant(CodeGrant, [IDToken(self), S256Challenge(required=True)])
        self.register_token_generator(
            "default",
            BearerTokenGenerator(self.access_token, expires_generator=TOKEN_LIFETIME),
        )
        self.register_endpoint(EndSession)
        self.protector = ResourceProtector()
        self.protector.register_token_validator(AccessTokenValidator(self))

    def metadata(self) -> dict[str, Any]:
        url = self.issuer
        return {
            "issuer": url,
            "authorization_endpoint": f"{url}/authorize",
            "token_endpoint": f"{url}/token",
            "jwks_uri": f"{url}/jwks",
            "userinfo_endpoint": f"{url}/userinfo",
            "end_session_endpoint": f"{url}/end-session",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "scopes_supported": SCOPES,
            "claims_supported": CLAIMS,
        }

    def query_client(self, client_id: str) -> DevClient | None:
        return self.client if client_id == self.client.client_id else None

    def access_token(self, user: Persona, scope: str, **_: Any) -> str:
        """A signed JWT that /userinfo of any worker accepts for an hour."""
        now = int(time.time())
        header = {"alg": "RS256", "kid": self.key.kid or "", "typ": ACCESS_JWT_TYP}
        claimed = {"iss": self.issuer, "sub": user.subject, "scope": scope, "iat": now,
                   "exp": now + TOKEN_LIFETIME}  # fmt: skip
        return jwt.encode(header, claimed, self.key)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Nothing to keep: the access token carries what /userinfo needs."""

    def validate_requested_scope(self, scope: str | None) -> None:
        if "openid" not in (scope or "").split():
            raise InvalidScopeError("The 'openid' scope is required.")
        super().validate_requested_scope(scope)

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request  # the handlers build it, having read query or form asynchronously

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals in the demo."""

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        head = dict(headers)
        if "Location" in head:  # 303: the browser follows with GET, also after our POST form
            return Redirect(head["Location"], status_code=303)
        media_type = head.pop("Content-Type", "application/json")
        return Response(body, status_code=status, headers=head, media_type=media_type)


def _page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(f"auth/{template}.html.jinja2", context=context, status_code=status_code)


def _bad_request(detail: str) -> Template:
    return _page(
        "dev_message",
        400,
        title="Ungültige Anmeldeanfrage",
        message="Die Anfrage an den Entwicklungs-Identitätsanbieter ist ungültig, zum Beispiel "
        "wegen eines unbekannten Clients oder einer nicht registrierten Rücksprungadresse.",
        detail=detail,
    )


def _refuse(provider: DevProvider, req: FormRequest, error: OAuth2Error) -> Response:
    """Back to the client only once its redirect_uri is checked; otherwise a page here."""
    if error.redirect_uri:
        return provider.handle_error_response(req, error)
    return _bad_request(error.get_error_description())


@get("/.well-known/openid-configuration", opt=access(PUBLIC), include_in_schema=False)
async def discovery(provider: NamedDependency[DevProvider]) -> dict[str, Any]:
    return provider.metadata()


@get("/jwks", opt=access(PUBLIC), include_in_schema=False)
async def jwks(provider: NamedDependency[DevProvider]) -> dict[str, Any]:
    return {"keys": [provider.key.as_dict(private=False)]}


async def _authorization_request(request: Request, params: list[tuple[str, str]]) -> FormRequest:
    """The Authlib request, knowing whether an unredeemed code already carries its nonce."""
    req = FormRequest(request, params)
    if nonce := req.payload.data.get("nonce"):
        req.nonce_taken = await DevOidcCode.exists().where(DevOidcCode.nonce == nonce)
    return req


@get("/authorize", opt=access(PUBLIC), include_in_schema=False, name="dev_oidc:authorize")
async def authorize_page(request: Request, provider: NamedDependency[DevProvider]) -> Response:
    """Check the request, then let the user pick a persona."""
    params = list(request.query_params.multi_items())
    req = await _authorization_request(request, params)
    try:
        provider.get_consent_grant(req, end_user=None)
    except OAuth2Error as error:
        return _refuse(provider, req, error)
    personas = [
        (p.key, f"{p.display_name} – {', '.join(r.label for r in p.roles) or 'noch ohne Rolle'}")
        for p in PERSONAS
    ]
    return _page("dev_login", params=params, personas=personas)


@post("/authorize", opt=access(PUBLIC), include_in_schema=False, name="dev_oidc:login")
async def authorize(request: Request, provider: NamedDependency[DevProvider]) -> Response:
    """Log the chosen persona in: a fresh code, back to the client."""
    form = await request.form()
    persona = BY_KEY.get(form.get("persona", ""))
    if persona is None:
        return _bad_request("Bitte wählen Sie eine der angebotenen Personen.")
    params = [(k, v) for k, v in form.multi_items() if k not in {"persona", "_csrf_token"}]
    req = await _authorization_request(request, params)
    try:
        grant = provider.get_consent_grant(req, end_user=persona)
    except OAuth2Error as error:
        return _refuse(provider, req, error)
    response = provider.create_authorization_response(req, grant_user=persona, grant=grant)
    if req.issued:
        await req.issued.store()
    return response


@post("/token", opt=access(PUBLIC, exclude_from_csrf=True), include_in_schema=False)
async def token(request: Request, provider: NamedDependency[DevProvider]) -> Response:
    """Redeem a code, whichever worker issued it (taken from the table before the checks)."""
    form = await request.form()
    req = FormRequest(request, form.multi_items())
    req.redeeming = await AuthCode.take(str(form.get("code", "")))
    return provider.create_token_response(req)


@get("/userinfo", opt=access(PUBLIC), include_in_schema=False)
async def userinfo(request: Request, provider: NamedDependency[DevProvider]) -> Response:
    req = FormRequest(request, [])
    try:
        access_token = provider.protector.validate_request(["openid"], req)
    except OAuth2Error as error:
        return provider.handle_error_response(req, error)
    return Response(claims(access_token.persona), headers={"cache-control": "no-store"})


@get("/end-session", opt=access(PUBLIC), include_in_schema=False)
async def end_session(request: Request, provider: NamedDependency[DevProvider]) -> Response:
    """RP-initiated logout: back to the registered address, or a page saying so."""
    req = FormRequest(request, request.query_params.multi_items())
    try:
        ending = provider.validate_endpoint_request("end_session", req)
        response = provider.create_endpoint_response("end_session", ending)
    except OAuth2Error:
        response = None  # a bad id_token_hint: no redirect (RP-Initiated Logout §4)
    if response is not None:
        return response
    return _page(
        "dev_message",
        title="Sie sind abgemeldet",
        message="Sie haben sich vom Entwicklungs-Identitätsanbieter der Demo abgemeldet.",
        detail=None,
    )


def dev_provider_router(settings: Settings) -> Router:
    """The provider's routes under ``/dev-oidc``, with the shared key pair; demo mode only."""
    if not settings.demo:
        raise RuntimeError(
            "Der Entwicklungs-Identitätsanbieter ist nur mit GRANTS_ENV=demo erlaubt."
        )
    provider = DevProvider(settings)
    return Router(
        path="/dev-oidc",
        route_handlers=[discovery, jwks, authorize_page, authorize, token, userinfo, end_session],
        dependencies={"provider": Provide(lambda: provider, sync_to_thread=False)},
    )
