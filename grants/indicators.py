"""The indicator set of the Sachbericht (DOMAIN.md §7): which counts a usage report asks for.

One place for the association's form, the stored ``IndicatorValue`` rows (indicator, dimension,
value) and the professional evaluation that aggregates them. Counts only — never lists of
participants. A dimension with ``places`` holds a decimal stored as a whole number of
1/10^places (the staff's VZÄ in thousandths, like ``PlanLine.fte_milli``).
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.vocabulary import (
    LANGUAGES,
    AgeBand,
    CounsellingTopic,
    Gender,
    Labelled,
    OfferType,
    TargetGroup,
)


class OfferFormat(Labelled):
    GROUP = "group", "Gruppenangebot"
    INDIVIDUAL = "individual", "Einzelangebot/Einzelberatung"
    OPEN = "open", "offenes Angebot"
    EVENT = "event", "Veranstaltung"
    OUTREACH = "outreach", "aufsuchend"
    ONLINE = "online", "digital/online"


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    label: str
    places: int = 0  # decimals: stored as value × 10^places


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    label: str
    hint: str
    dimensions: tuple[Dimension, ...]
    summed: bool = False  # the form shows the running total of its dimensions


def _dimensions(choices: list[tuple[str, str]]) -> tuple[Dimension, ...]:
    return tuple(Dimension(key, label) for key, label in choices)


OFFERS = _dimensions(OfferType.choices())
# Offers by type: how many offers, sessions (Termine) and hours, as one table on the form.
OFFER_INDICATORS = ("offers", "sessions", "hours")

INDICATORS: tuple[Indicator, ...] = (
    Indicator("offers", "Angebote", "Anzahl der Angebote je Art", OFFERS, summed=True),
    Indicator("sessions", "Termine", "Anzahl der Termine je Angebotsart", OFFERS, summed=True),
    Indicator("hours", "Stunden", "Durchgeführte Stunden je Angebotsart", OFFERS, summed=True),
    Indicator("formats", "Formate", "Anzahl der Angebote je Format",
              _dimensions(OfferFormat.choices())),
    Indicator("languages", "Sprachen", "Anzahl der Angebote, in denen die Sprache genutzt wurde",
              _dimensions(sorted(LANGUAGES.items(), key=lambda item: item[1]))),
    Indicator("target_groups", "Zielgruppen", "Anzahl der Angebote je Zielgruppe",
              _dimensions(TargetGroup.choices())),
    Indicator("contacts_by_gender", "Kontakte nach Geschlecht",
              "Anzahl der Kontakte im Berichtszeitraum", _dimensions(Gender.choices()), summed=True),
    Indicator("contacts_by_age", "Kontakte nach Altersgruppe",
              "Anzahl der Kontakte im Berichtszeitraum", _dimensions(AgeBand.choices()), summed=True),
    Indicator("counselling_by_topic", "Beratungskontakte nach Thema",
              "Anzahl der Beratungskontakte der Sozialen Beratung",
              _dimensions(CounsellingTopic.choices()), summed=True),
    Indicator("staff", "Hauptamtliches Personal", "Personen und Vollzeitäquivalente",
              (Dimension("count", "Anzahl Personen"), Dimension("fte_milli", "Vollzeitäquivalente (VZÄ)", 3))),
    Indicator("volunteers", "Ehrenamtliche", "Personen und geleistete Stunden",
              (Dimension("count", "Anzahl Personen"), Dimension("hours", "Stunden"))),
    Indicator("partners", "Kooperationspartner", "Anzahl der Kooperationspartner",
              (Dimension("count", "Anzahl"),)),
)  # fmt: skip
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}

# The Sachbericht's narrative prompts (stored in UsageReport.answers): key → question.
PROMPTS: tuple[tuple[str, str], ...] = (
    ("goals_results", "Ziele und Ergebnisse: Was wollten Sie erreichen, was haben Sie erreicht?"),
    ("changes", "Abweichungen vom Plan: Was hat sich gegenüber dem Antrag geändert und warum?"),
    ("challenges", "Herausforderungen: Welche Schwierigkeiten gab es, wie sind Sie damit umgegangen?"),
    ("outlook", "Ausblick: Wie geht es weiter?"),
)  # fmt: skip
PROMPT_MAX = 5000
# A Pauschale's units actually operated (Festbetrag je Einheit): entered with the figures, stored
# beside the counts; the final grant is rate × min(units actual, units planned).
UNITS = ("units", "actual")
MAX_COUNT = 10**9  # more is a typing error


def field(indicator: str, dimension: str) -> str:
    """The form field of one count: ``ind-contacts_by_gender-female``."""
    return f"ind-{indicator}-{dimension}"


def cells() -> list[tuple[Indicator, Dimension]]:
    """Every (indicator, dimension) the form asks for, in form order."""
    return [
        (indicator, dimension) for indicator in INDICATORS for dimension in indicator.dimensions
    ]


def totals(values: dict[tuple[str, str], int]) -> dict[str, int]:
    """indicator → sum of its dimensions, for the indicators shown with a total (pure)."""
    return {
        i.key: sum(values.get((i.key, d.key), 0) for d in i.dimensions)
        for i in INDICATORS
        if i.summed
    }
