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
from django.utils.functional import cached_property

_NUMBER = re.compile(r"[0-9]{1,9}")


class WindowPaginator(Paginator):
    window = 10  # pages counted past the one asked for
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
