"""A scriptable OpenID provider for the relying party's negative tests (in-process ASGI app).

Each test says what the next ID token looks like: its claims, its header, how it is signed.
The provider checks client authentication and PKCE like a real one and counts JWKS fetches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar, Request, get, post
from litestar.response import Response

ISSUER = "https://op.test"
CLIENT_ID, CLIENT_SECRET = "portal", "geheim"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class FakeProvider:
    key: RSAKey = field(default_factory=lambda: new_key("k1"))
    published: list[RSAKey] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)  # overrides of the next ID token
    drop: set[str] = field(default_factory=set)  # claims to leave out
    signing: str = "rs256"  # "rs256", "none", "hs256-public-key", "tampered"
    userinfo: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (nonce, challenge)
    jwks_fetches: int = 0

    def expect(self, code: str, nonce: str, challenge: str) -> None:
        self.codes[code] = (nonce, challenge)

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": "u-4711", "aud": CLIENT_ID, "exp": now + 300, "iat": now,
                  "nonce": nonce, "email": "kim.yilmaz@verein.example", "email_verified": True,
                  "name": "Kim Yılmaz", "roles": []}  # fmt: skip
        claims = {k: v for k, v in {**claims, **self.claims}.items() if k not in self.drop}
        header = {"alg": "RS256", "kid": self.key.kid}
        if self.signing == "none":
            return f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(claims)}."
        if self.signing == "hs256-public-key":  # the classic key-confusion attack
            signing_input = f"{_part({'alg': 'HS256', 'kid': self.key.kid})}.{_part(claims)}"
            mac = hmac.new(self.key.as_pem(private=False), signing_input.encode(), hashlib.sha256)
            return f"{signing_input}.{_b64(mac.digest())}"
        token = jwt.encode(header, claims, self.key)
        if self.signing == "tampered":
            head, body, signature = token.split(".")
            token = f"{head}.{body}.{signature[:-4]}AAAA"
        return token

    def app(self) -> Litestar:
        provider = self

        @get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks",
                "userinfo_endpoint": f"{ISSUER}/userinfo", "end_session_endpoint": f"{ISSUER}/logout",
                "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
            }  # fmt: skip

        @get("/jwks")
        async def jwks() -> dict[str, Any]:
            provider.jwks_fetches += 1
            keys = provider.published or [provider.key]
            return KeySet(keys).as_dict(private=False)

        @post("/token")
        async def token(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            form = await request.form()
            basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {basic}":
                return Response({"error": "invalid_client"}, status_code=401)
            expected = provider.codes.pop(form.get("code", ""), None)
            if expected is None:
                return Response({"error": "invalid_grant"}, status_code=400)
            nonce, challenge = expected
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                return Response(
                    {"error": "invalid_grant", "error_description": "PKCE"}, status_code=400
                )
            return Response({"access_token": "at-1", "token_type": "Bearer", "expires_in": 300,
                             "id_token": provider.id_token(nonce)})  # fmt: skip

        @get("/userinfo")
        async def userinfo() -> dict[str, Any]:
            return provider.userinfo

        return Litestar([discovery, jwks, token, userinfo], openapi_config=None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data).encode())
