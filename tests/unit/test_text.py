"""User text cannot reorder what the portal shows."""

from markupsafe import Markup

from grants import files
from grants.settings import get_settings
from grants.text import without_bidi_controls
from portal.templating import environment
from tests.support import applying

EVERY = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_every_bidirectional_control_is_dropped_and_markup_stays_markup():
    assert without_bidi_controls(f"a{EVERY}b") == "ab"
    kept = without_bidi_controls(Markup("<b>a\u202eb</b>"))
    assert isinstance(kept, Markup)
    assert kept == Markup("<b>ab</b>")


def test_an_uploaded_file_name_loses_them():
    assert files.check("rechnung\u202efdp.exe.pdf", applying.PDF).filename == "rechnungfdp.exe.pdf"


def test_no_template_prints_them():
    template = environment(get_settings()).from_string('<p title="{{ x }}">{{ x }}</p>')
    assert (
        template.render(x="fdp.exe\u202e<i>") == '<p title="fdp.exe&lt;i&gt;">fdp.exe&lt;i&gt;</p>'
    )
