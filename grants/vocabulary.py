"""Controlled vocabularies of the domain (DOMAIN.md §1, §2, §7) with their German labels.

Values are English identifiers stored in the database; ``label`` is what the UI and the
documents show.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A string enum whose members carry a German label: ``KEY = "value", "Label"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Role(Labelled):
    """Roles of DOMAIN.md §1: two of an association, five of the KI and the city."""

    MEMBER = "member", "Antragsteller:in"
    SIGNATORY = "signatory", "Vertretungsberechtigte:r"
    REVIEWER = "reviewer", "Sachbearbeitung"
    APPROVER = "approver", "Leitung"
    FINANCE = "finance", "Finanzen"
    ADMIN = "admin", "Administration"
    AUDITOR = "auditor", "Prüfung"


ORGANISATION_ROLES = frozenset({Role.MEMBER, Role.SIGNATORY})
STAFF_ROLES = frozenset(set(Role) - ORGANISATION_ROLES)


class District(Labelled):
    """The nine Stadtbezirke of Köln."""

    INNENSTADT = "innenstadt", "Innenstadt"
    RODENKIRCHEN = "rodenkirchen", "Rodenkirchen"
    LINDENTHAL = "lindenthal", "Lindenthal"
    EHRENFELD = "ehrenfeld", "Ehrenfeld"
    NIPPES = "nippes", "Nippes"
    CHORWEILER = "chorweiler", "Chorweiler"
    PORZ = "porz", "Porz"
    KALK = "kalk", "Kalk"
    MUELHEIM = "muelheim", "Mülheim"


class LegalForm(Labelled):
    REGISTERED_ASSOCIATION = "ev", "eingetragener Verein (e. V.)"
    NONPROFIT_LLC = "ggmbh", "gemeinnützige GmbH"
    NONPROFIT_UG = "gug", "gemeinnützige UG (haftungsbeschränkt)"
    FOUNDATION = "foundation", "Stiftung"
    COOPERATIVE = "cooperative", "Genossenschaft (eG)"
    CHURCH_BODY = "church", "kirchliche Körperschaft"
    OTHER = "other", "sonstige Rechtsform"


class FinancingType(Labelled):
    """Finanzierungsarten (VV zu § 44 LHO NRW, DOMAIN.md §4)."""

    SHORTFALL = "shortfall", "Fehlbedarfsfinanzierung"
    SHARE = "share", "Anteilfinanzierung"
    FIXED = "fixed", "Festbetragsfinanzierung"
    PER_UNIT = "per_unit", "Festbetrag je Einheit (Pauschale)"
    FULL = "full", "Vollfinanzierung"


class ExpenseCategory(Labelled):
    PERSONNEL = "personnel", "Personalausgaben"
    FEES = "fees", "Honorare"
    RENT = "rent", "Miete und Nebenkosten"
    MATERIAL = "material", "Sachausgaben"
    PUBLICITY = "publicity", "Öffentlichkeitsarbeit"
    TRAVEL = "travel", "Reisekosten"
    EQUIPMENT = "equipment", "Ausstattung"
    ADMINISTRATION = "administration", "Verwaltungsausgaben"
    OTHER = "other", "Sonstige Ausgaben"


class RevenueType(Labelled):
    OWN_FUNDS = "own_funds", "Eigenmittel"
    OWN_WORK = "own_work", "Eigenleistung"
    THIRD_PARTY = "third_party", "Drittmittel"
    DONATIONS = "donations", "Spenden"
    FEES_INCOME = "fees_income", "Teilnahmebeiträge und Einnahmen"


class PlanLineKind(Labelled):
    EXPENSE = "expense", "Ausgabe"
    REVENUE = "revenue", "Einnahme"


class OfferType(Labelled):
    """Offer types of the centres; the first three are compulsory (DOMAIN.md §7)."""

    SOCIAL_COUNSELLING = "social_counselling", "Soziale Beratung"
    OPEN_MEETING = "open_meeting", "Offener Treff"
    GERMAN_LANGUAGE = "german_language", "Deutsch-Sprachförderung"
    EDUCATION = "education", "Bildung/Hausaufgabenhilfe"
    EMPOWERMENT = "empowerment", "Empowerment"
    CULTURE = "culture", "Kultur/Freizeit"
    PARENTS = "parents", "Eltern/Familie"
    WOMEN = "women", "Frauen"
    SENIORS = "seniors", "Senior:innen"
    YOUTH = "youth", "Jugend"
    ANTIRACISM = "antiracism", "Antirassismus/Antidiskriminierung"
    INFORMATION = "information", "Information/Veranstaltung"
    HERITAGE_LANGUAGE = "heritage_language", "herkunftssprachlicher Unterricht"
    CAREERS = "careers", "Berufsorientierung"
    OTHER = "other", "Sonstiges"


COMPULSORY_OFFERS = (
    OfferType.SOCIAL_COUNSELLING,
    OfferType.OPEN_MEETING,
    OfferType.GERMAN_LANGUAGE,
)


class TargetGroup(Labelled):
    NEWCOMERS = "newcomers", "Neuzugewanderte (≤ 3 Jahre)"
    REFUGEES = "refugees", "Geflüchtete"
    FAMILIES = "families", "Familien"
    CHILDREN = "children", "Kinder"
    YOUTH = "youth", "Jugendliche"
    WOMEN = "women", "Frauen"
    SENIORS = "seniors", "Senior:innen"
    EVERYONE = "everyone", "offen für alle"


# Languages of the offers (ISO 639-1 code → German name).
LANGUAGES = {
    "de": "Deutsch", "ar": "Arabisch", "en": "Englisch", "fa": "Persisch (Farsi/Dari)", "fr": "Französisch",
    "el": "Griechisch", "it": "Italienisch", "ku": "Kurdisch", "pl": "Polnisch", "ps": "Paschtu",
    "ro": "Rumänisch", "ru": "Russisch", "so": "Somali", "es": "Spanisch", "sq": "Albanisch",
    "ti": "Tigrinya", "tr": "Türkisch", "uk": "Ukrainisch", "vi": "Vietnamesisch",
}  # fmt: skip


class Gender(Labelled):
    FEMALE = "female", "weiblich"
    MALE = "male", "männlich"
    DIVERSE = "diverse", "divers"
    UNSTATED = "unstated", "keine Angabe"


class AgeBand(Labelled):
    UNDER_6 = "0-5", "0–5"
    CHILD = "6-13", "6–13"
    TEEN = "14-17", "14–17"
    YOUNG_ADULT = "18-26", "18–26"
    ADULT = "27-64", "27–64"
    SENIOR = "65+", "65+"


class CounsellingTopic(Labelled):
    RESIDENCE = "residence", "Aufenthalt"
    WORK = "work", "Arbeit/Jobcenter"
    HOUSING = "housing", "Wohnen"
    SCHOOL = "school", "Schule/Bildung"
    HEALTH = "health", "Gesundheit"
    AUTHORITIES = "authorities", "Behörden"
    DISCRIMINATION = "discrimination", "Diskriminierung"
    OTHER = "other", "Sonstiges"


class AttachmentKind(Labelled):
    STATUTES = "statutes", "Satzung"
    REGISTER_EXTRACT = "register_extract", "Registerauszug"
    TAX_EXEMPTION = "tax_exemption", "Freistellungsbescheid"
    OTHER = "other", "Sonstige Unterlage"


class Recommendation(Labelled):
    APPROVE = "approve", "Bewilligung"
    APPROVE_PARTLY = "approve_partly", "Teilbewilligung"
    REJECT = "reject", "Ablehnung"


class LineVerdict(Labelled):
    FULL = "full", "in voller Höhe zuwendungsfähig"
    PARTIAL = "partial", "teilweise zuwendungsfähig"
    NONE = "none", "nicht zuwendungsfähig"


class DecisionKind(Labelled):
    APPROVAL = "approval", "Zuwendungsbescheid"
    PARTIAL_APPROVAL = "partial_approval", "Teilbewilligung"
    REJECTION = "rejection", "Ablehnungsbescheid"
    AMENDMENT = "amendment", "Änderungsbescheid"


class PaymentMode(Labelled):
    INSTALMENTS = "instalments", "feste Raten"
    ON_REQUEST = "on_request", "auf Abruf"


class ProvisionalRule(Labelled):
    """What a fiscal year's provisional budget management (§ 82 GO NRW) lets go out of grants
    decided under budget reservation, until the year's Haushaltssatzung is in force."""

    WAIT = "wait", "warten auf den Haushalt"
    TWELFTH = "twelfth", "je Monat höchstens ein Zwölftel des Vorjahresbetrags"


