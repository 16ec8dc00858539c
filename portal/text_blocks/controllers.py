"""Text blocks (Textbausteine): admins create and change them, reviewers, approvers and auditors
read them. There is no delete: a block no longer wanted is deactivated."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants.errors import Conflict, Invalid
from grants.services import text_blocks
from grants.services.text_blocks import TextBlockData, TextBlockRecord
from grants.vocabulary import Role
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number

CHANGE = access(roles(Role.ADMIN))
READ = access(roles(Role.ADMIN, Role.REVIEWER, Role.APPROVER, Role.AUDITOR))
KEY_READ_MAX = 1000  # longer keys are cut; the service's rule names the allowed length


@get("/admin/textbausteine", name="text_blocks:list", opt=READ)
async def text_block_list(
    number: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """The text blocks by title, a page at a time."""
    return Template("text_blocks/list.html.jinja2",
                    context={"blocks": await text_blocks.list_text_blocks(whole_number(number) or 1)})  # fmt: skip


@get("/admin/textbausteine/neu", name="text_blocks:new", opt=CHANGE)
async def new_text_block() -> Template:
    return _form_page(None, {"active": "true"})


@post("/admin/textbausteine/neu", name="text_blocks:create", opt=CHANGE)
async def create_text_block(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = Form(await request.form())
    data = _read(form)
    try:
        await text_blocks.create_text_block(actor(request), data, unreadable=form.errors)
    except Invalid as exc:
        return _form_page(None, form.values, errors=exc.errors)
    flash(request, f"Textbaustein „{data.title}“ angelegt.")
    return Redirect("/admin/textbausteine", status_code=303)


@get("/admin/textbausteine/{text_block_id:int}", name="text_blocks:show", opt=READ)
async def show_text_block(
    request: Request[Any, Any, Any], text_block_id: FromPath[int]
) -> Template:
    """Admins get the form; the other readers see the block as it is."""
    record = await text_blocks.get_text_block(text_block_id)
    if Role.ADMIN in request.user.roles:
        return _form_page(record, _values(record))
    return Template("text_blocks/show.html.jinja2", context={"block": record})


@post("/admin/textbausteine/{text_block_id:int}", name="text_blocks:update", opt=CHANGE)
async def update_text_block(
    request: Request[Any, Any, Any], text_block_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read(form)
    try:
        await text_blocks.update_text_block(actor(request), text_block_id, form.integer("version") or 0,
                                            data, unreadable=form.errors)  # fmt: skip
    except Invalid as exc:
        record = await text_blocks.get_text_block(text_block_id)
        # The key field is read-only: show the key that stays next to the message.
        values = {**form.values, "key": record.data.key}
        return _form_page(record, values, errors=exc.errors)
    except Conflict:
        record = await text_blocks.get_text_block(text_block_id)
        return _form_page(record, {**form.values, "version": str(record.version)}, stale=True)
    flash(request, f"Textbaustein „{data.title}“ gespeichert.")
    return Redirect("/admin/textbausteine", status_code=303)


def _form_page(record: TextBlockRecord | None, values: dict[str, Any],
               errors: dict[str, str] | None = None, stale: bool = False) -> Template:  # fmt: skip
    return Template(
        "text_blocks/form.html.jinja2",
        context={
            "block": record, "values": values, "errors": errors or {}, "stale": stale,
            "key_min": text_blocks.KEY_MIN, "key_max": text_blocks.KEY_MAX,
            "body_max": text_blocks.BODY_MAX,
        },
        status_code=409 if stale else 400 if errors else 200,
    )  # fmt: skip


def _read(form: Form) -> TextBlockData:
    """Parse what was typed; the service judges it (``required=False``: its rules decide)."""
    return TextBlockData(
        key=form.text("key", required=False, max_length=KEY_READ_MAX),
        title=form.text("title", required=False, max_length=text_blocks.TITLE_MAX),
        body=form.text("body", required=False, max_length=text_blocks.BODY_MAX, multiline=True),
        active=form.flag("active"),
    )


def _values(record: TextBlockRecord) -> dict[str, Any]:
    data = record.data
    return {
        "key": data.key, "title": data.title, "body": data.body,
        "active": "true" if data.active else "", "version": str(record.version),
    }  # fmt: skip


ROUTES = [text_block_list, new_text_block, create_text_block, show_text_block, update_text_block]
