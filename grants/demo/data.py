"""Deterministic, Köln-like demo data, built without a database (pure).

:func:`build` returns rows per table. A foreign key is a :class:`Ref` to the n-th row of another
table; the loader (:mod:`grants.demo.seed`) resolves it to the inserted id. The same seed always
gives the same data; the demo's "today" is fixed at :data:`TODAY`.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any

from grants import financing
from grants.deadlines import usage_report_due
from grants.demo.personas import APPROVERS, DEMO_ORGANISATION_KEY, PERSONAS, REVIEWERS, demo_issuer
from grants.money import Money
from grants.vocabulary import (
    COMPULSORY_OFFERS,
    AgeBand,
    AttachmentKind,
    CounsellingTopic,
    DecisionKind,
    District,
    ExpenseCategory,
    FinancingType,
    Gender,
    LegalForm,
    LineVerdict,
    OfferType,
    PaymentKind,
    PaymentMode,
    PlanLineKind,
    Recommendation,
    RevenueType,
    TargetGroup,
    UsageReportKind,
)
from grants.workflow import (
    ApplicationStatus as A,
)
from grants.workflow import FundsRequestStatus
from grants.workflow import (
    GrantStatus as G,
)
from grants.workflow import (
    PaymentOrderStatus as P,
)
from grants.workflow import (
    UsageReportStatus as U,
)

TODAY = date(2026, 11, 25)
DUE_SOON = date(2026, 12, 31)  # the personas' association's 2025 report, its deadline extended


class ReportRole(Enum):
    """The part a grant plays in the usage-report demo (one grant each)."""

    DUE_SOON = "due_soon"  # its report is due within weeks
    READY = "ready"  # in review, every line recognised by "reviewer": another persona settles
    REFUND = "refund"  # settled with a refund, the hearing still to come
    SUBSEQUENT = "subsequent"  # settled with a Nachzahlung (the last instalment was withheld)


@dataclass(frozen=True, slots=True)
class Provisional:
    """A 2027 grant decided in autumn 2026, before the 2027 budget is in force (§ 82 GO NRW)."""

    submitted: date
    decided: date
    reservation: bool
    first_instalment: P  # where its first instalment stands today
    ordered: date  # when it was ordered (and, if released, released two days later)


# The centres (by index) that apply again for 2027 after withdrawing, and are decided early.
PROVISIONAL_2027 = (
    (7, Provisional(date(2026, 10, 2), date(2026, 10, 14), False, P.RELEASED, date(2026, 11, 18))),
    (15, Provisional(date(2026, 10, 6), date(2026, 10, 21), True, P.CERTIFIED, date(2026, 11, 23))),
)
BLZ_SPARKASSE_KOELNBONN = "37050198"
# The file behind the attachments of the draft Ayşe Demir lays before Mehmet Kaya (seed stores it).
DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
READY_TITLE = "Sprachcafé und Elternberatung 2027"


@dataclass(frozen=True, slots=True)
class Ref:
    """The ``index``-th row of ``table`` (a tablename)."""

    table: str
    index: int


@dataclass(frozen=True, slots=True)
class Line:
    """A plan line before it becomes a row: category, text, amount and extra columns."""

    category: ExpenseCategory | RevenueType
    description: str
    cents: int
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def priced(
        cls, category: ExpenseCategory, description: str, quantity_milli: int, unit_cents: int
    ) -> Line:
        """Quantity × unit price, exact to the cent."""
        return cls(category, description, quantity_milli * unit_cents // 1000,
                   {"quantity_milli": quantity_milli, "unit_price_cents": unit_cents})  # fmt: skip


@dataclass
class DemoData:
    """Rows per tablename, in insertion order."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, **row: Any) -> Ref:
        rows = self.rows.setdefault(table, [])
        rows.append(row)
        return Ref(table, len(rows) - 1)

    def get(self, ref: Ref) -> dict[str, Any]:
        return self.rows[ref.table][ref.index]

    def of(self, table: str) -> list[dict[str, Any]]:
        return self.rows.get(table, [])


# (legal name, short key, district of the first centre, second centre's district or None)
ASSOCIATIONS: tuple[tuple[str, str, District, District | None], ...] = (
    (
        "Türkisch-Deutscher Kulturverein Ehrenfeld e. V.",
        DEMO_ORGANISATION_KEY,
        District.EHRENFELD,
        None,
    ),
    ("Afrikanisches Kulturzentrum Kalk e. V.", "akz-kalk", District.KALK, None),
    ("Griechische Gemeinde Köln e. V.", "griechen", District.INNENSTADT, District.NIPPES),
    ("Kurdisches Gesellschaftszentrum Köln e. V.", "kurden", District.KALK, None),
    ("Centro Italiano di Cultura Colonia e. V.", "italiani", District.NIPPES, None),
    ("Spanischer Elternverein Köln e. V.", "espanoles", District.LINDENTHAL, None),
    ("Polnischer Sozialrat Köln e. V.", "polen", District.MUELHEIM, None),
    (
        "Russischsprachiges Familienzentrum Chorweiler e. V.",
        "familien-chorweiler",
        District.CHORWEILER,
        District.PORZ,
    ),
    ("Arabischer Frauenverein Köln e. V.", "arabische-frauen", District.EHRENFELD, None),
    ("Afghanischer Kulturverein Rheinland e. V.", "afghanen", District.PORZ, None),
    ("Iranische Gemeinde Köln e. V.", "iraner", District.LINDENTHAL, None),
    ("Eritreische Gemeinschaft Köln e. V.", "eritrea", District.KALK, None),
    ("Ghana Union Cologne e. V.", "ghana", District.MUELHEIM, None),
    ("Vietnamesisches Begegnungszentrum Köln e. V.", "vietnam", District.CHORWEILER, None),
    ("Casa Latinoamericana Colonia e. V.", "latinos", District.INNENSTADT, None),
    (
        "Rom e. V. – Verein für die Verständigung von Rom und Nicht-Rom",
        "rom",
        District.INNENSTADT,
        District.EHRENFELD,
    ),
    ("Ukrainische Gemeinde Köln e. V.", "ukraine", District.RODENKIRCHEN, None),
    ("Bosnisch-Herzegowinischer Kulturverein Köln e. V.", "bosnien", District.NIPPES, None),
    ("Marokkanischer Elternverein Köln-Mülheim e. V.", "marokko", District.MUELHEIM, None),
    ("Tamilischer Kulturverein Köln e. V.", "tamilen", District.PORZ, None),
    ("Syrisches Haus Köln e. V.", "syrien", District.KALK, District.CHORWEILER),
    (
        "Interkulturelles Zentrum Rodenkirchen e. V.",
        "ikz-rodenkirchen",
        District.RODENKIRCHEN,
        None,
    ),
    ("Alevitische Gemeinde Köln e. V.", "aleviten", District.MUELHEIM, None),
    ("Portugiesisches Kulturzentrum Köln e. V.", "portugal", District.EHRENFELD, None),
    ("Kroatische Kulturgemeinschaft Köln e. V.", "kroatien", District.LINDENTHAL, None),
    ("Koreanischer Frauenverein Köln e. V.", "korea", District.INNENSTADT, None),
    ("Somalischer Hilfsverein Köln e. V.", "somalia", District.CHORWEILER, None),
    ("Jesidisches Forum Köln e. V.", "jesiden", District.PORZ, None),
    ("Armenische Kulturgemeinschaft Köln e. V.", "armenien", District.RODENKIRCHEN, None),
    ("Begegnungsstätte Nippes gGmbH", "begegnung-nippes", District.NIPPES, None),
    ("Interkulturelle Werkstatt Kalk gGmbH", "werkstatt-kalk", District.KALK, District.MUELHEIM),
    ("Nachbarschaftshilfe Chorweiler e. V.", "nachbarn-chorweiler", District.CHORWEILER, None),
    ("Ehrenfelder Sprachbrücke e. V.", "sprachbruecke", District.EHRENFELD, None),
    ("Stiftung Mülheimer Brücke", "muelheimer-bruecke", District.MUELHEIM, None),
    ("Kongolesische Gemeinde Köln e. V.", "kongo", District.PORZ, None),
)

