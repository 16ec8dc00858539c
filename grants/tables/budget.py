"""Fiscal years, budget lines (Haushaltsstellen) and the commitments booked on them."""

from piccolo.columns import Boolean, Integer, Varchar

from grants.tables._columns import Record, cents, choice, created_at, ref, version
from grants.tables.people import User
from grants.vocabulary import ProvisionalRule


class FiscalYear(Record, tablename="fiscal_year"):
    year = Integer(unique=True)
    budget_in_force = Boolean(default=False)  # Haushaltssatzung in Kraft: payments allowed
    # Until then (§ 82 GO NRW): what grants decided under budget reservation may receive.
    provisional_rule = choice(ProvisionalRule)
    version = version()


class BudgetLine(Record, tablename="budget_line"):
    """Teilplan/Produkt, Teilplanzeile, Sachkonto, Kostenstelle, with the year's appropriation."""

    fiscal_year = ref(FiscalYear)
    product = Varchar(length=20)
    plan_line = Varchar(length=10)
    account = Varchar(length=20)
    cost_centre = Varchar(length=20)
    name = Varchar(length=200)
    appropriation_cents = cents()
    version = version()


class BudgetCommitment(Record, tablename="budget_commitment"):
    """One booking of the commitment ledger: positive binds, negative releases.

    Committed = the sum over a line; it is never stored, so it cannot drift. The grant reference
    is a lazy string because awards are defined after budgets.
    """

    budget_line = ref(BudgetLine)
    grant = ref("grants.tables.awards.GrantAward")
    decision = ref("grants.tables.awards.Decision", null=True)
    amount_cents = cents()
    reason = Varchar(length=200)
    booked_by = ref(User, null=True)
    booked_at = created_at()
