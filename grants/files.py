"""Uploaded and generated files: checked by content, stored outside the web root by SHA-256.

``GRANTS_DATA_DIR/files/ab/cd/abcd…`` holds each distinct content once; the database keeps the
metadata (name, type, size, owner). Files are written and fsynced before the transaction that
references them commits, so every reference resolves.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from grants.errors import Gone
from grants.settings import get_settings
from grants.text import without_bidi_controls

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_APPLICATION_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 1000
MAX_NAME_LENGTH = 200

# extension → media type, for the kinds of file an association sends
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
SAME_TYPE = {"jpeg": "jpg"}
ZIP_BASED = {"docx", "xlsx", "odt", "ods"}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]|\.\.")


class FileRejected(ValueError):
    """A file we do not take; ``str()`` is a German message for the upload field."""


@dataclass(frozen=True, slots=True)
class CheckedFile:
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


def check(filename: str, content: bytes) -> CheckedFile:
    """Accept PDF, images and office documents whose content matches their name."""
    name = without_bidi_controls(filename or "").strip()
    if not name:
        raise FileRejected("Bitte eine Datei auswählen.")
    if _UNSAFE_NAME.search(name):
        raise FileRejected("Der Dateiname darf keine Pfadangaben oder Steuerzeichen enthalten.")
    if len(name) > MAX_NAME_LENGTH:
        raise FileRejected(f"Der Dateiname ist zu lang (höchstens {MAX_NAME_LENGTH} Zeichen).")
    if not content:
        raise FileRejected("Die Datei ist leer.")
    if len(content) > MAX_FILE_BYTES:
        raise FileRejected("Die Datei ist größer als 20 MB.")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    extension = SAME_TYPE.get(extension, extension)
    kind = filetype.guess(content)
    detected = SAME_TYPE.get(kind.extension, kind.extension) if kind else None
    if extension not in ALLOWED:
        raise FileRejected(
            "Erlaubt sind PDF, JPEG, PNG, Word (docx), Excel (xlsx) und OpenDocument (odt, ods)."
        )
    if detected != extension:
        raise FileRejected(f"Der Inhalt der Datei passt nicht zur Endung „.{extension}“.")
    if extension in ZIP_BASED:
        _check_archive(content)
    return CheckedFile(name, ALLOWED[extension], len(content), hashlib.sha256(content).hexdigest())


def _check_archive(content: bytes) -> None:
    """Office documents are ZIP files: refuse bombs before anyone unpacks them."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except zipfile.BadZipFile:
        raise FileRejected("Die Datei ist beschädigt.") from None
    if len(entries) > MAX_ARCHIVE_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise FileRejected("Die Datei ist entpackt zu groß.")


def path_of(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return get_settings().data_dir / "files" / sha256[:2] / sha256[2:4] / sha256


def store(content: bytes) -> str:
    """Write the content once (atomically, fsynced) and return its SHA-256."""
    digest = hashlib.sha256(content).hexdigest()
    target = path_of(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    Path(handle.name).replace(target)
    return digest


def read(sha256: str) -> bytes:
    """The stored content; :class:`~grants.errors.Gone` (and an error in the log) if it is lost."""
    try:
        return path_of(sha256).read_bytes()
    except FileNotFoundError:
        logger.error("stored file %s is missing from the data directory", sha256)
        raise Gone(sha256) from None
