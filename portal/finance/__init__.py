"""The finance statements (Auszüge): the page to choose them and their Excel downloads."""
