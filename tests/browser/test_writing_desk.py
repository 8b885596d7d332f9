"""Writing safely in a real browser: two editors on one story (the second save shows the
conflict and keeps what was typed), autosave survives a reload, and the picture button puts a
library picture into the body, all under the admin's strict CSP with no script errors."""

import pytest
from playwright.sync_api import expect

from articles.admin import ArticleAdmin
from articles.models import Article, Draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def log_in(browser, site, username, problems):
    context = browser.new_context()
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "Failed to load resource" not in message.text
            and problems.append(message.text)
        ),
    )
    page.goto(site.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


def change_url(site, article):
    return f"{site.url}/admin/articles/article/{article.pk}/change/"


def type_in_body(page, text):
    body = page.locator(".prose-editor .tiptap")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def test_the_second_of_two_editors_sees_the_conflict_with_their_text_kept(
    browser, site, make, artifacts, monkeypatch
):
    monkeypatch.setattr(ArticleAdmin, "presence_seconds", 1)
    make.staff(["Editors"], username="fay", first_name="Fay", last_name="First", password=PASSWORD)
    make.staff(["Editors"], username="sam", first_name="Sam", last_name="Second", password=PASSWORD)
    story = make.article(headline="Council votes", body="<p>The vote was close.</p>")
    problems = []
    fay = log_in(browser, site, "fay", problems)
    sam = log_in(browser, site, "sam", problems)
    sam.goto(change_url(site, story))
    expect(sam.locator("#desk-presence")).to_be_hidden()  # nobody else yet
    fay.goto(change_url(site, story))
    expect(fay.locator("#desk-presence")).to_contain_text("Also open by Sam Second")
    # Sam's page learns that Fay is here without reloading (it asks every second here).
    expect(sam.locator("#desk-presence")).to_contain_text("Also open by Fay First")

    type_in_body(fay, " Fay adds a paragraph.")
    fay.get_by_role("button", name="Save and continue editing").click()
    expect(fay.locator(".messagelist")).to_contain_text("was changed successfully")

    type_in_body(sam, " Sam adds another.")
    sam.once("dialog", lambda dialog: dialog.accept())
    sam.get_by_role("button", name="Save and continue editing").click()
    conflict = sam.locator(".edit-conflict")
    expect(conflict).to_contain_text("Not saved: Fay First saved this article")
    expect(conflict.locator(".conflict-theirs")).to_contain_text("Fay adds a paragraph.")
    expect(sam.locator(".prose-editor .tiptap")).to_contain_text("Sam adds another.")
    sam.screenshot(path=artifacts / "admin-edit-conflict.png", full_page=True)

    # Merge by hand (take Fay's sentence too) and save again: it goes through.
    type_in_body(sam, " Fay adds a paragraph.")
    sam.get_by_role("button", name="Save and continue editing").click()
    expect(sam.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert "Sam adds another." in story.body and "Fay adds a paragraph." in story.body
    assert story.version == 2
    assert problems == []


def test_typing_is_autosaved_and_offered_back_after_a_reload(
    browser, site, make, artifacts, monkeypatch
):
    monkeypatch.setattr(ArticleAdmin, "autosave_seconds", 1)
    make.staff(["Editors"], username="fay", password=PASSWORD)
    story = make.article(headline="Storm warning", body="<p>Winds tonight.</p>")
    problems = []
    page = log_in(browser, site, "fay", problems)
    page.goto(change_url(site, story))
    expect(page.locator("#desk-counts")).to_contain_text("2 words · about 1 min read")
    page.locator("#id_headline").fill("Storm warning for the coast")
    type_in_body(page, " Gusts of 120 km/h are expected.")
    expect(page.locator("#desk-counts")).to_contain_text("8 words")
    expect(page.locator("#desk-autosave")).to_contain_text("Draft saved at", timeout=10_000)
    assert Draft.objects.get().content["headline"] == "Storm warning for the coast"

    page.once("dialog", lambda dialog: dialog.accept())  # "leave with unsaved changes?"
    page.reload()
    expect(page.locator(".desk-draft")).to_contain_text("that was never saved")
    page.get_by_role("link", name="Restore my unsaved text").click()
    expect(page.locator("#id_headline")).to_have_value("Storm warning for the coast")
    expect(page.locator(".prose-editor .tiptap")).to_contain_text("Gusts of 120 km/h")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Article.objects.get(pk=story.pk).headline == "Storm warning for the coast"
    assert not Draft.objects.exists()
    assert problems == []


def test_the_picture_button_inserts_a_library_picture_with_caption_and_credit(
    browser, site, make, artifacts
):
    make.staff(["Editors"], username="fay", password=PASSWORD)
    picture = make.image(caption="Tram at the depot", credit="City Archive", size=(1200, 700))
    make.image(caption="Harbour at dawn")
    story = make.article(body="<p>The first tram left at six.</p>")
    problems = []
    page = log_in(browser, site, "fay", problems)
    page.goto(change_url(site, story))
    type_in_body(page, "")
    page.get_by_role("button", name="Insert a picture from the library…").click()
    dialog = page.locator("#desk-picture-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("searchbox").fill("tram")
    expect(dialog.locator(".desk-picture")).to_have_count(1)
    dialog.locator(".desk-picture").click()
    expect(dialog.locator("#desk-picture-credit")).to_have_value("City Archive")
    dialog.get_by_role("button", name="Insert picture").click()
    figure = page.locator(".prose-editor .tiptap figure")
    expect(figure.locator("img")).to_have_attribute("src", picture.file.url)
    expect(figure).to_contain_text("Tram at the depot (Image source: City Archive)")
    page.screenshot(path=artifacts / "admin-picture-inserted.png", full_page=True)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert picture.file.url in story.body and "<figcaption" in story.body
    page.goto(site.url + story.get_absolute_url())
    expect(page.locator(".article__body figure img")).to_be_visible()
    assert problems == []


def test_the_picture_button_uploads_a_new_picture_and_inserts_it(browser, site, make, tmp_path):
    from tests.factories import jpeg_bytes

    make.staff(["Editors"], username="fay", password=PASSWORD)
    story = make.article(body="<p>The harbour at dawn.</p>")
    photo = tmp_path / "harbour.jpg"
    photo.write_bytes(jpeg_bytes(900, 600))
    problems = []
    page = log_in(browser, site, "fay", problems)
    page.goto(change_url(site, story))
    type_in_body(page, "")
    page.get_by_role("button", name="Insert a picture from the library…").click()
    dialog = page.locator("#desk-picture-dialog")
    expect(dialog.locator(".desk-pictures")).to_contain_text("No picture matches.")
    dialog.get_by_text("Upload a new picture").click()
    dialog.locator("#desk-upload-file").set_input_files(str(photo))
    dialog.locator("#desk-upload-alt").fill("Boats in the harbour")
    dialog.locator("#desk-upload-caption").fill("Morning in the harbour")
    dialog.locator("#desk-upload-credit").fill("Ada Photographer")
    dialog.get_by_role("button", name="Upload to the library").click()
    expect(dialog.locator("#desk-upload-status")).to_contain_text("Uploaded and chosen")
    expect(dialog.locator("#desk-picture-credit")).to_have_value("Ada Photographer")
    dialog.get_by_role("button", name="Insert picture").click()
    figure = page.locator(".prose-editor .tiptap figure")
    expect(figure).to_contain_text("Morning in the harbour (Image source: Ada Photographer)")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    story.refresh_from_db()
    assert "Morning in the harbour" in story.body and "/media/images/" in story.body
    assert problems == []


def test_the_tags_field_suggests_existing_tags_once_each_as_one_types(browser, site, make):
    make.staff(["Editors"], username="fay", password=PASSWORD)
    make.article(tags=["Harbour", "Harbour lights", "Transport"])
    story = make.article(tags=["Transport"])
    problems = []
    page = log_in(browser, site, "fay", problems)
    page.goto(change_url(site, story))
    tags = page.locator("#id_tags")
    tags.fill("")
    tags.press_sequentially("transport, HARB")
    options = page.locator("#desk-tag-suggestions option")
    expect(options).to_have_count(2)
    assert [options.nth(i).get_attribute("value") for i in range(2)] == [
        "transport, Harbour",
        "transport, Harbour lights",
    ]
    with page.expect_response(lambda response: "/tags/?q=tra" in response.url):
        tags.press_sequentially(", tra")
    page.wait_for_timeout(200)  # the answer is in the list
    expect(options).to_have_count(0)  # "Transport" is already there, in another case
    assert problems == []
