"""Hand-over for signature: a member lays the finished draft before the signatories."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from grants.errors import Conflict, Invalid
from grants.services import signatures
from portal.admin.controllers import actor
from portal.applications.controllers import APPLICANT, _check_page, version_of
from portal.flash import flash
from portal.forms import Form


@post("/antraege/{application_id:int}/unterschrift", name="applications:hand_over", opt=APPLICANT)
async def hand_over(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    try:
        signers = await signatures.hand_over(
            request.user, application_id, version_of(form), actor(request).request_id
        )
    except Invalid as exc:
        return await _check_page(request, application_id, exc.errors, 400)
    except Conflict as exc:
        return await _check_page(request, application_id, {"version": str(exc)}, 409)
    names = ", ".join(s.name for s in signers)
    flash(request, f"Der Antrag liegt jetzt zur Unterschrift vor bei: {names}. "
                   "Sie haben eine E-Mail bekommen.")  # fmt: skip
    return Redirect(f"/antraege/{application_id}", status_code=303)


ROUTES = [hand_over]
