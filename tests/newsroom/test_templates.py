"""Two template engines side by side: readers' pages on Jinja2 (``templates/jinja2/``), the admin
and the emails on Django templates (``templates/``). Neither ever loads the other's files."""

from pathlib import Path

import pytest
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from newsroom.jinja2 import linebreaks, pluralize

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
JINJA2 = TEMPLATES / "jinja2"


def names(folder, *, exclude=None):
    return [
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.html")
        if exclude is None or exclude not in path.parents
    ]


def test_every_public_template_is_found_by_the_jinja2_engine():
    public = names(JINJA2)
    assert {"base.html", "articles/article_detail.html", "includes/article_teaser.html"} <= set(
        public
    )
    for name in public:
        assert get_template(name).backend is engines["jinja2"], name


def test_the_django_engine_cannot_load_a_public_template():
    for name in names(JINJA2):
        with pytest.raises(TemplateDoesNotExist):
            engines["django"].get_template(name)


def test_the_jinja2_engine_cannot_load_the_admin_or_email_templates():
    for name in names(TEMPLATES, exclude=JINJA2):
        with pytest.raises(TemplateDoesNotExist):
            engines["jinja2"].get_template(name)
        assert get_template(name).backend is engines["django"], name
    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template("admin/base_site.html")


def test_the_pages_escape_what_they_show():
    html = render_to_string("includes/messages.html", {"messages": ["<b>Saved</b> & done"]})
    assert "&lt;b&gt;Saved&lt;/b&gt; &amp; done" in html


def test_linebreaks_escapes_before_making_paragraphs():
    assert str(linebreaks("One <b>\n\nTwo")) == "<p>One &lt;b&gt;</p>\n\n<p>Two</p>"


def test_pluralize_says_s_unless_one():
    assert [pluralize(n) for n in (0, 1, 2)] == ["s", "", "s"]


@pytest.mark.django_db
def test_footer_year_is_todays_local_year(client):
    assert f"&copy; {timezone.localtime():%Y} Newsroom" in client.get("/").text
