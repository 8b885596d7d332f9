"""The editorial calendar's grid: a week or a month of days, each with its stories.

A story sits on the day it goes (or went) live when it is scheduled or published, and on its
planned day (``planned_on``) while it is a draft or in review. Weeks start on Monday. The admin
view is ``WorkflowAdmin.calendar_view``; the queryset is ``Article.objects.on_calendar``.
"""

import contextlib
import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme

KINDS = ("week", "month")
MONTH_DAY_LIMIT = 8  # stories listed per day in the month view; the week view lists them all
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Day:
    date: datetime.date
    in_range: bool
    is_today: bool
    articles: list = field(default_factory=list)
    more: int = 0

    @property
    def week_url(self):
        return calendar_url("week", self.date)


@dataclass
class Page:
    kind: str
    day: datetime.date
    today: datetime.date

    @classmethod
    def from_query(cls, query, today):
        """The page asked for (``?view=week|month&date=YYYY-MM-DD``); anything unreadable is
        this week."""
        kind = query.get("view") if query.get("view") in KINDS else "week"
        day = today
        text = query.get("date", "")
        if ISO_DATE.fullmatch(text):
            with contextlib.suppress(ValueError):  # 2026-02-31
                day = datetime.date.fromisoformat(text)
        return cls(kind, day, today)

    @property
    def start(self):
        """The first day the page is about (a Monday, or the 1st of the month)."""
        if self.kind == "week":
            return self.day - datetime.timedelta(days=self.day.weekday())
        return self.day.replace(day=1)

    @property
    def end(self):
        if self.kind == "week":
            return self.start + datetime.timedelta(days=6)
        following = (self.start + datetime.timedelta(days=32)).replace(day=1)
        return following - datetime.timedelta(days=1)

    @property
    def first(self):
        """The first day shown: the Monday of the first week."""
        return self.start - datetime.timedelta(days=self.start.weekday())

    @property
    def last(self):
        return self.end + datetime.timedelta(days=6 - self.end.weekday())

    @property
    def title(self):
        if self.kind == "week":
            return f"week of {date_format(self.start, 'j F Y')}"
        return date_format(self.start, "F Y")

    @property
    def previous_url(self):
        before = self.start - datetime.timedelta(days=1)
        return calendar_url(self.kind, before if self.kind == "month" else self.start - _WEEK)

    @property
    def next_url(self):
        return calendar_url(self.kind, self.end + datetime.timedelta(days=1))

    @property
    def today_url(self):
        return calendar_url(self.kind, self.today)

    @property
    def other_kind_url(self):
        return calendar_url("month" if self.kind == "week" else "week", self.day)

    @property
    def url(self):
        return calendar_url(self.kind, self.day)

    def weeks(self, articles):
        days = {}
        day = self.first
        while day <= self.last:
            days[day] = Day(day, self.start <= day <= self.end, day == self.today)
            day += datetime.timedelta(days=1)
        limit = MONTH_DAY_LIMIT if self.kind == "month" else None
        for article in articles:
            cell = days.get(article.calendar_day)
            if cell is None:
                continue
            if limit is not None and len(cell.articles) >= limit:
                cell.more += 1
            else:
                cell.articles.append(article)
        ordered = list(days.values())
        return [ordered[i : i + 7] for i in range(0, len(ordered), 7)]


_WEEK = datetime.timedelta(days=7)


def calendar_url(kind, day):
    query = urlencode({"view": kind, "date": day.isoformat()})
    return f"{reverse('admin:articles_article_calendar')}?{query}"


def back_url(request):
    """Where a calendar form returns: the calendar page it was posted from, if it is ours."""
    target = request.POST.get("next", "")
    calendar = reverse("admin:articles_article_calendar")
    if target.startswith(calendar) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return calendar


def same_time_on(moment, day):
    """``moment`` moved to ``day``, at the same local time of day."""
    local = timezone.localtime(moment)
    naive = datetime.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive)
