"""The POST forms and the links of an HTML page (stdlib html.parser), for the robustness tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

KIND = re.compile(r"/\d+(?=/|$)")  # an id in a path: /antraege/17 is of the kind /antraege/{n}


@dataclass
class HtmlForm:
    action: str
    multipart: bool
    fields: list[tuple[str, str]] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)  # the fields a person fills in or picks
    texts: list[str] = field(default_factory=list)  # of those, the ones typed into as text

    def kind(self) -> tuple[str, tuple[str, ...]]:
        return KIND.sub("/{n}", self.action), tuple(sorted({name for name, _ in self.fields}))


class Page(HTMLParser):
    """The links and the POST forms of a page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[HtmlForm] = []
        self.form: HtmlForm | None = None
        self.select: str | None = None
        self.textarea: str | None = None
        self.options: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "option" and self.select and ("selected" in a or self.select not in self.options):
            self.options[self.select] = a.get("value", "")
        elif tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form" and a.get("method", "get").lower() == "post":
            action = urljoin(self.url, a.get("action") or self.url)
            self.form = HtmlForm(action, "multipart" in a.get("enctype", ""))
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input":
            self.input(a)
        elif tag == "button" and a.get("type", "submit") == "submit":
            # the last named button: a form's main action comes last ("Art übernehmen" before
            # "Entscheiden und Bescheid erstellen")
            fields = [field for field in self.form.fields if field[0] != a["name"]]
            self.form.fields[:] = [*fields, (a["name"], a.get("value", ""))]
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form.typed.append(a["name"])
            self.form.texts.append(a["name"])
        elif tag == "select":
            self.select = a["name"]
            self.form.typed.append(a["name"])

    def input(self, a: dict[str, str]) -> None:
        assert self.form is not None
        kind = a.get("type", "text")
        if kind in ("submit", "button", "reset", "image", "file"):
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            if a["name"] not in self.form.typed:
                self.form.typed.append(a["name"])
            return
        self.form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        if kind != "hidden" and a["name"] not in self.form.typed:
            self.form.typed.append(a["name"])
        if kind in ("text", "search", "email", "tel", "url") and a["name"] not in self.form.texts:
            self.form.texts.append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.form and self.select:
            self.form.fields.append((self.select, self.options.get(self.select, "")))
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.form:
            self.forms.append(self.form)
            self.form = None

    def handle_data(self, data: str) -> None:
        if self.form and self.textarea:
            self.form.fields.append((self.textarea, data))
            self.textarea = None


def form_on(url: str, html: str, action_path: str) -> HtmlForm:
    """The POST form of a page whose action ends with ``action_path``."""
    page = Page(url)
    page.feed(html)
    return next(form for form in page.forms if form.action.split("?")[0].endswith(action_path))
