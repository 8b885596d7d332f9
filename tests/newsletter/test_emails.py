import pytest
from django.urls import reverse

from newsletter.emails import RenderedIssue

pytestmark = pytest.mark.django_db


def test_issue_email_is_html_with_inlined_css_absolute_urls_and_a_text_part(make, settings):
    settings.SITE_URL = "https://news.example.com"
    first = make.article(headline="First story", lead_image=make.image())
    second = make.article(headline="Second story")
    issue = make.issue(articles=[second, first], intro="Hello from the desk.")
    reader = make.subscriber(name="Ada <script>")
    message = RenderedIssue(issue).message_for(reader)
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    assert 'style="' in html and "<style" not in html  # CSS inlined for mail clients
    assert html.index("Second story") < html.index("First story")  # the editor's order
    assert f'href="https://news.example.com{first.get_absolute_url()}"' in html
    assert 'src="https://news.example.com/media/' in html
    assert "Hello Ada &lt;script&gt;," in html
    assert 'src="/' not in html and 'href="/' not in html
    assert "Hello Ada <script>," in message.body
    assert "Second story" in message.body and "<" not in message.body.split("Hello")[0]
    assert f"https://news.example.com{issue.get_absolute_url()}" in message.body


def test_web_archive_shows_sent_issues_only(client, make):
    sent = make.issue(subject="Sent issue", status="sent")
    sent.sent_at = sent.created_at
    sent.save()
    draft = make.issue(subject="Draft issue")
    archive = client.get(reverse("newsletter:archive"))
    assert "Sent issue" in archive.text and "Draft issue" not in archive.text
    page = client.get(sent.get_absolute_url())
    assert page.status_code == 200
    assert "Sent issue" in page.text
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_archive_page_queries_do_not_grow_with_the_stories(client, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sent_issue(stories):
        issue = make.issue(articles=[make.article(lead_image=make.image()) for _ in range(stories)])
        issue.status = "sent"
        issue.sent_at = issue.created_at
        issue.save()
        return issue

    small, large = sent_issue(1), sent_issue(8)
    client.get(small.get_absolute_url())  # warm the menu and settings caches
    counts = []
    for issue, stories in ((small, 1), (large, 8)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(issue.get_absolute_url())
        assert response.text.count('<article class="teaser') == stories
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_drafts_in_an_issue_are_left_out_of_the_email(make):
    live = make.article(headline="Live story")
    draft = make.article(headline="Unpublished story", status="draft")
    issue = make.issue(articles=[draft, live])
    assert issue.ordered_articles() == [live]
    assert "Unpublished story" not in RenderedIssue(issue).html


def test_wire_bytes_carry_non_ascii_subject_names_and_bodies_intact(make):
    import email
    import email.policy

    from newsletter.emails import raw_bytes

    issue = make.issue(subject="Café society: the week’s best", intro="Zoë’s picks, naïvely.")
    reader = make.subscriber(name="Zoë Ångström", email="zoe@example.com")
    raw = raw_bytes(RenderedIssue(issue).message_for(reader))
    assert raw.isascii()  # 7-bit safe on the wire
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Café society: the week’s best"
    assert parsed["To"] == "zoe@example.com"
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "Zoë Ångström" in text and "Zoë’s picks" in text
    assert "Zoë Ångström" in html


def test_copies_encode_to_the_same_bytes_as_the_whole_body_at_once(make):
    """Only the lines with a personal value are encoded per recipient; the result must be
    byte for byte what quoted-printable encoding of the whole personalised body gives."""
    from newsletter.emails import _qp

    long_headline = "A headline long enough to need soft line breaks, " * 3 + "and a space "
    issue = make.issue(
        subject="Encoding check",
        intro="Zoë’s picks,\nwith = signs, tabs\tand a line ending in a space \nand more.",
        articles=[make.article(headline=long_headline)],
    )
    reader = make.subscriber(name="Ådne = “quoted” " * 5, email="adne@example.com")
    rendered = RenderedIssue(issue)
    raw = rendered.wire_for(reader)
    text = rendered.personalise(rendered.text, reader, html=False)
    html = rendered.personalise(rendered.html, reader, html=True)
    assert _qp(text) in raw
    assert _qp(html) in raw
    assert len(rendered.encoded_html.pieces) < 10  # most lines were encoded once, together


def test_every_link_in_the_mails_is_absolute_on_site_url(make, settings):
    import re

    from newsletter.emails import confirmation_message

    settings.SITE_URL = "https://news.example.com/edition"
    reader = make.subscriber(status="pending")
    rendered = RenderedIssue(make.issue(articles=[make.article(lead_image=make.image())]))
    issue_html = rendered.message_for(reader).alternatives[0].content
    confirm = confirmation_message(reader)
    for html in (issue_html, confirm.alternatives[0].content):
        links = re.findall(r'(?:href|src)="([^"]+)"', html)
        assert links
        assert all(link.startswith("https://news.example.com/edition/") for link in links), links
    assert reader.get_confirm_url().startswith("https://news.example.com/edition/newsletter/")
    assert "https://news.example.com/edition/newsletter/confirm/" in confirm.body
