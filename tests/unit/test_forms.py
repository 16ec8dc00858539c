"""Reading whole numbers (ids, years, versions) from queries and forms."""

import pytest

from portal.forms import Form, whole_number


@pytest.mark.parametrize(("text", "number"), [
    ("42", 42), (" 2026 ", 2026), ("0", 0), ("٣", 3), (str(2**31 - 1), 2**31 - 1),
])  # fmt: skip
def test_whole_numbers_are_read(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text", [None, "", " ", "-1", "+1", "1.5", "1e3", "²", "x1", str(2**31), "9" * 19, "1" * 5000]
)
def test_anything_else_is_none_never_an_error(text):
    assert whole_number(text) is None


def test_the_form_reads_an_integer_field_the_same_way():
    form = Form({"version": " 7 ", "jahr": "²"})
    assert (form.integer("version"), form.integer("jahr"), form.integer("fehlt")) == (7, None, None)


def test_numbers_of_many_digits_are_a_field_message_not_an_error():
    form = Form({"amount": "9" * 27, "fte": "9" * 40 + ",5"})
    assert form.money("amount") is None
    assert form.number("fte", places=3) is None
    assert form.errors == {
        "amount": "Bitte höchstens 999.999.999,99\u00a0€ eingeben.",
        "fte": "Bitte eine Zahl zwischen 0 und 1000000000 eingeben.",
    }


def test_names_and_titles_lose_bidirectional_controls_long_texts_keep_them():
    form = Form({"name": "Verein\u202e \u2066e.V.\u2069", "text": "a\u200fb"})
    assert form.text("name") == "Verein e.V."
    assert form.text("text", multiline=True) == "a\u200fb"
