"""Text from outside the portal (forms, JSON, identity providers, file names) made safe to show."""

from __future__ import annotations

# marks, embeddings, overrides and isolates of the Unicode bidirectional algorithm
BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def without_bidi_controls(text: str) -> str:
    """``text`` without the characters that reorder what follows them: with them
    ``rechnung\\u202efdp.exe.pdf`` shows as ``rechnungexe.pdf``, an invoice in disguise.
    Keeps the type: markup stays markup (no tag can appear by removing characters)."""
    return text.translate(BIDI_CONTROLS)
