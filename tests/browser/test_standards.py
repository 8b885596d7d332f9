"""Every public page type held to the reader-experience standards (issue #5), with the real tools.

The page types are listed in ``tests/browser/pages.py``; each check below runs on all of them and
reports every failure at once, page by page.
"""

import contextlib
import json
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from comments.models import Comment
from newsletter.models import Subscriber
from tests.browser.pages import visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = [320, 390, 768, 1280, 1920]
ARTICLE_BUDGET_BYTES = 100 * 1024


def axe_violations(page, axe_path):
    page.add_script_tag(path=str(axe_path))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )


# axe is injected as an inline script, which our strict CSP rightly blocks: lift it for this test
# only (test_no_page_type_breaks_the_content_security_policy checks the policy itself).
@pytest.mark.browser_context_args(bypass_csp=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_22_aa_violations_on_any_page_type(page, page_types, axe_path, scheme):
    page.emulate_media(color_scheme=scheme)
    found = {}
    for name, url in page_types.items():
        visit(page, url, name)
        if violations := axe_violations(page, axe_path):
            found[name] = violations
    assert not found, f"axe ({scheme} mode):\n" + json.dumps(found, indent=2)
    # The control: axe, as run here, does report a violation (a picture without alt text).
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<img src="/static/favicon.svg" width="10" height="10">\')'
    )
    assert "image-alt" in {v["id"] for v in axe_violations(page, axe_path)}


LAX_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}


def strict(policy):
    """Scripts and styles from our own origin (or a nonce) only: nothing inline, nothing from
    elsewhere. (Django adds the nonce only to pages that use one; ours use none.)"""
    directives = {d.split()[0]: set(d.split()[1:]) for d in policy.split(";") if d.strip()}
    return directives.get("default-src") == {"'self'"} and all(
        kind in directives and not directives[kind] & LAX_SOURCES
        for kind in ["script-src", "style-src", "object-src", "base-uri"]
    )


