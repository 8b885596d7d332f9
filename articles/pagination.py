"""Pagination that never counts a whole archive.

Django's ``Paginator`` counts every matching row to print "Page 1 of 8,000": on a tag or section
with 100,000 stories that ``COUNT(*)`` is most of the page's cost. :class:`WindowPaginator`
counts only as far as ``window`` pages past the page asked for (a ``COUNT`` over a ``LIMIT``
subquery), so page 1 costs the same however large the archive grows, and a deep page costs no
more than its own ``OFFSET``. When there are more rows than that, ``is_bounded`` is true and the
page says "Page 3" and links to older pages, instead of "Page 3 of 8,000".
"""

import re

from django.core.paginator import Paginator
from django.db.models import Subquery
from django.utils.functional import cached_property

_NUMBER = re.compile(r"[0-9]{1,9}")


class KeyedPaginator(Paginator):
    """Pages whose rows are found by key first: a page's keys come from ``object_list`` (the
    stories' filter and order, which their own indexes answer), then only those rows are read
    with ``rows``' columns and joins, in ``rows``' order.

    Slicing one query that filters, orders and joins (sections, pictures) left the plan to
    SQLite, and once ANALYZE had run its planner started from the sections: every section's
    public stories read and the whole archive sorted, 250 ms a tag or author page at 100,000
    stories. A deep page's ``OFFSET`` also walked every row before it (the last of 47
    sitemap files: 430 ms); on the keys it walks an index."""

    def __init__(self, object_list, per_page, *, rows, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows

    def page(self, number):
        number, bottom, top = self.bounds(number)
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.rows.filter(pk__in=Subquery(keys)), number, self)

    def bounds(self, number):
        """The page's number, checked, and where its rows start and stop (as Django's own
        ``page()`` reckons them, orphans included)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return number, bottom, top


class WindowPaginator(KeyedPaginator):
    """Counts only ``window`` pages past the one asked for: enough for "Page 2 of 5" on a short
    list and for the link to older stories on a long one (the pages link only to the next and
    previous). The count walks the list's stories newest first until it has them all, so on a
    tag or author page, whose stories are spread over the archive, each page counted costs a
    walk through many others: at 100,000 stories ten pages were 2.2 ms of a tag page's SQL
    against 0.5 ms at 1,000, four are half that."""

    window = 4  # pages counted past the one asked for
    requested = 1
    is_bounded = False

    def ask_for(self, value):
        """The page number the request names (a string), so the count reaches past it."""
        if isinstance(value, str) and _NUMBER.fullmatch(value):
            self.requested = max(1, int(value))
        return self

    @cached_property
    def count(self):
        limit = (self.requested + self.window) * self.per_page
        found = self.object_list[: limit + 1].count()
        self.is_bounded = found > limit
        return min(found, limit)


class RankedPaginator(KeyedPaginator):
    """Pages of a list whose order is the costly part (search results, ranked): the keys are
    read once, in order, in one query that is the count too, and a page fetches its own rows by
    key from ``rows`` (what a page shows, e.g. ``for_listing()``). The list is at most ``most``
    long plus one, the one saying there are more than ``most`` (``is_bounded``): the page says
    "more than 1,000" and leaves out "of N" in its paging."""

    def __init__(self, object_list, per_page, *, rows, most, **kwargs):
        super().__init__(object_list, per_page, rows=rows, **kwargs)
        self.most = most

    @cached_property
    def keys(self):
        return list(self.object_list.values_list("pk", flat=True))

    @cached_property
    def count(self):
        return len(self.keys)

    @property
    def is_bounded(self):
        return self.count > self.most

    def page(self, number):
        number, bottom, top = self.bounds(number)
        keys = self.keys[bottom:top]
        found = self.rows.order_by().in_bulk(keys) if keys else {}  # the keys are the order
        return self._get_page([found[key] for key in keys if key in found], number, self)
