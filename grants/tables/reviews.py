"""Reviews (Prüfungen) of applications, with an assessment per cost line."""

from piccolo.columns import JSONB, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.applications import Application, PlanLine
from grants.tables.people import User
from grants.vocabulary import FinancingType, LineVerdict, Recommendation


class Review(Record, tablename="review"):
    application = ref(Application)
    reviewer = ref(User)
    formal_check = JSONB(default={})  # item -> {"ok": bool, "note": str}
    content_check = JSONB(default={})
    internal_notes = Text()
    recommendation = Varchar(length=40, choices=Recommendation, null=True, default=None)
    financing_type = choice(FinancingType)
    parameters = JSONB(default={})  # proposed A, D, p, H, F, rate, units (cents / basis points)
    conditions = JSONB(default=[])  # chosen TextBlock keys
    created_at = created_at()
    completed_at = moment()
    version = version()


class LineAssessment(Record, tablename="line_assessment"):
    """The financial check of one expense line: eligible in full, in part, or not."""

    review = ref(Review)
    plan_line = ref(PlanLine)
    verdict = choice(LineVerdict)
    recognised_cents = cents()
    reason = Text()
    line_fingerprint = Varchar(
        length=64
    )  # of the line as assessed: tells a changed line after a resubmission
    version = version()
