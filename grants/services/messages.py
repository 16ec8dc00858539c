"""The message thread between an association and the KI about one application.

KI staff may also write internal notes, which the association never sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from grants import audit, db, files, notifications
from grants.audit import Actor
from grants.errors import Invalid, NotFound
from grants.paging import Page, page_of, window
from grants.services import applications
from grants.services.attachments import checked
from grants.services.users import Principal
from grants.tables import Attachment, Message, Organisation, User
from grants.vocabulary import AttachmentKind

MAX_BODY = 5000


@dataclass(frozen=True, slots=True)
class MessageFile:
    id: int
    filename: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    author: str
    from_staff: bool
    internal: bool
    body: str
    created_at: datetime
    files: list[MessageFile] = field(default_factory=list)


async def thread(principal: Principal, app: applications.ApplicationView,
                 page: int = 1) -> Page[MessageView]:  # fmt: skip
    """One page of the messages of a loaded application, the latest page first and each page
    oldest first, with their files (two queries); internal notes for staff only. ``has_next``
    tells of older messages."""
    query = Message.select(
        Message.id, Message.author.display_name, Message.from_staff, Message.internal, Message.body,
        Message.created_at,
    ).where(Message.application == app.id).order_by(Message.id, ascending=False)  # fmt: skip
    if not applications.is_staff(principal):
        query = query.where(Message.internal == False)  # noqa: E712 — Piccolo builds SQL from ==
    limit, offset = window(page)
    found = page_of(await query.limit(limit).offset(offset), page)
    rows = found.rows[::-1]
    attached: dict[int, list[MessageFile]] = {}
    if rows:
        for a in await Attachment.select(Attachment.id, Attachment.message, Attachment.filename,
                                         Attachment.size_bytes).where(
            Attachment.message.is_in([r["id"] for r in rows])
        ):  # fmt: skip
            attached.setdefault(a["message"], []).append(
                MessageFile(a["id"], a["filename"], a["size_bytes"])
            )
    return Page([
        MessageView(r["id"], r["author.display_name"] or "KI Köln", r["from_staff"], r["internal"], r["body"],
                    r["created_at"], attached.get(r["id"], []))
        for r in rows
    ], found.number, found.has_next)  # fmt: skip


async def post(principal: Principal, application_id: int, body: str, *, internal: bool = False,
               upload: tuple[str, bytes] | None = None, request_id: str = "-") -> int:  # fmt: skip
    """Write to the thread (staff may keep it internal); the other side gets an e-mail."""
    app = await applications.get(principal, application_id)
    staff = applications.is_staff(principal)
    if not staff and principal.role_in(app.organisation_id) is None:
        raise NotFound(application_id)
    text = body.strip()
    if not text:
        raise Invalid({"body": "Bitte eine Nachricht schreiben."})
    if len(text) > MAX_BODY:
        raise Invalid(
            {"body": f"Bitte höchstens {MAX_BODY} Zeichen schreiben (jetzt {len(text)})."}
        )
    file = checked(*upload, field="attachment") if upload else None
    async with db.transaction():
        row = await Message.insert(Message(
            application=app.id, author=principal.id, from_staff=staff, internal=staff and internal,
            subject=f"Antrag {app.file_number or app.id}", body=text,
        )).returning(Message.id)  # fmt: skip
        message_id = int(row[0]["id"])
        if file and upload:
            files.store(upload[1])
            await Attachment.insert(Attachment(
                organisation=app.organisation_id, application=app.id, message=message_id,
                kind=AttachmentKind.OTHER, filename=file.filename, media_type=file.media_type,
                size_bytes=file.size_bytes, sha256=file.sha256, uploaded_by=principal.id,
            ))  # fmt: skip
        if not (staff and internal):
            await _notify(app, staff, text)
        await audit.record(Actor(principal.id, request_id), "message.posted", "application", app.id,
                           organisation=app.organisation_id, data={"message": message_id, "internal": internal})  # fmt: skip
    return message_id


async def _notify(app: applications.ApplicationView, from_staff: bool, text: str) -> None:
    if from_staff:
        row = (
            await Organisation.select(Organisation.email)
            .where(Organisation.id == app.organisation_id)
            .first()
        )
        recipient = row["email"] if row else ""
    else:
        row = await User.select(User.email).where(User.id == (app.reviewer_id or 0)).first()
        recipient = row["email"] if row else ""
    if recipient:
        await notifications.enqueue(
            recipient=recipient, subject=f"Neue Nachricht zu Antrag {app.file_number or app.title}",
            body=f"Guten Tag,\n\nim Förderportal gibt es eine neue Nachricht zum Antrag „{app.title}“:\n\n"
                 f"{text[:500]}\n",
        )  # fmt: skip
