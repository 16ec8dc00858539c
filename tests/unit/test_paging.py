"""Pages of a list: one row more than a page tells of the next page (pure)."""

from grants.paging import MAX_PAGE, Page, page_of, window


def test_a_window_reads_one_row_more_than_the_page():
    assert window(1, 25) == (26, 0)
    assert window(3, 25) == (26, 50)
    assert window(0, 25) == window(-4, 25) == (26, 0)
    assert window(10**12, 25) == (26, (MAX_PAGE - 1) * 25)


def test_the_extra_row_is_not_shown_but_tells_of_a_next_page():
    full = page_of(list(range(26)), 2, 25)
    assert full.rows == list(range(25))
    assert full.has_next
    assert full.has_previous
    last = page_of(list(range(3)), 1, 25)
    assert last.rows == [0, 1, 2]
    assert not last.has_next
    assert not last.has_previous
    assert not Page([])
    assert len(last) == 3
    assert list(last) == [0, 1, 2]
