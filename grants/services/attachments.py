"""Attachments of an application: uploaded, checked by content, stored by hash, downloaded
only by those who may see the application."""

from __future__ import annotations

from dataclasses import dataclass

from grants import audit, clock, db, files
from grants.audit import Actor
from grants.errors import Invalid, NotFound
from grants.services import applications
from grants.services.applications import log_saved, touch
from grants.services.users import Principal
from grants.tables import Attachment
from grants.vocabulary import AttachmentKind


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def checked(filename: str, content: bytes, field: str = "file") -> files.CheckedFile:
    try:
        return files.check(filename, content)
    except files.FileRejected as exc:
        raise Invalid({field: str(exc)}) from None


async def upload(principal: Principal, application_id: int, version: int, kind: AttachmentKind,
                 filename: str, content: bytes, request_id: str = "-") -> int:  # fmt: skip
    """Add a file to a draft; at most 20 MB each and 100 MB per application."""
    file = checked(filename, content)
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        used = sum(a.size_bytes for a in app.attachments)
        if used + file.size_bytes > files.MAX_APPLICATION_BYTES:
            raise Invalid(
                {"file": "Zusammen dürfen die Anlagen eines Antrags höchstens 100 MB groß sein."}
            )
        files.store(content)  # on disk before the row that points to it commits
        row = await Attachment.insert(Attachment(
            organisation=app.organisation_id, application=app.id, kind=kind, filename=file.filename,
            media_type=file.media_type, size_bytes=file.size_bytes, sha256=file.sha256, uploaded_by=principal.id,
        )).returning(Attachment.id)  # fmt: skip
        await touch(app.id, version)
        await log_saved(principal, app, "attachments", request_id)
    return int(row[0]["id"])


async def remove(principal: Principal, application_id: int, version: int, attachment_id: int,
                 request_id: str = "-") -> None:  # fmt: skip
    """Take a file off the draft (submitted versions keep their record of it)."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        done = (
            await Attachment.update({Attachment.deleted_at: clock.now()})
            .where(
                (Attachment.id == attachment_id)
                & (Attachment.application == app.id)
                & Attachment.deleted_at.is_null()
            )
            .returning(Attachment.id)
        )
        if not done:
            raise NotFound(attachment_id)
        await touch(app.id, version)
        await audit.record(Actor(principal.id, request_id), "attachment.removed", "application", app.id,
                           organisation=app.organisation_id, data={"attachment": attachment_id})  # fmt: skip


async def download(principal: Principal, application_id: int, attachment_id: int) -> Download:
    """The file, if the principal may see the application (and, for internal notes, is staff)."""
    await applications.get(principal, application_id)
    row = (
        await Attachment.select(
            Attachment.filename,
            Attachment.media_type,
            Attachment.sha256,
            Attachment.message.internal,
        )
        .where((Attachment.id == attachment_id) & (Attachment.application == application_id))
        .first()
    )
    if row is None or (row["message.internal"] and not applications.is_staff(principal)):
        raise NotFound(attachment_id)
    return Download(row["filename"], row["media_type"], files.read(row["sha256"]))
