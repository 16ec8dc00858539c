"""Associations (Träger), their centres, and who acts for them."""

from piccolo.columns import Date, Text, Varchar
from piccolo.columns.base import OnDelete

from grants.tables._columns import Record, choice, created_at, moment, ref, version
from grants.tables.people import User
from grants.vocabulary import District, LegalForm, Role


class Organisation(Record, tablename="organisation"):
    legal_name = Varchar(length=300)
    legal_form = choice(LegalForm)
    register_court = Varchar(length=120)
    register_number = Varchar(length=60)
    street = Varchar(length=200)
    postcode = Varchar(length=10)
    city = Varchar(length=100, default="Köln")
    district = choice(District)
    email = Varchar(length=320)
    phone = Varchar(length=60)
    tax_exemption_date = Date(null=True, default=None)
    tax_exemption_valid_until = Date(null=True, default=None)
    iban = Varchar(length=34)
    bic = Varchar(length=11)
    account_holder = Varchar(length=200)
    creditor_number = Varchar(length=20)  # Kreditor-Nr. in the city's finance system
    created_at = created_at()
    updated_at = moment()
    confirmed_at = moment()  # a signatory confirmed the profile as it stands; edits clear it
    confirmed_by = ref(User, null=True)
    version = version()


class Centre(Record, tablename="centre"):
    """An Interkulturelles Zentrum run by an organisation."""

    organisation = ref(Organisation)
    name = Varchar(length=300)
    street = Varchar(length=200)
    postcode = Varchar(length=10)
    district = choice(District)
    category = Varchar(length=60)
    recognised_since = Date(null=True, default=None)
    recognised_until = Date(null=True, default=None)
    description = Text()
    created_at = created_at()
    version = version()


class Membership(Record, tablename="membership"):
    """A user acting for an organisation as member or signatory."""

    user = ref(User, on_delete=OnDelete.cascade)
    organisation = ref(Organisation, on_delete=OnDelete.cascade)
    role = choice(Role, Role.MEMBER)
    created_at = created_at()
    version = version()


class Invitation(Record, tablename="invitation"):
    """An e-mail address invited to join an organisation; bound at its first verified login."""

    organisation = ref(Organisation, on_delete=OnDelete.cascade)
    email = Varchar(length=320, index=True)
    role = choice(Role, Role.MEMBER)
    invited_by = ref(User)
    created_at = created_at()
    expires_at = moment()
    accepted_at = moment()
    accepted_by = ref(User, null=True)
    revoked_at = moment()