class PaymentKind(Labelled):
    """Zahlungsart of the finance export (DOMAIN.md §8)."""

    INSTALMENT = "instalment", "Rate"
    REQUEST = "request", "Abruf"
    FINAL = "final", "Schlusszahlung"
    SUBSEQUENT = "subsequent", "Nachzahlung"


class UsageReportKind(Labelled):
    FINAL = "final", "Verwendungsnachweis"
    INTERIM = "interim", "Zwischennachweis"


class DocumentKind(Labelled):
    GRANT_LETTER = "grant_letter", "Zuwendungsbescheid"
    PARTIAL_GRANT_LETTER = "partial_grant_letter", "Teilbewilligungsbescheid"
    REJECTION_LETTER = "rejection_letter", "Ablehnungsbescheid"
    AMENDMENT_LETTER = "amendment_letter", "Änderungsbescheid"
    HEARING_LETTER = "hearing_letter", "Anhörungsschreiben"
    REFUND_LETTER = "refund_letter", "Rückforderungsbescheid"
    AUDIT_MEMO = "audit_memo", "Prüfvermerk"
    AUDIT_NOTICE = "audit_notice", "Prüfungsmitteilung"
    SUBMITTED_APPLICATION = "submitted_application", "Eingereichter Antrag"


class NotificationStatus(Labelled):
    PENDING = "pending", "wartet"
    SENT = "sent", "versandt"
    FAILED = "failed", "fehlgeschlagen"
