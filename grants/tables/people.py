"""Users (keyed by OIDC issuer and subject), their KI roles, web sessions, the login rate
counters, and the demo provider's authorization codes."""

from piccolo.columns import Boolean, Bytea, Integer, Text, Varchar
from piccolo.columns.base import OnDelete

from grants.tables._columns import Record, choice, created_at, moment, ref, version
from grants.vocabulary import Role


class User(Record, tablename="app_user"):
    """A person who logged in through OIDC; the portal keeps no passwords."""

    issuer = Varchar(length=255)
    subject = Varchar(length=255)
    email = Varchar(length=320, index=True)
    email_verified = Boolean(default=False)
    display_name = Varchar(length=200)
    active = Boolean(default=True)
    created_at = created_at()
    last_login_at = moment()
    version = version()


class UserRole(Record, tablename="user_role"):
    """A KI role held by a user: from the identity provider's claim or granted by an admin."""

    user = ref(User, on_delete=OnDelete.cascade)
    role = choice(Role)
    source = Varchar(length=20, default="admin")  # "claim" or "admin"
    granted_by = ref(User, null=True)
    granted_at = created_at()


class WebSession(Record, tablename="web_session"):
    """Server-side session data, shared by all app workers; the cookie holds only the key."""

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = moment()
    user_id = Integer(null=True, default=None)  # whose it is, to load it with its principal


class RateCounter(Record, tablename="rate_counter"):
    """Requests of one client in one minute (the login rate limit), counted in the database so
    that every app worker sees the same count."""

    key = Varchar(length=128, unique=True)  # "<client address> <minute>"
    minute = Integer(index=True)  # minutes since the epoch, to delete the past ones
    hits = Integer(default=0)


class DevOidcCode(Record, tablename="dev_oidc_code"):
    """An authorization code of the demo's development provider, shared by all app workers until
    it is redeemed (once) or expires."""

    code = Varchar(length=128, unique=True)
    nonce = Varchar(length=255)
    data = Text()  # JSON: client, redirect URI, scope, PKCE challenge, persona, time of login
    expires_at = moment()
