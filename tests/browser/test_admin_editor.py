"""The article form in a real browser: the editor starts under our strict CSP, the lead-image
preview follows the choice, and what an editor publishes appears on the site."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_editor_writes_and_publishes_an_article_without_csp_errors(page, site, make, artifacts):
    make.staff(["Editors"], username="editor", password=PASSWORD)
    section = make.section(name="Transport", slug="transport")
    make.author(name="Ada Writer")
    make.image(caption="Tram at the depot", credit="City Archive", size=(1200, 700))
    problems = []

    # CSP violations and script errors reach the console; failed loads are checked by address
    # (the browser asks for /favicon.ico on its own, which is not ours to answer here).
    def on_console(message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(site.url + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    response = page.goto(site.url + "/admin/articles/article/add/")
    # The editor is tested under the site's real policy: no inline scripts or styles.
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy

    page.locator("#id_headline").press_sequentially("Tram line opens")
    expect(page.locator("#id_slug")).to_have_value("tram-line-opens")
    editor = page.locator(".prose-editor .tiptap")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("Passengers cheered as the first tram left.")

    page.locator("#id_lead_image + .select2").click()
    page.locator(".select2-search__field").fill("Tram")
    page.locator(".select2-results__option", has_text="Tram at the depot").click()
    expect(page.locator(".lead-image-preview img")).to_be_visible()
    expect(page.locator(".lead-image-preview")).to_contain_text("Image source: City Archive")

    page.locator("#id_section + .select2").click()
    page.locator(".select2-results__option", has_text="Transport").click()
    page.locator("#id_articleauthor_set-0-author + .select2").click()
    page.locator(".select2-results__option", has_text="Ada Writer").click()
    page.screenshot(path=artifacts / "admin-article-form.png", full_page=True)
    page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator(".messagelist")).to_contain_text("Published:")

    page.goto(site.url + section.get_absolute_url())
    page.get_by_role("link", name="Tram line opens").first.click()
    expect(page.locator(".article__body")).to_contain_text("Passengers cheered")
    lead = page.locator(".article__lead img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=lead.element_handle())
    assert problems == []
