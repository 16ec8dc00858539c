"""The decision pack (Beschlussvorlage) of a call for the Integrationsrat as a Word document:
all recommendations with their amounts, the sums against the budget, and the proposed
resolution (DOMAIN.md §1, §6). Landscape, so the table stays readable."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from grants.clock import BERLIN
from grants.money import Money
from grants.services.decision_pack import DecisionPack, PackRow
from grants.vocabulary import Recommendation
from reports.word.documents import (
    Column,
    add_labelled,
    add_page_numbers,
    add_table,
    open_template,
    set_properties,
    to_bytes,
)

TITLE = "Beschlussvorlage für den Integrationsrat"
COLUMNS = (  # the page's and the workbook's columns; 24.7 cm, the landscape page's width
    Column("Aktenzeichen", Cm(2.5)),
    Column("Träger", Cm(3.9)),
    Column("Vorhaben", Cm(3.9)),
    Column("Stadtbezirk", Cm(2.2)),
    Column("Status", Cm(2.2)),
    Column("Empfehlung", Cm(2.2)),
    Column("Beantragt", Cm(2.6), money=True),
    Column("Vorgeschlagen", Cm(2.6), money=True),
    Column("Bewilligt", Cm(2.6), money=True),
)
BUDGET_COLUMNS = (Column("Position", Cm(12)), Column("Betrag", Cm(4), money=True))


def decision_pack_document(pack: DecisionPack) -> bytes:
    """The pack as a .docx file."""
    document = open_template()
    _landscape(document)
    set_properties(document, f"{TITLE} – {pack.call_title}")
    add_page_numbers(document)
    document.add_heading(TITLE, level=0)
    add_labelled(document, "Förderaufruf", pack.call_title)
    add_labelled(document, "Förderprogramm", pack.programme)
    add_labelled(document, "Haushaltsjahr", str(pack.fiscal_year))
    add_labelled(document, "Haushaltsstelle", pack.budget_line)
    add_labelled(document, "Stand", f"{pack.created_at.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr")
    _recommendations(document, pack)
    _budget(document, pack)
    _resolution(document, pack)
    return to_bytes(document)


def _landscape(document: DocxDocument) -> None:
    for section in document.sections:
        if section.orientation != WD_ORIENT.LANDSCAPE:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = section.page_height, section.page_width


def _recommendations(document: DocxDocument, pack: DecisionPack) -> None:
    document.add_heading("Empfehlungen der Prüfung", level=1)
    document.add_paragraph(
        f"{len(pack.rows)} Anträge: {len(pack.ready)} entscheidungsreif, "
        f"{len(pack.decided)} bereits entschieden. Der vorgeschlagene Betrag ist die Zuwendung, "
        "die sich aus der Empfehlung der Sachbearbeitung ergibt (0 € bei empfohlener Ablehnung)."
    )
    add_table(
        document, COLUMNS, [_row(row) for row in pack.rows],
        totals=[("Summe", "", "", "", "", "", pack.requested.format(), pack.proposed.format(),
                 pack.decided_total.format())],
        caption="Empfehlungen zu den Anträgen des Förderaufrufs",
    )  # fmt: skip


def _row(row: PackRow) -> tuple[str, ...]:
    return (
        row.file_number or str(row.application_id),
        row.organisation,
        row.title,
        row.district_label,
        row.status.label,
        row.recommendation_label,
        row.requested.format(),
        row.proposed.format(),
        row.decided.format() if row.decided is not None else "–",
    )


def _budget(document: DocxDocument, pack: DecisionPack) -> None:
    document.add_heading("Mittel und Budget", level=1)
    add_table(
        document,
        BUDGET_COLUMNS,
        [
            ("Budget des Förderaufrufs", pack.budget.format()),
            ("Ansatz der Haushaltsstelle", pack.appropriation.format()),
            ("bereits gebunden (Bewilligungen auf der Haushaltsstelle)", pack.committed.format()),
            ("Summe der Anträge (beantragt)", pack.requested.format()),
            ("Summe der Vorschläge (alle Anträge)", pack.proposed.format()),
            ("Vorschläge der noch offenen Anträge", pack.proposed_open.format()),
        ],
        totals=[("verbleibt nach den Vorschlägen", pack.remaining.format())],
        caption="Vorschläge im Verhältnis zum Budget",
    )


def _resolution(document: DocxDocument, pack: DecisionPack) -> None:
    document.add_heading("Beschlussvorschlag", level=1)
    approvals = [r for r in pack.ready if r.recommendation is not Recommendation.REJECT]
    rejections = len(pack.ready) - len(approvals)
    document.add_paragraph(
        f"Der Integrationsrat beschließt die Verteilung der Mittel des Förderaufrufs "
        f"„{pack.call_title}“ wie in der Tabelle vorgeschlagen: {len(approvals)} "
        f"{'Bewilligung' if len(approvals) == 1 else 'Bewilligungen'} mit zusammen "
        f"{Money.total(r.proposed for r in approvals).format()} und {rejections} "
        f"{'Ablehnung' if rejections == 1 else 'Ablehnungen'}."
    )
    if pack.remaining.cents >= 0:
        document.add_paragraph(
            f"Nach den Vorschlägen verbleiben vom Budget des Förderaufrufs "
            f"{pack.remaining.format()}."
        )
    else:
        document.add_paragraph(
            f"Die Vorschläge übersteigen das verbleibende Budget um "
            f"{Money(-pack.remaining.cents).format()}. Der Integrationsrat muss Vorschläge kürzen "
            "oder Anträge zurückstellen."
        )
    document.add_paragraph(
        "Über jeden Antrag entscheidet anschließend die Leitung des Kommunalen "
        "Integrationszentrums (Vier-Augen-Prinzip); die Bescheide binden die Mittel auf der "
        "Haushaltsstelle."
    )
    add_labelled(document, "Beschluss des Integrationsrats vom", "")
    add_labelled(document, "Abweichungen vom Vorschlag", "")
