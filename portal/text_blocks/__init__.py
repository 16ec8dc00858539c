"""The library of text blocks (Textbausteine): admins maintain them, KI staff read them."""