STREETS: dict[District, tuple[str, str]] = {
    District.INNENSTADT: ("Severinstraße", "50678"),
    District.RODENKIRCHEN: ("Hauptstraße", "50996"),
    District.LINDENTHAL: ("Dürener Straße", "50931"),
    District.EHRENFELD: ("Venloer Straße", "50823"),
    District.NIPPES: ("Neusser Straße", "50733"),
    District.CHORWEILER: ("Liverpooler Platz", "50765"),
    District.PORZ: ("Bahnhofstraße", "51143"),
    District.KALK: ("Kalker Hauptstraße", "51103"),
    District.MUELHEIM: ("Frankfurter Straße", "51065"),
}

LANGUAGES = (
    "tr",
    "ar",
    "ru",
    "uk",
    "fa",
    "ku",
    "el",
    "it",
    "es",
    "pl",
    "ti",
    "vi",
    "ro",
    "sq",
    "so",
)
TEXT_BLOCKS = (
    (
        "anbest_p",
        "ANBest-P",
        "Die Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung (ANBest-P) sind Bestandteil dieses Bescheides.",
    ),
    (
        "zinsen_49a",
        "Verzinsung",
        "Erstattungsansprüche sind nach § 49a Abs. 3 VwVfG NRW mit drei Prozentpunkten über dem Basiszinssatz jährlich zu verzinsen.",
    ),
    (
        "publizitaet",
        "Hinweis auf die Förderung",
        "In Veröffentlichungen und bei Veranstaltungen ist auf die Förderung durch die Stadt Köln hinzuweisen.",
    ),
    (
        "vergabe",
        "Vergabe",
        "Bei der Vergabe von Aufträgen über 1.000 € sind mindestens drei Vergleichsangebote einzuholen und zu dokumentieren.",
    ),
    (
        "datenschutz",
        "Datenschutz",
        "Teilnehmende werden ausschließlich in anonymisierter Form gezählt; Namenslisten werden nicht übermittelt.",
    ),
    (
        "haushaltsvorbehalt",
        "Haushaltsvorbehalt",
        "Die Bewilligung steht unter dem Vorbehalt, dass der Rat der Stadt Köln die Haushaltsmittel bereitstellt.",
    ),
)
BASE_RATES = (  # the Deutsche Bundesbank's Basiszinssatz (§ 247 BGB) since 2018, in basis points
    *((date(year, month, 1), -88) for year in range(2018, 2023) for month in (1, 7)),
    (date(2023, 1, 1), 162), (date(2023, 7, 1), 312), (date(2024, 1, 1), 362),
    (date(2024, 7, 1), 337), (date(2025, 1, 1), 227), (date(2025, 7, 1), 127),
    (date(2026, 1, 1), 127), (date(2026, 7, 1), 127),
)  # fmt: skip

# Lifecycle per fiscal year: (application status, grant status or None), cycled over the centres.
IKZ_STATES: dict[int, tuple[tuple[A, G | None], ...]] = {
    2024: (
        (A.APPROVED, G.CLOSED), (A.APPROVED, G.CLOSED), (A.APPROVED, G.REFUNDED),
        (A.APPROVED, G.REFUND_SET), (A.APPROVED, G.HEARING), (A.PARTLY_APPROVED, G.CLOSED),
        (A.APPROVED, G.SETTLED), (A.REJECTED, None), (A.APPROVED, G.CLOSED), (A.WITHDRAWN, None),
    ),
    2025: (
        (A.APPROVED, G.REPORT_DUE), (A.APPROVED, G.REPORT_SUBMITTED), (A.APPROVED, G.REPORT_IN_REVIEW),
        (A.APPROVED, G.REPORT_CHANGES_REQUESTED), (A.PARTLY_APPROVED, G.REPORT_DUE),
        (A.APPROVED, G.SETTLED), (A.APPROVED, G.REPORT_SUBMITTED), (A.REJECTED, None),
        (A.APPROVED, G.HEARING), (A.APPROVED, G.REPORT_DUE),
    ),
    2026: (
        (A.APPROVED, G.PAYING), (A.APPROVED, G.PAYING), (A.APPROVED, G.APPROVED),
        (A.PARTLY_APPROVED, G.PAYING), (A.APPROVED, G.PAYING), (A.REJECTED, None),
        (A.APPROVED, G.PAYING), (A.APPROVED, G.APPROVED),
    ),
    2027: (
        (A.DRAFT, None), (A.SUBMITTED, None), (A.IN_REVIEW, None), (A.CHANGES_REQUESTED, None),
        (A.READY, None), (A.SUBMITTED, None), (A.DRAFT, None), (A.WITHDRAWN, None),
    ),
}  # fmt: skip
GRANT_DONE_WITH_REPORT = {G.SETTLED, G.HEARING, G.REFUND_SET, G.REFUNDED, G.CLOSED}
REFUND_STATES = {G.HEARING, G.REFUND_SET, G.REFUNDED}
REPORT_STATUS = {
    G.REPORT_DUE: U.DRAFT, G.REPORT_SUBMITTED: U.SUBMITTED, G.REPORT_IN_REVIEW: U.IN_REVIEW,
    G.REPORT_CHANGES_REQUESTED: U.CHANGES_REQUESTED,
} | dict.fromkeys(GRANT_DONE_WITH_REPORT, U.ACCEPTED)  # fmt: skip


