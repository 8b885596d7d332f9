"""Readers' forms render their inputs with Django's Jinja2 widget templates (``newsroom.forms``),
which write the same markup as its default renderer in about half the time."""

import pytest
from django.forms.renderers import DjangoTemplates, Jinja2

from comments.forms import CommentForm
from newsletter.forms import ManageForm, SubscribeForm

pytestmark = pytest.mark.django_db


def reader_forms(make):
    article = make.article()
    bad = {"name": "", "email": "not an address", "website": "ftp://x", "body": "<b>" * 3}
    yield "comment", lambda **kw: CommentForm(article=article, **kw), bad
    yield "subscribe", SubscribeForm, {"email": "nope", "name": "Ἀθηνᾶ"}
    yield "manage", ManageForm, {"name": "x" * 101}


def markup(form):
    form.is_valid() if form.is_bound else None
    return [str(form[name]) for name in form.fields] + [str(form.errors)]


def test_reader_forms_render_with_jinja2_and_the_same_markup_as_djangos_templates(make):
    for kind, make_form, bad in reader_forms(make):
        assert isinstance(make_form().renderer, Jinja2), kind
        for data in (None, bad):
            ours = markup(make_form(data=data))
            django = markup(make_form(data=data, renderer=DjangoTemplates()))
            assert ours == django, kind


def test_the_admin_keeps_djangos_template_renderer(admin_client):
    response = admin_client.get("/admin/articles/article/add/")
    assert response.status_code == 200
    assert 'class="vTextField"' in response.content.decode()
