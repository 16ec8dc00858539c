"""Messages, generated documents, and the e-mail outbox."""

from piccolo.columns import Boolean, Integer, Text, Varchar

from grants.tables._columns import Record, choice, created_at, moment, ref
from grants.tables.applications import Application
from grants.tables.organisations import Organisation
from grants.tables.people import User
from grants.vocabulary import DocumentKind, NotificationStatus


class Message(Record, tablename="message"):
    """A message between the KI and an association, or an internal note of the KI."""

    application = ref(Application)
    author = ref(User, null=True)
    from_staff = Boolean(default=False)
    internal = Boolean(default=False)  # internal notes are never shown to the association
    subject = Varchar(length=200)
    body = Text()
    created_at = created_at()
    read_at = moment()


class Document(Record, tablename="document"):
    """A generated, immutable document (letters, memos); the file lies under its hash."""

    organisation = ref(Organisation)
    application = ref(Application, null=True)
    kind = choice(DocumentKind)
    title = Varchar(length=200)
    filename = Varchar(length=255)
    media_type = Varchar(length=120)
    sha256 = Varchar(length=64)
    size_bytes = Integer(default=0)
    created_by = ref(User, null=True)
    created_at = created_at()


class Notification(Record, tablename="notification"):
    """An e-mail in the outbox, written in the transaction of the change it reports."""

    recipient = Varchar(length=320)
    subject = Varchar(length=200)
    body = Text()
    status = choice(NotificationStatus, index=True)
    attempts = Integer(default=0)
    next_attempt_at = created_at()
    last_error = Text()
    created_at = created_at()
    sent_at = moment()
