"""The public page types every reader-experience standard is checked on.

Adding a page type is one line in ``PAGE_TYPES``: its name and a function from the demo content
(``tests/browser/demo.py``) to its address. A page that is only reached by doing something (a form
re-shown with errors) also gets one line in ``AFTER_LOAD``: a function that takes the Playwright
page, already on the address, and does it; the checks then look at the page it ends on.
"""

from urllib.parse import urlsplit

from django.urls import reverse


def path_of(url):
    """Emails carry absolute links on SITE_URL; the checks open them on the live server."""
    return urlsplit(url).path


PAGE_TYPES = {
    "home": lambda demo: reverse("articles:home"),
    "section": lambda demo: demo.section.get_absolute_url(),
    "tag": lambda demo: reverse("articles:tag", args=[demo.tag]),
    "author": lambda demo: demo.author.get_absolute_url(),
    "article": lambda demo: demo.article.get_absolute_url(),
    "article-comment-errors": lambda demo: demo.article.get_absolute_url(),
    "newsletter-signup-errors": lambda demo: reverse("newsletter:subscribe"),
    "newsletter-check-inbox": lambda demo: reverse("newsletter:subscribe_done"),
    "newsletter-confirm": lambda demo: path_of(demo.pending.get_confirm_url()),
    "newsletter-thanks": lambda demo: reverse("newsletter:confirmed"),
    "newsletter-bad-link": lambda demo: reverse("newsletter:confirm", args=["tampered-token"]),
    "newsletter-unsubscribe": lambda demo: path_of(demo.subscriber.get_unsubscribe_url()),
    "newsletter-unsubscribed": lambda demo: path_of(demo.leaving.get_unsubscribe_url()),
    "newsletter-manage": lambda demo: path_of(demo.subscriber.get_manage_url()),
    "search-hits": lambda demo: reverse("articles:search") + "?q=bridge",
    "search-empty": lambda demo: reverse("articles:search") + "?q=zeppelin",
    "corrections": lambda demo: reverse("articles:corrections"),
    "404": lambda demo: "/this-page-does-not-exist/",
    "preview-link": lambda demo: demo.preview_link.get_absolute_url(),
    "preview-link-gone": lambda demo: demo.revoked_link.get_absolute_url(),
}


def submit_empty_comment(page):
    """Send the comment form with nothing filled in (skipping the browser's own checks), so the
    server re-shows it with its errors."""
    form = page.locator(".comment-form form")
    with page.expect_navigation():
        form.evaluate("form => { form.noValidate = true; form.requestSubmit(); }")


def submit_bad_email(page):
    """Sign up with something that is not an email address (past the browser's own check), so
    the server re-shows the sign-up page with the error tied to the field and the text kept."""
    form = page.locator("main form")
    form.get_by_label("Email address").fill("reader-at-example.org")
    with page.expect_navigation():
        form.evaluate("form => { form.noValidate = true; form.requestSubmit(); }")


def press_unsubscribe(page):
    """Press the one button on the unsubscribe page; pressing it again on a later visit is fine."""
    with page.expect_navigation():
        page.get_by_role("button", name="Unsubscribe").click()


AFTER_LOAD = {
    "article-comment-errors": submit_empty_comment,
    "newsletter-signup-errors": submit_bad_email,
    "newsletter-unsubscribed": press_unsubscribe,
}


def visit(page, url, name=None):
    """Open ``url`` (and do what the page type needs); return the final document response."""
    documents = []

    def remember(response):
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            documents.append(response)

    page.on("response", remember)
    try:
        page.goto(url)
        if name in AFTER_LOAD:
            AFTER_LOAD[name](page)
        page.wait_for_load_state("load")
    finally:
        page.remove_listener("response", remember)
    return documents[-1]
