"""Worst-case inputs cost bounded work: the sanitizer, the comment formatter, the email
validator and the search parser each refuse or short-circuit what is over their limit before
parsing it, and a request body over the documented limit is a 413 (or a form error).

The times here are generous ceilings against a runaway (a megabyte of nested tags used to take
the comment formatter minutes); ``benchmarks/bench_worst_inputs.py`` prints the real figures
against the 200 ms target.
"""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from articles.search import MAX_QUERY_LENGTH, fts5_query, normalize_query
from comments.models import Comment, render_body
from newsletter.forms import SubscribeForm
from newsroom.sanitizer import MAX_HTML_CHARS, clean_html, html_problem
from tests.hostile import worst_case_email, worst_case_inputs, worst_case_search

CEILING = 2.0  # seconds, for any one of them on a loaded machine


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    elapsed = time.perf_counter() - started
    print(f"{function.__name__}: {elapsed * 1000:.1f} ms")
    return result, elapsed


@pytest.mark.parametrize("name", list(worst_case_inputs()))
def test_the_sanitizer_does_bounded_work_on_worst_cases(name):
    text = worst_case_inputs()[name]
    cleaned, elapsed = timed(clean_html, text)
    assert elapsed < CEILING, name
    assert "<div" not in cleaned and "<script" not in cleaned


def test_html_over_the_limits_is_refused_before_parsing():
    inputs = worst_case_inputs()
    assert "characters" in html_problem(inputs["1 MB of nested tags"])
    assert "tags" in html_problem(inputs["100,000 '<'"])
    assert "nested" in html_problem("<div>" * 100 + "x")
    assert html_problem("<p>" + "A normal paragraph. " * 2_000 + "</p>") is None
    assert html_problem("x" * (MAX_HTML_CHARS + 1))


@pytest.mark.django_db
def test_the_article_form_says_so_instead_of_saving(editor_client, make):
    story = make.article(status="draft", published_at=None)
    from articles.forms import ArticleAdminForm

    form = ArticleAdminForm(
        instance=story, data={"body": worst_case_inputs()["1 MB of nested tags"]}
    )
    form.is_valid()
    assert "at most" in str(form.errors["body"])


@pytest.mark.parametrize("name", list(worst_case_inputs()))
def test_the_comment_formatter_does_bounded_work_at_the_comment_limit(name):
    text = worst_case_inputs()[name][: Comment._meta.get_field("body").max_length]
    html, elapsed = timed(render_body, text)
    assert elapsed < CEILING, name
    assert "<div" not in html  # a comment is text: nothing of it becomes a tag


@pytest.mark.django_db
def test_a_comment_over_its_limit_is_a_form_error_and_never_formatted(client, make):
    story = make.article()
    body = worst_case_inputs()["1 MB of nested tags"][:900_000]
    started = time.perf_counter()
    response = client.post(
        reverse("comments:post", args=[story.pk]), make.comment_form_data(body=body)
    )
    assert time.perf_counter() - started < CEILING
    assert response.status_code in {200, 400}
    assert "5000" in response.text or "5,000" in response.text
    assert not Comment.objects.exists()


def test_the_email_validator_refuses_a_ten_thousand_label_domain_quickly():
    form = SubscribeForm({"email": worst_case_email()})
    valid, elapsed = timed(form.is_valid)
    assert not valid and "email" in form.errors
    assert elapsed < CEILING


def test_the_search_parser_keeps_a_bounded_query():
    query, elapsed = timed(lambda: fts5_query(normalize_query(worst_case_search())))
    assert elapsed < CEILING
    assert len(query) <= 2 * MAX_QUERY_LENGTH  # at most MAX_TERMS terms of what was kept


@pytest.mark.django_db
def test_a_search_of_five_thousand_operators_answers(client, make):
    make.article(headline="Weather report")
    response = client.get(reverse("articles:search"), {"q": worst_case_search()})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["newsletter:subscribe", "comments:post"])
def test_a_body_over_the_documented_limit_is_413(client, make, url_name):
    story = make.article()
    url = reverse(url_name, args=[story.pk] if url_name == "comments:post" else [])
    body = b"body=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "more than we take at once" in response.text