def test_every_page_type_runs_under_the_strict_policy_and_breaks_none_of_it(page, page_types):
    reports, lax = [], []
    page.on(
        "console",
        lambda message: (
            reports.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for name, url in page_types.items():
        policy = visit(page, url, name).header_value("content-security-policy") or ""
        if not strict(policy):
            lax.append(f"{name}: {policy or 'no Content-Security-Policy'}")
    assert not lax, "pages without the strict policy:\n" + "\n".join(lax)
    assert not reports, "\n".join(reports)
    # The control: an inline script (what an injected one would be) is refused and reported.
    with contextlib.suppress(PlaywrightError):
        page.add_script_tag(content="window.__inline_ran = true")
    assert page.evaluate("window.__inline_ran") is None
    assert reports, "the browser reported no refused inline script"


def test_nu_html_checker_finds_no_errors_on_any_page_type(page, page_types, vnu_command, tmp_path):
    # The control: a page with an error, so a checker that checks nothing cannot pass.
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><html lang="en"><title>Control</title><ul><p>Not a list item</p></ul>'
    )
    files = [str(control)]
    for name, url in page_types.items():
        html = visit(page, url, name).text()
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    # One JVM for all pages: starting Java costs seconds, checking a page milliseconds.
    result = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{urlsplit(m.get('url', '')).path.rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert [e for e in errors if e.startswith("control.html:")], "the control page passed"
    errors = [e for e in errors if not e.startswith("control.html:")]
    assert not errors, "Nu HTML Checker:\n" + "\n".join(errors)


def test_article_page_is_light_and_loads_nothing_from_other_hosts(
    page, site, page_types, artifacts
):
    requests, weights = [], {}

    def weigh(response):
        kind = response.request.resource_type
        if kind in {"document", "stylesheet", "script"}:
            weights[response.url] = len(response.body())

    page.on("request", lambda request: requests.append(request.url))
    page.on("response", weigh)
    page.goto(page_types["article"])
    page.wait_for_load_state("networkidle")

    own = urlsplit(site.url).netloc
    # What the page asks for, whether or not the browser (or the policy) let the request out.
    requests += page.evaluate(
        """() => [...document.querySelectorAll(
            "[src], [srcset], link[href]:not([rel~=canonical]):not([rel~=alternate])"
        )].flatMap(el =>
            [el.src || el.href, ...(el.srcset || "").split(",").map(s => s.trim().split(" ")[0])]
        ).filter(Boolean).map(url => new URL(url, location.href).href)"""
    )
    foreign = [url for url in requests if urlsplit(url).netloc not in {own, ""}]
    assert not foreign, f"requests to other hosts: {foreign}"
    total = sum(weights.values())
    (artifacts / "article-weight.json").write_text(
        json.dumps({"total": total, **weights}, indent=2)
    )
    assert total < ARTICLE_BUDGET_BYTES, f"HTML + CSS + JS is {total} bytes: {weights}"
    assert any(url.endswith(".css") for url in weights), "the stylesheet was not weighed"


def test_no_page_type_scrolls_sideways_from_320_to_1920_pixels(page, page_types):
    too_wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in page_types.items():
            visit(page, url, name)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide.append(f"{name} at {width}px is {scroll_width}px wide")
    assert not too_wide, "\n".join(too_wide)


def test_every_image_has_width_and_height_on_every_page_type(page, page_types):
    missing, counted = [], 0
    for name, url in page_types.items():
        visit(page, url, name)
        images = page.evaluate(
            """() => [...document.images].map(img => ({
                src: img.getAttribute("src"),
                ok: /^\\d+$/.test(img.getAttribute("width") || "")
                    && /^\\d+$/.test(img.getAttribute("height") || ""),
            }))"""
        )
        counted += len(images)
        missing += [f"{name}: {img['src']}" for img in images if not img["ok"]]
    assert counted, "the demo pages should have pictures to check"
    assert not missing, "images without width and height:\n" + "\n".join(missing)


def test_every_page_type_has_one_h1_landmarks_and_a_skip_link(page, page_types):
    problems = []
    for name, url in page_types.items():
        visit(page, url, name)
        if (count := page.locator("h1").count()) != 1:
            problems.append(f"{name}: {count} h1 elements")
        if page.locator("main#main").count() != 1:
            problems.append(f"{name}: no <main id=main>")
        if page.locator("a.skip-link[href='#main']").count() != 1:
            problems.append(f"{name}: no skip link")
        # Screen reader users jump by landmark: the masthead, the section menu and the footer.
        for role, options in [
            ("banner", {}),
            ("navigation", {"name": "Sections"}),
            ("contentinfo", {}),
        ]:
            if page.get_by_role(role, **options).count() != 1:
                problems.append(f"{name}: not exactly one {role} landmark {options or ''}")
        asides = page.get_by_role("complementary")
        for i in range(asides.count()):
            if not asides.nth(i).inner_text().strip():
                problems.append(f"{name}: an empty {asides.nth(i).get_attribute('class')} aside")
    assert not problems, "\n".join(problems)


# Each page type that re-shows a form with errors, and the text the reader had typed there.
FORMS_WITH_ERRORS = {
    "article-comment-errors": {},
    "newsletter-signup-errors": {"Email address": "reader-at-example.org"},
}


def test_form_errors_are_tied_to_their_fields_and_typed_text_is_kept(page, page_types):
    """A screen reader announces a field's error when the field gets the focus: the field is
    marked invalid and its accessible description is the error shown beside it."""
    for name, kept in FORMS_WITH_ERRORS.items():
        visit(page, page_types[name], name)
        expect(page.get_by_role("alert").first).to_be_visible()
        invalid = page.locator("main [aria-invalid=true]")
        assert invalid.count(), f"{name}: no field is marked aria-invalid"
        for i in range(invalid.count()):
            field = invalid.nth(i)
            ids = (field.get_attribute("aria-describedby") or "").split()
            errors = [
                page.locator(f"[id='{id_}']")
                for id_ in ids
                if page.locator(f"[id='{id_}']:is(.field__errors, .form-error)").count()
            ]
            assert errors, f"{name}: {field.get_attribute('name')} points at no error message"
            message = errors[0].inner_text().strip()
            assert message, f"{name}: the error of {field.get_attribute('name')} is empty"
            expect(field).to_have_accessible_description(re.compile(re.escape(message)))
            # Seen as well as heard: the field has a heavier border, the error its own colour.
            border = field.evaluate("el => parseFloat(getComputedStyle(el).borderTopWidth)")
            assert border >= 2, f"{name}: {field.get_attribute('name')} looks like a valid field"
            colours = errors[0].evaluate(
                "el => [getComputedStyle(el).color, getComputedStyle(document.body).color]"
            )
            assert colours[0] != colours[1], f"{name}: {message!r} looks like body text"
        shown = page.locator("main :is(.field__errors, .form-error)[id]")
        described = " ".join(
            invalid.nth(i).get_attribute("aria-describedby") for i in range(invalid.count())
        ).split()
        for i in range(shown.count()):
            assert shown.nth(i).get_attribute("id") in described, (
                f"{name}: the error {shown.nth(i).inner_text()!r} is tied to no field"
            )
        for label, text in kept.items():
            expect(page.locator("main").get_by_label(label)).to_have_value(text)


def test_printed_article_keeps_the_story_and_drops_menus_ads_and_forms(page, page_types):
    page.goto(page_types["article"])
    page.emulate_media(media="print")
    for selector in ["nav", ".advertisement", "form", ".rail", ".share", ".skip-link"]:
        elements = page.locator(selector)
        assert elements.count() or selector in {".skip-link"}, f"nothing matched {selector}"
        for i in range(elements.count()):
            display = elements.nth(i).evaluate(
                "el => { for (; el; el = el.parentElement) { if (getComputedStyle(el).display"
                " === 'none') return 'none'; } return 'shown'; }"
            )
            assert display == "none", f"{selector} #{i} is printed"
    for selector in ["h1", ".article__body", ".article__lead img", ".credit"]:
        expect(page.locator(selector).first).to_be_visible()


def test_article_page_paints_fast_and_does_not_shift(page, page_types, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page_types["article"], wait_until="load")
    page.wait_for_timeout(500)  # let the last layout settle before reading the entries
    metrics = page.evaluate(
        """() => new Promise(resolve => {
            const result = {lcp: null, cls: 0, element: null};
            new PerformanceObserver(list => {
                const last = list.getEntries().at(-1);
                result.lcp = last.startTime;
                result.element = last.element ? last.element.outerHTML.slice(0, 80) : null;
            }).observe({type: "largest-contentful-paint", buffered: true});
            new PerformanceObserver(list => {
                for (const entry of list.getEntries()) {
                    if (!entry.hadRecentInput) result.cls += entry.value;
                }
            }).observe({type: "layout-shift", buffered: true});
            setTimeout(() => resolve(result), 100);
        })"""
    )
    (artifacts / "article-speed.json").write_text(json.dumps(metrics, indent=2))
    assert metrics["lcp"] is not None, "no largest-contentful-paint entry"
    assert metrics["lcp"] < 1000, f"LCP {metrics['lcp']:.0f} ms on {metrics['element']}"
    assert metrics["cls"] < 0.05, f"CLS {metrics['cls']:.3f}"


# Keyboard-only reading ---------------------------------------------------------------------------


def focused(page):
    """A short description of the focused element and whether its focus is visible."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const visible = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
                || style.boxShadow !== "none";
            return {
                tag: el.tagName.toLowerCase(),
                text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim()
                    .slice(0, 60),
                name: el.getAttribute("name") || "",
                visible,
            };
        }"""
    )


def tab_to(page, locator, limit=120):
    """Press Tab until ``locator`` has the focus, checking that every stop shows a visible focus
    indicator; fail with the path taken if it is never reached. Returns the number of presses."""
    path = []
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        here = focused(page)
        path.append(here)
        assert here["visible"], f"no visible focus style on {here} after {presses} Tab presses"
        if locator.evaluate("el => el === document.activeElement"):
            return presses
    pytest.fail(f"never reached {locator} with Tab; focus went: {[p['text'] for p in path]}")


def keyboard_from_home_to_the_lead_story(page, page_types, demo):
    """Open the home page, take the skip link and follow the top story, with keys only."""
    page.goto(page_types["home"])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    lead_story = page.locator(".lead-story .teaser__headline a")
    # The skip link lands in the content: the top story is the next stop or two away, not 20.
    assert tab_to(page, lead_story, limit=3) <= 3
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.article.headline)


