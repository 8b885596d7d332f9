"""The one pagination include, as the comment thread uses it: its own parameter, its anchor."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def render(**context):
    return render_to_string("includes/pagination.html", context)


def test_the_include_pages_by_the_parameter_and_lands_on_the_anchor_it_is_given():
    page = Paginator(range(30), 10).page(2)
    html = render(
        page_obj=page, page_param="comments_page", anchor="comments", label="Comment pages"
    )
    assert 'aria-label="Comment pages"' in html
    assert 'href="?comments_page=1#comments"' in html
    assert 'href="?comments_page=3#comments"' in html


def test_without_arguments_it_pages_by_page_with_no_anchor():
    html = render(page_obj=Paginator(range(30), 10).page(2), page_query="q=tram")
    assert 'href="?q=tram&amp;page=1"' in html and 'href="?q=tram&amp;page=3"' in html
    assert "#" not in html


def test_a_single_page_shows_no_navigation():
    assert render(page_obj=Paginator(range(5), 10).page(1)).strip() == ""
    assert render(page_obj=None).strip() == ""
