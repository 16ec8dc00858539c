"""Gettext for the UI. German is the source language; other languages come as Babel catalogs
under ``portal/locale`` (extract with ``pybabel extract -F babel.cfg``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"


@lru_cache(maxsize=8)
def translations(locale: str = "de") -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [locale])


def _(message: str) -> str:
    return translations().gettext(message)