def test_keyboard_reader_skips_to_content_follows_a_story_and_signs_up_for_the_newsletter(
    page, page_types, demo
):
    keyboard_from_home_to_the_lead_story(page, page_types, demo)

    email = page.get_by_label("Email address")
    tab_to(page, email)
    page.keyboard.type("reader@example.org")
    tab_to(page, page.locator(".newsletter-signup button[type=submit]"), limit=2)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")


# Screenshots -------------------------------------------------------------------------------------

SCREENSHOT_WIDTHS = [390, 1280]
DARK_TOO = {"home", "article"}


def test_screenshots_of_every_page_type(page, page_types, artifacts):
    """Pictures of every page type for people to look at (`make screenshots`)."""
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    taken = []
    for name, url in page_types.items():
        for scheme in ["light", "dark"] if name in DARK_TOO else ["light"]:
            page.emulate_media(color_scheme=scheme)
            for width in SCREENSHOT_WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                visit(page, url, name)
                # Load the lazy pictures too, so the full-page picture has no holes.
                page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
                page.wait_for_function("() => [...document.images].every(i => i.complete)")
                path = folder / f"{name}-{width}-{scheme}.png"
                page.screenshot(path=path, full_page=True)
                taken.append(path)
    assert all(path.stat().st_size > 1000 for path in taken)
    assert len(taken) == len(page_types) * 2 + len(DARK_TOO & page_types.keys()) * 2