def iban(rng: random.Random) -> str:
    """A German IBAN with a valid ISO 13616 check (mod 97)."""
    bban = BLZ_SPARKASSE_KOELNBONN + f"{rng.randrange(10**9, 10**10):010d}"
    check = 98 - int(bban + "131400") % 97  # "DE" = 13 14, check digits 00
    return f"DE{check:02d}{bban}"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class Builder:
    """Builds the demo world step by step; every random choice comes from one seeded generator."""

    def __init__(self, seed: int, base_url: str) -> None:
        self.rng = random.Random(seed)
        self.data = DemoData()
        self.base_url = base_url
        self.users: dict[str, Ref] = {}
        self.organisations: dict[str, Ref] = {}
        self.centres: list[tuple[Ref, Ref, District]] = []
        self.budget_lines: dict[tuple[str, int], Ref] = {}
        self.programmes: dict[str, Ref] = {}
        self.calls: dict[tuple[str, int], Ref] = {}
        self.file_numbers: dict[tuple[str, int], int] = {}
        self.batches: dict[int, Ref] = {}
        self.order_numbers: dict[Ref, int] = {}
        self.roles_seen: dict[G, int] = {}

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def user(self, key: str) -> Ref:
        return self.users[key]

    # -- people and organisations ----------------------------------------------------------

    def people(self) -> None:
        for persona in PERSONAS:
            ref = self.data.add("app_user", issuer=demo_issuer(self.base_url), subject=persona.subject,
                                email=persona.email, email_verified=True,
                                display_name=persona.display_name, created_at=at(date(2024, 1, 8)))  # fmt: skip
            self.users[persona.key] = ref
            for role in persona.roles:
                if persona.organisation_key is None:
                    self.data.add(
                        "user_role",
                        user=ref,
                        role=role,
                        source="admin",
                        granted_at=at(date(2024, 1, 8)),
                    )

    def organisations_and_centres(self) -> None:
        for number, (name, key, district, second) in enumerate(ASSOCIATIONS, start=1):
            street, postcode = STREETS[district]
            legal_form = (LegalForm.NONPROFIT_LLC if "gGmbH" in name
                          else LegalForm.FOUNDATION if name.startswith("Stiftung")
                          else LegalForm.REGISTERED_ASSOCIATION)  # fmt: skip
            valid_until = date(2027 + number % 3, 3 + number % 9, 1)
            if number in (4, 17):
                valid_until = date(2026, 9, 30)  # expired
            elif number in (9, 23):
                valid_until = date(2027, 1, 31)  # expires within three months
            ref = self.data.add(
                "organisation", legal_name=name, legal_form=legal_form,
                register_court="Amtsgericht Köln" if legal_form != LegalForm.FOUNDATION else "",
                register_number=f"VR {10000 + number * 173}" if legal_form == LegalForm.REGISTERED_ASSOCIATION
                else (f"HRB {80000 + number * 37}" if legal_form == LegalForm.NONPROFIT_LLC else ""),
                street=f"{street} {self.rng.randint(1, 180)}", postcode=postcode, city="Köln",
                district=district, email=f"info@{key}.demo.foerderportal.example",
                phone=f"0221 {self.rng.randint(200000, 9999999)}",
                tax_exemption_date=valid_until.replace(year=valid_until.year - 3),
                tax_exemption_valid_until=valid_until, iban=iban(self.rng), bic="COLSDE33XXX",
                account_holder=name, creditor_number=f"{40000000 + number * 11}" if number % 7 else "",
                created_at=at(date(2024, 1, 10)),
            )  # fmt: skip
            self.organisations[key] = ref
            for place in filter(None, (district, second)):
                self.centre(ref, name, place)
        for persona in PERSONAS:
            if persona.organisation_key:
                self.data.add("membership", user=self.user(persona.key),
                              organisation=self.organisations[persona.organisation_key],
                              role=persona.roles[0], created_at=at(date(2024, 1, 12)))  # fmt: skip

    def centre(self, organisation: Ref, name: str, district: District) -> None:
        street, postcode = STREETS[district]
        short = name.split(" e. V.")[0].split(" gGmbH")[0]
        ref = self.data.add(
            "centre", organisation=organisation, name=f"IKZ {district.label} – {short}",
            street=f"{street} {self.rng.randint(1, 180)}", postcode=postcode, district=district,
            category=self.rng.choice(("Kategorie A", "Kategorie B", "Kategorie C")),
            recognised_since=date(self.rng.randint(2008, 2021), 1, 1), recognised_until=date(2028, 12, 31),
            description=f"Interkulturelles Zentrum in {district.label} mit Beratung, offenem Treff und Sprachkursen.",
            created_at=at(date(2024, 1, 10)),
        )  # fmt: skip
        self.centres.append((ref, organisation, district))

    # -- budget, programmes, calls ---------------------------------------------------------

    def budget_and_programmes(self) -> None:
        appropriations = {"IKZ": (76_000_000, 78_000_000, 79_000_000, 80_000_000),
                          "KOMMAN": (24_000_000, 25_000_000, 25_500_000, 26_000_000)}  # fmt: skip
        for offset, year in enumerate((2024, 2025, 2026, 2027)):
            fiscal_year = self.data.add("fiscal_year", year=year, budget_in_force=year <= 2026)
            for short, cost_centre, name in (("IKZ", "1304IKZ", "Förderung Interkulturelle Zentren"),
                                             ("KOMMAN", "1304KOMMAN", "KOMM-AN NRW Weiterleitung")):  # fmt: skip
                self.budget_lines[short, year] = self.data.add(
                    "budget_line", fiscal_year=fiscal_year, product="0504", plan_line="15",
                    account="53180000", cost_centre=cost_centre, name=name,
                    appropriation_cents=appropriations[short][offset],
                )  # fmt: skip
        self.programmes["IKZ"] = self.data.add(
            "programme", name="Förderung der Interkulturellen Zentren", short_name="IKZ",
            description="Die Stadt Köln fördert die anerkannten Interkulturellen Zentren bei ihren Angeboten der sozialen Beratung, des offenen Treffs und der Deutsch-Sprachförderung.",
            guideline="Gefördert werden Personal- und Sachausgaben der Zentren. Die drei Pflichtangebote Soziale Beratung, Offener Treff und Deutsch-Sprachförderung sind nachzuweisen. Die Zuwendung wird als Fehlbedarfsfinanzierung gewährt; über die Verteilung entscheidet der Integrationsrat.",
            default_financing_type=FinancingType.SHORTFALL, cost_categories=[c.value for c in ExpenseCategory],
            min_grant_cents=500_000, max_grant_cents=4_000_000, indicator_set="ikz",
            payment_mode=PaymentMode.INSTALMENTS, instalments=4,
            standard_conditions=["anbest_p", "zinsen_49a", "publizitaet"],
        )  # fmt: skip
        self.programmes["KOMMAN"] = self.data.add(
            "programme", name="KOMM-AN NRW Programmteil II (Weiterleitung)", short_name="KOMMAN",
            description="Landesmittel aus KOMM-AN NRW, die das Kommunale Integrationszentrum an Vereine weiterleitet, für Angebote in der Ankommens- und Orientierungsphase Neuzugewanderter.",
            guideline="Gefördert werden Sachausgaben und Honorare für niedrigschwellige Angebote für Neuzugewanderte. Die Zuwendung wird als Festbetrag gewährt.",
            default_financing_type=FinancingType.FIXED,
            cost_categories=[ExpenseCategory.FEES.value, ExpenseCategory.MATERIAL.value, ExpenseCategory.RENT.value, ExpenseCategory.PUBLICITY.value],
            min_grant_cents=100_000, max_grant_cents=1_500_000, indicator_set="komm_an", interim_reports=True,
            payment_mode=PaymentMode.INSTALMENTS, instalments=2,
            standard_conditions=["anbest_p", "publizitaet", "vergabe"],
        )  # fmt: skip
        for short, programme in self.programmes.items():
            for year in (2024, 2025, 2026, 2027):
                if short == "KOMMAN" and year == 2027:
                    continue
                line = self.budget_lines[short, year]
                title = f"{'Interkulturelle Zentren' if short == 'IKZ' else 'KOMM-AN NRW Teil II'} {year}"
                self.calls[short, year] = self.data.add(
                    "funding_call", programme=programme,
                    fiscal_year=self.data.get(line)["fiscal_year"], budget_line=line, title=title,
                    description=f"Förderaufruf für das Haushaltsjahr {year}.",
                    opens_at=at(date(year - 1, 10, 1), 6), closes_at=at(date(year, 1, 31), 22) + timedelta(minutes=59),
                    budget_cents=self.data.get(line)["appropriation_cents"], created_at=at(date(year - 1, 9, 15)),
                )  # fmt: skip
        for key, title, body in TEXT_BLOCKS:
            self.data.add("text_block", key=key, title=title, body=body)
        for valid_from, basis_points in BASE_RATES:
            self.data.add("base_rate", valid_from=valid_from, rate_basis_points=basis_points,
                          note="Basiszinssatz nach § 247 BGB, Deutsche Bundesbank")  # fmt: skip

    # -- applications ----------------------------------------------------------------------

    def applications(self) -> None:
        for year, states in IKZ_STATES.items():
            for number, (centre, organisation, district) in enumerate(self.centres):
                status, grant_status = states[number % len(states)]
                self.application("IKZ", year, centre, organisation, district, status, grant_status)
        centre, organisation, district = self.centres[0]  # the personas' association: one to review
        self.application("IKZ", 2027, centre, organisation, district, A.SUBMITTED, None)
        for year in (2024, 2025, 2026):
            for number, (centre, organisation, district) in enumerate(self.centres[::4]):
                states = IKZ_STATES[year]
                status, grant_status = states[(number * 3 + 1) % len(states)]
                self.application(
                    "KOMMAN", year, centre, organisation, district, status, grant_status
                )
        # Last, so that the random choices of everything before stay as they were.
        for index, provisional in PROVISIONAL_2027:
            centre, organisation, district = self.centres[index]
            self.application("IKZ", 2027, centre, organisation, district, A.APPROVED, G.APPROVED,
                             provisional)  # fmt: skip
        self.ready_to_sign()

    def ready_to_sign(self) -> None:
        """A complete 2027 draft of the personas' association, filled in by Ayşe Demir, who may not
        submit it: she lays it before Mehmet Kaya ("Zur Unterschrift vorlegen")."""
        centre, organisation, district = self.centres[0]
        self.application("IKZ", 2027, centre, organisation, district, A.DRAFT, None)
        app = Ref("application", len(self.data.of("application")) - 1)
        row = self.data.get(app)
        row.update(title=READY_TITLE, early_start_requested=False, declarations={
            "no_early_start": True, "input_tax_deduction": False, "truthful": True, "privacy_notice": True})  # fmt: skip
        kinds = [AttachmentKind.STATUTES, AttachmentKind.TAX_EXEMPTION]
        if self.data.get(organisation)["register_number"]:
            kinds.append(AttachmentKind.REGISTER_EXTRACT)
        for kind in kinds:
            self.data.add("attachment", organisation=organisation, application=app, kind=kind,
                          filename=f"{kind.value}.pdf", media_type="application/pdf", size_bytes=len(DEMO_PDF),
                          sha256=hashlib.sha256(DEMO_PDF).hexdigest(), uploaded_by=self.user("member"),
                          uploaded_at=row["created_at"] + timedelta(days=1))  # fmt: skip

    def application(self, programme: str, year: int, centre: Ref, organisation: Ref, district: District,
                    status: A, grant_status: G | None, provisional: Provisional | None = None) -> None:  # fmt: skip
        rng, ikz = self.rng, programme == "IKZ"
        financing = FinancingType.SHORTFALL if ikz else FinancingType.FIXED
        expenses, revenues = self.plan(ikz)
        requested = sum(line.cents for line in expenses) - sum(line.cents for line in revenues)
        submitted = status is not A.DRAFT and not (
            status is A.WITHDRAWN and year == 2027 and rng.random() < 0.5
        )
        submitted_at = at(date(year - 1, 11, 1) + timedelta(days=rng.randint(0, 80)) if year < 2027
                          else date(2026, 10, 5) + timedelta(days=rng.randint(0, 45)))  # fmt: skip
        decided = status in (A.APPROVED, A.PARTLY_APPROVED, A.REJECTED)
        decided_at = at(date(year, 3, 10) + timedelta(days=rng.randint(0, 40))) if year < 2026 else at(
            date(2026, 3, 5) + timedelta(days=rng.randint(0, 200)))  # fmt: skip
        if provisional:
            submitted_at, decided_at = at(provisional.submitted), at(provisional.decided)
        reviewer = (
            self.user(rng.choice(REVIEWERS)) if status not in (A.DRAFT, A.SUBMITTED) else None
        )
        offers = list(COMPULSORY_OFFERS) if ikz else []
        offers += rng.sample(
            [o for o in OfferType if o not in COMPULSORY_OFFERS], k=rng.randint(1, 4)
        )
        centre_name = self.data.get(centre)["name"]
        app = self.data.add(
            "application", organisation=organisation, centre=centre, call=self.calls[programme, year],
            status=status, file_number=self.file_number(programme, year) if submitted else None,
            title=(f"Arbeit des {centre_name} {year}" if ikz
                   else f"Ankommen in {district.label}: Orientierungsangebote {year}"),
            summary="Das Zentrum bietet Beratung, einen offenen Treff und Deutschkurse für Menschen aus vielen Herkunftsländern an." if ikz
            else "Niedrigschwellige Orientierungsangebote für Neuzugewanderte mit Sprachmittlung.",
            goals="Teilhabe stärken, Zugänge zu Regelangeboten öffnen, Deutschkenntnisse verbessern.",
            target_groups=[g.value for g in rng.sample(list(TargetGroup), k=3)],
            planned_offers=[o.value for o in offers], languages=rng.sample(LANGUAGES, k=rng.randint(2, 4)),
            district=district, period_start=date(year, 1, 1), period_end=date(year, 12, 31),
            early_start_requested=year == 2027 and rng.random() < 0.3,
            financing_type=financing, requested_cents=requested,
            declarations={"no_early_start": True, "input_tax_deduction": False, "truthful": True, "privacy_notice": True}
            if submitted else {},
            reviewer=reviewer,
            created_by=self.user("member") if organisation == self.organisations[DEMO_ORGANISATION_KEY] else None,
            created_at=submitted_at - timedelta(days=14), updated_at=submitted_at,
            submitted_at=submitted_at if submitted else None, decided_at=decided_at if decided else None,
            withdrawn_at=submitted_at + timedelta(days=20) if status is A.WITHDRAWN else None,
            withdrawal_reason="Der Verein hat keine Räume mehr in Köln." if status is A.WITHDRAWN else "",
        )  # fmt: skip
        lines = self.plan_lines(app, expenses, revenues)
        if submitted:
            self.versions(app, lines, 2 if status is A.CHANGES_REQUESTED else 1)
        if status is A.CHANGES_REQUESTED and reviewer:
            self.change_request(app, reviewer)
        if status in (A.READY, A.APPROVED, A.PARTLY_APPROVED, A.REJECTED) and reviewer:
            self.review(app, lines, status, reviewer)
        if decided:
            self.decision(app, lines, status, grant_status, programme, year, reviewer, decided_at,
                          provisional)  # fmt: skip

    def file_number(self, programme: str, year: int) -> str:
        sequence = self.file_numbers[programme, year] = (
            self.file_numbers.get((programme, year), 0) + 1
        )
        return f"{programme}-{year}-{sequence:04d}"

    def plan(self, ikz: bool) -> tuple[list[Line], list[Line]]:
        """A balanced-to-be plan: expense lines, and revenue lines covering a share of them."""
        rng = self.rng
        if ikz:
            fte = rng.choice((250, 390, 500))
            expenses = [
                Line(ExpenseCategory.PERSONNEL, "Sozialberatung", fte * rng.randint(54, 62) * 100,
                     {"staff_function": "Sozialarbeiter:in (Beratung)", "fte_milli": fte, "pay_group": "TVöD SuE S 12"}),
                Line.priced(ExpenseCategory.FEES, "Honorare Deutschkurse", 120_000, rng.choice((3500, 4000, 4500))),
                Line.priced(ExpenseCategory.RENT, "Miete Treffpunkt inkl. Nebenkosten", 12_000, rng.randint(40, 75) * 1000),
                Line(ExpenseCategory.MATERIAL, "Lehr- und Verbrauchsmaterial", rng.randint(8, 30) * 10_000),
                Line(ExpenseCategory.PUBLICITY, "Flyer und Website", rng.randint(3, 12) * 10_000),
            ]  # fmt: skip
        else:
            expenses = [
                Line.priced(ExpenseCategory.FEES, "Honorare Sprachmittlung", rng.randint(40, 90) * 1000, 3500),
                Line(ExpenseCategory.MATERIAL, "Material für Orientierungskurse", rng.randint(5, 15) * 10_000),
            ]  # fmt: skip
        total = sum(line.cents for line in expenses)
        other = total * (rng.randint(35, 50) if ikz else rng.randint(5, 15)) // 100
        own = other * 25 // 100
        if ikz:
            third = other * 45 // 100
            revenues = [
                Line(RevenueType.OWN_FUNDS, "Mitgliedsbeiträge", own),
                Line(RevenueType.THIRD_PARTY, "Landesförderung", third, {"source": "Land NRW (KOMM-AN)"}),
                Line(RevenueType.FEES_INCOME, "Kursbeiträge", other - own - third),
            ]  # fmt: skip
        else:
            revenues = [Line(RevenueType.OWN_FUNDS, "Mitgliedsbeiträge", own),
                        Line(RevenueType.DONATIONS, "Spenden", other - own)]  # fmt: skip
        return expenses, revenues

    def plan_lines(self, app: Ref, expenses: list[Line], revenues: list[Line]) -> list[Ref]:
        kinds = [PlanLineKind.EXPENSE] * len(expenses) + [PlanLineKind.REVENUE] * len(revenues)
        return [
            self.data.add("plan_line", application=app, line_key=self.uuid(), kind=kind,
                          category=line.category.value, description=line.description,
                          amount_cents=line.cents, position=position, **line.extra)
            for position, (kind, line) in enumerate(zip(kinds, expenses + revenues, strict=True))
        ]  # fmt: skip

    def versions(self, app: Ref, lines: list[Ref], count: int) -> None:
        row = self.data.get(app)
        snapshot = {
            "application": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()
                            if not isinstance(v, Ref) and k not in {"status", "created_at", "updated_at"}},
            "lines": [{k: v for k, v in self.data.get(line).items() if k != "application"} for line in lines],
        }  # fmt: skip
        canonical = json.dumps(snapshot, sort_keys=True, default=str, ensure_ascii=False)
        for number in range(1, count + 1):
            self.data.add("application_version", application=app, number=number, snapshot=snapshot,
                          content_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
                          submitted_by=self.submitter(row), submitted_at=row["submitted_at"])  # fmt: skip

    def submitter(self, application: dict[str, Any]) -> Ref | None:
        return (
            self.user("signatory")
            if application["organisation"] == self.organisations[DEMO_ORGANISATION_KEY]
            else None
        )

    def change_request(self, app: Ref, reviewer: Ref) -> None:
        requested = at(date(2026, 11, 10))
        self.data.add("change_request", application=app, requested_by=reviewer, requested_at=requested,
                      points="1. Bitte den aktuellen Freistellungsbescheid hochladen.\n2. Die Honorarsätze der Deutschkurse begründen.",
                      deadline=date(2026, 12, 15))  # fmt: skip
        self.data.add("message", application=app, author=reviewer, from_staff=True, subject="Nachforderung",
                      body="Guten Tag, bitte ergänzen Sie Ihren Antrag bis zum 15.12.2026. Die Punkte finden Sie in der Nachforderung.",
                      created_at=requested)  # fmt: skip
        self.data.add("message", application=app, author=reviewer, from_staff=True, internal=True,
                      subject="Notiz", body="Honorarsätze liegen über dem Durchschnitt der Zentren.",
                      created_at=requested)  # fmt: skip

    def review(self, app: Ref, lines: list[Ref], status: A, reviewer: Ref) -> None:
        recommendation = {A.REJECTED: Recommendation.REJECT, A.PARTLY_APPROVED: Recommendation.APPROVE_PARTLY}.get(
            status, Recommendation.APPROVE)  # fmt: skip
        row = self.data.get(app)
        review = self.data.add(
            "review", application=app, reviewer=reviewer,
            formal_check={"complete": {"ok": True, "note": ""}, "attachments": {"ok": True, "note": ""},
                          "tax_exemption": {"ok": True, "note": ""}},
            content_check={offer.value: {"ok": True, "note": ""} for offer in COMPULSORY_OFFERS},
            internal_notes="Antrag plausibel; Kostenansätze im üblichen Rahmen.",
            recommendation=recommendation, financing_type=row["financing_type"],
            conditions=["anbest_p", "zinsen_49a", "publizitaet"],
            created_at=row["submitted_at"] + timedelta(days=10),
            completed_at=row["submitted_at"] + timedelta(days=30),
        )  # fmt: skip
        for line in lines:
            plan_line = self.data.get(line)
            if plan_line["kind"] is not PlanLineKind.EXPENSE:
                continue
            cut = (
                status is A.PARTLY_APPROVED
                and plan_line["category"] == ExpenseCategory.MATERIAL.value
            )
            self.data.add("line_assessment", review=review, plan_line=line,
                          verdict=LineVerdict.PARTIAL if cut else LineVerdict.FULL,
                          recognised_cents=plan_line["amount_cents"] // 2 if cut else plan_line["amount_cents"],
                          reason="Materialkosten nur zur Hälfte nachvollziehbar." if cut else "")  # fmt: skip
        if recommendation is not Recommendation.REJECT:
            self.data.get(review)["parameters"] = self.proposed(row, lines)

    def proposed(self, application: dict[str, Any], lines: list[Ref]) -> dict[str, Any]:
        """The financing parameters as the review workspace stores them.

        The grant is the shortfall A − D, at most the requested amount (Fehlbedarf: the cap H;
        Festbetrag: the fixed amount F).
        """
        eligible = sum(
            a["recognised_cents"]
            for a in self.data.of("line_assessment")
            if a["plan_line"] in lines
        )
        other = sum(self.data.get(line)["amount_cents"] for line in lines
                    if self.data.get(line)["kind"] is PlanLineKind.REVENUE)  # fmt: skip
        fixed = application["financing_type"] is FinancingType.FIXED
        approved = min(application["requested_cents"], eligible - other)
        return {"eligible_cents": eligible, "other_funding_cents": other, "share_basis_points": None,
                "cap_cents": None if fixed else application["requested_cents"],
                "fixed_cents": approved if fixed else None, "unit_rate_cents": None, "units_planned": None,
                "approved_cents": approved}  # fmt: skip

    # -- decisions, grants, money ----------------------------------------------------------

    def decision(self, app: Ref, lines: list[Ref], status: A, grant_status: G | None, programme: str,
                 year: int, reviewer: Ref | None, decided_at: datetime,
                 provisional: Provisional | None = None) -> None:  # fmt: skip
        row = self.data.get(app)
        approver = self.user(self.rng.choice(APPROVERS))
        kind = {A.APPROVED: DecisionKind.APPROVAL, A.PARTLY_APPROVED: DecisionKind.PARTIAL_APPROVAL}.get(
            status, DecisionKind.REJECTION)  # fmt: skip
        fixed = row["financing_type"] is FinancingType.FIXED
        figures = self.proposed(row, lines)
        approved = 0 if kind is DecisionKind.REJECTION else figures["approved_cents"]
        schedule = self.schedule(year, approved)
        decision = self.data.add(
            "decision", application=app, kind=kind, financing_type=row["financing_type"],
            eligible_cents=figures["eligible_cents"], other_funding_cents=figures["other_funding_cents"],
            cap_cents=figures["cap_cents"],
            fixed_cents=approved if fixed else None, approved_cents=approved,
            period_start=row["period_start"], period_end=row["period_end"],
            budget_reservation=provisional.reservation if provisional else year == 2026 and decided_at.month < 4,
            payment_mode=PaymentMode.INSTALMENTS if programme == "IKZ" else PaymentMode.ON_REQUEST,
            payment_schedule=[{"due": due.isoformat(), "cents": cents} for due, cents in schedule]
            if programme == "IKZ" and approved else [],
            usage_report_due=usage_report_due(row["period_end"]),
            conditions=["anbest_p", "zinsen_49a", "publizitaet"] if approved else [],
            reasons="Der Integrationsrat hat die Förderung empfohlen." if approved
            else "Die verfügbaren Haushaltsmittel reichen für diesen Antrag nicht aus.",
            reviewer=reviewer, decided_by=approver, decided_at=decided_at, notified_at=decided_at + timedelta(days=3),
        )  # fmt: skip
        if not approved or grant_status is None:
            return
        self.data.add("fiscal_year_share", decision=decision, year=year, amount_cents=approved)
        grant = self.data.add("grant_award", application=app, current_decision=decision, status=grant_status,
                              created_at=decided_at)  # fmt: skip
        line = self.budget_lines[programme, year]
        self.data.add("budget_commitment", budget_line=line, grant=grant, decision=decision,
                      amount_cents=approved, reason="Bewilligung", booked_by=approver, booked_at=decided_at)  # fmt: skip
        if provisional:
            self.provisional_instalment(grant, line, row, schedule[0], provisional)
            return
        role = self.report_role(grant_status, programme)
        paid = self.payments(
            grant,
            line,
            row,
            schedule or [(date(year, 4, 1), approved)],
            grant_status,
            programme,
            withhold_last=role is ReportRole.SUBSEQUENT,
        )
        if grant_status in REPORT_STATUS:
            self.usage_report(
                grant, app, lines, grant_status, approved, paid, decision, line, reviewer, role
            )

    def report_role(self, status: G | None, programme: str) -> ReportRole | None:
        """The IKZ grants that play a part in the usage-report demo: the first of their state."""
        wanted = {G.REPORT_DUE: [ReportRole.DUE_SOON], G.REPORT_IN_REVIEW: [ReportRole.READY],
                  G.SETTLED: [ReportRole.REFUND, ReportRole.SUBSEQUENT]}.get(status or G.APPROVED, [])  # fmt: skip
        if programme != "IKZ" or status is None:
            return None
        seen = self.roles_seen[status] = self.roles_seen.get(status, 0) + 1
        return wanted[seen - 1] if seen <= len(wanted) else None

    def schedule(self, year: int, approved: int) -> list[tuple[date, int]]:
        """Quarterly instalments that add up to the approved amount exactly."""
        quarter = approved // 4
        amounts = [quarter, quarter, quarter, approved - 3 * quarter]
        return list(zip((date(year, m, 15) for m in (1, 4, 7, 10)), amounts, strict=True))

    def payments(self, grant: Ref, line: Ref, application: dict[str, Any], schedule: list[tuple[date, int]],
                 status: G, programme: str, withhold_last: bool = False) -> int:  # fmt: skip
        """Payment orders along the schedule; returns what was paid. ``withhold_last``: the last
        instalment was cancelled, to be paid with the settlement (Nachzahlung)."""
        states = self.payment_states(status, programme, len(schedule))
        if withhold_last:
            states[-1] = P.CANCELLED
        kind = PaymentKind.INSTALMENT if programme == "IKZ" else PaymentKind.REQUEST
        paid = 0
        for number, ((due, cents), state) in enumerate(
            zip(schedule, states, strict=False), start=1
        ):
            certifier, releaser = self.user(self.rng.choice(REVIEWERS)), self.user("finance")
            if kind is PaymentKind.REQUEST:
                request = self.data.add("funds_request", grant=grant, amount_cents=cents,
                                        purpose="Honorare und Material der nächsten zwei Monate",
                                        due_within_two_months_cents=cents + cents // 10,
                                        own_funds_used_cents=cents // 20, submitted_at=at(due - timedelta(days=25)),
                                        status=FundsRequestStatus.ORDERED, reviewed_by=certifier,
                                        reviewed_at=at(due - timedelta(days=20)))  # fmt: skip
            reached = [P.DRAFT, P.CERTIFIED, P.RELEASED, P.EXPORTED, P.PAID]
            step = reached.index(state) if state in reached else 1
            batch = self.batch(due) if step >= 3 else None
            self.data.add(
                "payment_order", grant=grant, budget_line=line, kind=kind, status=state, amount_cents=cents,
                funds_request=request if kind is PaymentKind.REQUEST else None, due_date=due,
                purpose=f"{application['file_number']} {kind.label} {number} Zeitraum {application['period_start']:%m/%Y}-{application['period_end']:%m/%Y}",
                created_by=certifier, created_at=at(due - timedelta(days=20)),
                certified_by=certifier if step >= 1 else None, certified_at=at(due - timedelta(days=15)) if step >= 1 else None,
                released_by=releaser if step >= 2 else None, released_at=at(due - timedelta(days=10)) if step >= 2 else None,
                batch=batch, order_number=self.order_number(batch) if batch else None,
                paid_on=due if state is P.PAID else None,
                cash_reference=f"5400.{self.rng.randint(1000, 9999)}.{self.rng.randint(1000, 9999)}" if state is P.PAID else "",
                idempotency_key=self.uuid(),
            )  # fmt: skip
            paid += cents if state is P.PAID else 0
        return paid

    def provisional_instalment(self, grant: Ref, line: Ref, application: dict[str, Any],
                               instalment: tuple[date, int], provisional: Provisional) -> None:  # fmt: skip
        """The first instalment of a 2027 grant decided before the 2027 budget is in force: ordered
        now and, if the decision is final and without reservation, released (§ 82 GO NRW)."""
        due, cents = instalment
        certifier, released = self.user("reviewer"), provisional.first_instalment is P.RELEASED
        self.data.add(
            "payment_order", grant=grant, budget_line=line, kind=PaymentKind.INSTALMENT,
            status=provisional.first_instalment, amount_cents=cents, due_date=due,
            purpose=f"{application['file_number']} {PaymentKind.INSTALMENT.label} 1 Zeitraum {application['period_start']:%m/%Y}-{application['period_end']:%m/%Y}",
            created_by=certifier, created_at=at(provisional.ordered),
            certified_by=certifier, certified_at=at(provisional.ordered),
            released_by=self.user("finance") if released else None,
            released_at=at(provisional.ordered + timedelta(days=2)) if released else None,
            idempotency_key=f"instalment:{application['file_number']}:{due.isoformat()}",
        )  # fmt: skip

    def payment_states(self, status: G, programme: str, count: int) -> list[P]:
        """The state of each of a grant's (four) payment orders, by the grant's state."""
        if status is G.APPROVED:  # IKZ: the last instalment is still to be ordered
            return [P.EXPORTED, P.RELEASED, P.CERTIFIED] + ([] if programme == "IKZ" else [P.DRAFT])
        if status is G.PAYING:
            return [P.PAID, P.PAID, P.PAID, self.rng.choice((P.PAID, P.RELEASED, P.CANCELLED))]
        return [P.PAID] * count

    def batch(self, due: date) -> Ref:
        key = due.toordinal() // 7
        if key not in self.batches:
            number = len(self.batches) + 1
            self.batches[key] = self.data.add("export_batch", number=f"AO-{due.year}-{number:04d}",
                                              created_by=self.user("finance"), created_at=at(due - timedelta(days=5)),
                                              file_sha256="")  # fmt: skip
        return self.batches[key]

    def order_number(self, batch: Ref) -> str:
        count = self.order_numbers[batch] = self.order_numbers.get(batch, 0) + 1
        return f"{self.data.get(batch)['number']}-{count:03d}"

    # -- usage reports and settlements -----------------------------------------------------

    def usage_report(self, grant: Ref, app: Ref, lines: list[Ref], status: G, approved: int, paid: int,
                     decision: Ref, budget_line: Ref, reviewer: Ref | None, role: ReportRole | None) -> None:  # fmt: skip
        """The grant's report by its state. Reports that led to a refund spent 80–88 % of the
        plan; settled and closed ones without refund at least the plan; the rest about the plan."""
        row = self.data.get(app)
        report_status = REPORT_STATUS[status]
        submitted = report_status is not U.DRAFT
        due = usage_report_due(row["period_end"])
        if role is ReportRole.DUE_SOON:  # the KI extended the personas' association's deadline
            due = self.data.get(decision)["usage_report_due"] = DUE_SOON
        if role is ReportRole.READY:  # assessed by Julia Becker: another persona settles it
            reviewer = self.user("reviewer")
        submitted_at = at(
            usage_report_due(row["period_end"]) - timedelta(days=self.rng.randint(5, 60))
        )
        report = self.data.add(
            "usage_report", grant=grant, kind=UsageReportKind.FINAL, status=report_status,
            period_start=row["period_start"], period_end=row["period_end"],
            due_date=due,
            narrative="Alle drei Pflichtangebote fanden das ganze Jahr statt. Die Beratung war stark nachgefragt, vor allem zu Aufenthalt und Wohnen.",
            confirmed=submitted, reviewer=reviewer if submitted else None,
            submitted_by=self.submitter(row) if submitted else None,
            submitted_at=submitted_at if submitted else None, created_at=submitted_at - timedelta(days=30),
        )  # fmt: skip
        underspend = status in REFUND_STATES or role in (ReportRole.REFUND, ReportRole.READY)
        at_least_plan = status in (G.SETTLED, G.CLOSED) and not underspend
        assessed = report_status is U.ACCEPTED or role is ReportRole.READY
        actual_expenses = actual_revenues = 0
        for line in lines:
            plan = self.data.get(line)
            factor = self.rng.randint(80, 88) if underspend else (
                self.rng.randint(100, 103) if at_least_plan else self.rng.randint(97, 103))  # fmt: skip
            if plan["kind"] is PlanLineKind.REVENUE:
                factor = 100
            amount = plan["amount_cents"] * factor // 100
            actual = self.data.add("actual_line", usage_report=report, plan_line=line, amount_cents=amount,
                                   recognised_cents=amount if assessed else None)  # fmt: skip
            if plan["kind"] is PlanLineKind.EXPENSE:
                actual_expenses += amount
                self.receipts(report, actual, amount, row["period_start"].year)
            else:
                actual_revenues += amount
        self.indicators(report)
        if status is G.REPORT_CHANGES_REQUESTED:
            self.data.add("change_request", usage_report=report, requested_by=reviewer or self.user("reviewer"),
                          points="Bitte die Belege zu den Honoraren nachreichen.", deadline=date(2026, 12, 20),
                          requested_at=at(date(2026, 11, 12)))  # fmt: skip
        if status in GRANT_DONE_WITH_REPORT:
            self.settlement(grant, report, status, approved, paid, actual_expenses, actual_revenues,
                            decision, budget_line, submitted_at, reviewer)  # fmt: skip

    def receipts(self, report: Ref, actual: Ref, amount: int, year: int) -> None:
        count = self.rng.randint(1, 3)
        number = sum(1 for r in self.data.of("receipt") if r["usage_report"] == report)
        for n in range(count):
            part = amount // count if n < count - 1 else amount - (amount // count) * (count - 1)
            day = date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            self.data.add("receipt", usage_report=report, actual_line=actual, number=number + n + 1,
                          receipt_date=day, payee=self.rng.choice(("Stadtwerke Köln", "Honorarkraft (Nr. 3)",
                          "Druckerei am Ring", "Vermieter Treffpunkt", "Büromarkt Kalk", "Lohnbuchhaltung")),
                          purpose="Beleg laut Kostenplan", amount_cents=part, paid_on=day + timedelta(days=3))  # fmt: skip

    def indicators(self, report: Ref) -> None:
        rng = self.rng
        values = [("sessions", o.value, rng.randint(40, 220)) for o in COMPULSORY_OFFERS]
        values += [("contacts_by_gender", g.value, rng.randint(5, 600)) for g in Gender]
        values += [("contacts_by_age", a.value, rng.randint(5, 400)) for a in AgeBand]
        values += [("counselling_by_topic", t.value, rng.randint(5, 150)) for t in CounsellingTopic]
        values += [
            ("volunteers", "count", rng.randint(3, 40)),
            ("volunteers", "hours", rng.randint(100, 2000)),
        ]
        for indicator, dimension, value in values:
            self.data.add(
                "indicator_value",
                usage_report=report,
                indicator=indicator,
                dimension=dimension,
                value=value,
            )

    def settlement(self, grant: Ref, report: Ref, status: G, approved: int, paid: int, expenses: int,
                   revenues: int, decision: Ref, budget_line: Ref, submitted_at: datetime,
                   reviewer: Ref | None) -> None:  # fmt: skip
        """Settled as :mod:`grants.services.settlements` does: Z′ by :func:`financing.final_grant`,
        refund or Nachzahlung, § 49a interest from the day after the period — up to the day of
        settling, and once the refund is set up to its due date (a month after the decision);
        the commitment released down to Z′; a Nachzahlung as an order certified by a reviewer."""
        d = self.data.get(decision)
        application = self.data.get(d["application"])
        parameters = financing.Parameters(
            d["financing_type"], Money(d["eligible_cents"]), Money(d["other_funding_cents"]),
            cap=Money(d["cap_cents"]) if d["cap_cents"] is not None else None,
            fixed=Money(d["fixed_cents"]) if d["fixed_cents"] is not None else None,
        )  # fmt: skip
        final = financing.final_grant(
            parameters, Money(approved), financing.Actuals(Money(expenses), Money(revenues))
        )
        refund = financing.refund(Money(paid), final)
        subsequent = financing.subsequent_payment(Money(paid), final)
        settled_at = submitted_at + timedelta(days=60)
        hearing = status in REFUND_STATES
        decided = settled_at + timedelta(days=45) if status in (G.REFUND_SET, G.REFUNDED) else None
        due = financing.refund_due(decided.date()) if decided else None
        interest_from = application["period_end"] + timedelta(days=1)
        interest = (
            financing.interest(refund, interest_from, due or settled_at.date(), BASE_RATES)
            if refund
            else Money(0)
        )
        order = None
        if subsequent:
            settler = self.user("reviewer2")
            order = self.data.add(
                "payment_order", grant=grant, budget_line=budget_line, kind=PaymentKind.SUBSEQUENT,
                status=P.CERTIFIED, amount_cents=subsequent.cents, due_date=settled_at.date(),
                purpose=f"{application['file_number']} {PaymentKind.SUBSEQUENT.label} 1 Zeitraum {application['period_start']:%m/%Y}-{application['period_end']:%m/%Y}",
                created_by=self.user("approver"), created_at=settled_at, certified_by=settler,
                certified_at=settled_at + timedelta(days=1), released_by=None, released_at=None, batch=None,
                order_number=None, paid_on=None, cash_reference="", funds_request=None,
                idempotency_key=f"subsequent:{application['file_number']}",
            )  # fmt: skip
        self.data.add(
            "settlement", grant=grant, usage_report=report, recognised_expenses_cents=expenses,
            recognised_other_funding_cents=revenues, final_cents=final.cents, paid_cents=paid,
            refund_cents=refund.cents, subsequent_cents=subsequent.cents, interest_cents=interest.cents,
            interest_from=interest_from if refund else None, refund_due_date=due,
            hearing_sent_at=settled_at + timedelta(days=5) if hearing else None,
            hearing_deadline=(settled_at + timedelta(days=33)).date() if hearing else None,
            refund_decided_at=decided,
            repaid_at=settled_at + timedelta(days=80) if status is G.REFUNDED else None,
            repaid_cents=(refund + interest).cents if status is G.REFUNDED else 0,
            cash_reference=f"5400.{application['file_number'][-4:]}.0001" if status is G.REFUNDED else "",
            recognised_by=reviewer, settled_by=self.user("approver"), signed_off_by=self.user("approver"),
            signed_off_at=settled_at, subsequent_order=order, created_at=settled_at,
        )  # fmt: skip
        if final.cents < approved:
            self.data.add("budget_commitment", budget_line=budget_line, grant=grant, decision=decision,
                          amount_cents=final.cents - approved, reason="Abrechnung: Freigabe nicht benötigter Mittel",
                          booked_by=self.user("approver"), booked_at=settled_at)  # fmt: skip


def build(seed: int = 2026, base_url: str = "http://127.0.0.1:8000") -> DemoData:
    """The whole demo world; the same seed gives the same data."""
    builder = Builder(seed, base_url)
    builder.people()
    builder.organisations_and_centres()
    builder.budget_and_programmes()
    builder.applications()
    return builder.data
