"""``time_tag`` writes the formats the pages use itself: the same text as Django's formatter."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.defaultfilters import date as format_date
from django.utils import timezone, translation

from articles.templatetags.articles_tags import _FAST_FORMATS, time_tag


@pytest.mark.parametrize("format", sorted(_FAST_FORMATS))
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_fast_formats_match_djangos_formatter(format, language):
    start = datetime(2026, 1, 1, 0, 5, 7, 123456, tzinfo=UTC)
    with translation.override(language):
        for days in range(0, 400, 7):
            value = timezone.localtime(start + timedelta(days=days, hours=days % 24))
            expected = (
                f'<time datetime="{format_date(value.replace(microsecond=0), "c")}">'
                f"{format_date(value, format)}</time>"
            )
            assert time_tag(value, format) == expected


def test_other_formats_and_no_date():
    value = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
    assert ">Monday<" in time_tag(value, "l")
    assert time_tag(None) == ""