def test_keyboard_reader_posts_a_comment_without_a_mouse(page, page_types, demo, settings):
    settings.COMMENTS_MIN_SECONDS = 0  # a keyboard is quick; the timing rule has its own tests
    keyboard_from_home_to_the_lead_story(page, page_types, demo)
    form = page.locator(".comment-form form")
    tab_to(page, form.get_by_role("textbox", name="Name", exact=True), limit=200)
    page.keyboard.type("Keyboard Reader")
    page.keyboard.press("Tab")
    page.keyboard.type("keys@example.org")
    tab_to(page, form.get_by_role("textbox", name="Comment", exact=True), limit=3)
    page.keyboard.type("Posted without touching a mouse.")
    tab_to(page, form.locator("button[type=submit]"), limit=4)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("awaiting moderation").first).to_be_visible()
    expect(page.get_by_text("Posted without touching a mouse.")).to_be_visible()


# JavaScript off ----------------------------------------------------------------------------------


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_with_javascript_off_a_reader_searches_reads_comments_and_signs_up(
    page, page_types, demo, settings
):
    """Scripts are progressive enhancements only: every reader path is plain links and forms."""
    settings.COMMENTS_MIN_SECONDS = 0  # the timing rule has its own tests
    page.goto(page_types["home"])
    assert page.evaluate("matchMedia('(scripting: none)').matches"), "scripts are on"
    search = page.get_by_role("search").get_by_role("searchbox")
    search.fill("bridge")
    with page.expect_navigation():
        search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("bridge")
    page.get_by_role("link", name=demo.article.headline).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.article.headline)
    # Without the script, "Copy link" is still a link to the story itself.
    expect(page.locator("a.copy-link")).to_have_attribute("href", re.compile(r"/article/"))

    form = page.locator(".comment-form form")
    form.get_by_role("textbox", name="Name", exact=True).fill("No Script Reader")
    form.get_by_role("textbox", name="Email", exact=True).fill("noscript@example.org")
    form.get_by_role("textbox", name="Comment", exact=True).fill(
        "Read and written with scripts off."
    )
    form.get_by_role("button", name="Post comment").click()
    # A page every reader shares carries no one's CSRF token (site.js fetches it): without the
    # script the first send comes back with the text kept and a token, and sending again posts.
    form = page.locator(".comment-form form")
    expect(form.get_by_role("textbox", name="Comment", exact=True)).to_have_value(
        "Read and written with scripts off."
    )
    assert not Comment.objects.filter(body="Read and written with scripts off.").exists()
    form.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("awaiting moderation").first).to_be_visible()
    assert Comment.objects.filter(body="Read and written with scripts off.").count() == 1

    box = page.locator(".newsletter-signup")
    box.get_by_label("Email address").fill("noscript@example.org")
    box.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert Subscriber.objects.filter(email="noscript@example.org").exists()
