"""The KI's usage-report queue and overdue list (``/pruefung/nachweise``). Thin: read the
filters, call the service, render."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from grants.services import report_queue, reviews
from grants.services.report_queue import ReportQueueFilter
from portal.forms import whole_number
from portal.review.controllers import STAFF


@get("/pruefung/nachweise", name="review:report_queue", opt=STAFF)
async def report_queue_page(
    request: Request[Any, Any, Any],
    status: Annotated[str | None, QueryParameter(name="status")] = None,
    reviewer: Annotated[str | None, QueryParameter(name="bearbeitung")] = None,
    search: Annotated[str | None, QueryParameter(name="suche")] = None,
    page: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """Usage reports due and in the works, by due date (overdue first); tabs, search, "meine"."""
    principal = request.user
    chosen = {"status": status if status in report_queue.TABS else "", "bearbeitung": reviewer or "",
              "suche": (search or "")[:100]}  # fmt: skip
    result = await report_queue.queue(principal, ReportQueueFilter(
        tab=chosen["status"], reviewer_id=principal.id if reviewer == "ich" else whole_number(reviewer),
        search=chosen["suche"], page=whole_number(page) or 1,
    ))  # fmt: skip
    return Template("review/report_queue.html.jinja2", context={
        "result": result, "chosen": chosen, "tabs": report_queue.TABS, "closed": report_queue.CLOSED,
        "reviewers": await reviews.reviewers(),
        "link": lambda **changes: "/pruefung/nachweise?" + urlencode({k: v for k, v in {**chosen, **changes}.items() if v}),
    })  # fmt: skip


ROUTES = [report_queue_page]
